"""Which relation each table reference in a query reads: a WITH query or a published resource.

Resolution follows sqlglot's scopes (the same visibility rules DuckDB applies to WITH names).
Any reference that is neither a visible WITH name nor a published table is refused, and so
is a WITH name that would shadow a published table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.optimizer.scope import Scope, traverse_scope

from catalog import RESOURCES, Resource
from catalog.i18n import _
from policies.errors import PolicyError

__all__ = ["CATALOG_NAME", "PUBLISHED_SCHEMA", "TableRefs", "classify_tables"]

PUBLISHED_SCHEMA = "published"
CATALOG_NAME = "hub"  # the analysts' database (hub.duckdb) as analysts name it
_PLAIN = re.compile(r"[a-z_][a-z0-9_]{0,62}(\.[a-z_][a-z0-9_]{0,62}){0,2}")


def _tables() -> dict[str, Resource]:
    """The directory's tables by name (read on each use: the directory is data)."""
    return {r.table: r for r in RESOURCES.values()}
_FILE_NAME = re.compile(r"[/\\:]|\.\w{1,8}$|^~")


@dataclass
class TableRefs:
    """Every `exp.Table` of the query, sorted into WITH references and protected reads."""

    cte_refs: list[tuple[exp.Table, exp.CTE]] = field(default_factory=list)
    protected: list[tuple[exp.Table, Resource]] = field(default_factory=list)

    @property
    def resources(self) -> list[Resource]:
        """Each resource read once, in code order (so token parameter names are stable)."""
        return sorted({r.code: r for _, r in self.protected}.values(), key=lambda r: r.code)


def classify_tables(query: exp.Query) -> TableRefs:
    refs, tables = TableRefs(), _tables()
    for cte in query.find_all(exp.CTE):
        if cte.alias_or_name in tables:
            raise PolicyError("cte_shadows_table",
                              _("WITH name {name} is the name of a published table",
                                name=cte.alias_or_name))
    seen: set[int] = set()
    try:
        scopes = list(traverse_scope(query))
    except Exception:  # noqa: BLE001 (sqlglot raises several types for queries it cannot scope)
        raise PolicyError("not_allowed",
                          _("the query's structure could not be analysed")) from None
    for scope in scopes:
        for table in scope.tables:
            if id(table) in seen:
                continue
            seen.add(id(table))
            cte = _cte_of(scope, table)
            if cte is not None:
                refs.cte_refs.append((table, cte))
            else:
                refs.protected.append((table, _resource_of(table)))
    if any(id(t) not in seen for t in query.find_all(exp.Table)):
        raise PolicyError("not_allowed", _("a table reference is in a position the gateway "
                                           "does not support"))
    return refs


def _cte_of(scope: Scope, table: exp.Table) -> exp.CTE | None:
    if table.args.get("db"):
        return None
    source = scope.cte_sources.get(table.name)
    if isinstance(source, Scope) and isinstance(source.expression.parent, exp.CTE):
        return source.expression.parent
    return _recursive_cte_of(table)


def _recursive_cte_of(table: exp.Table) -> exp.CTE | None:
    """The WITH RECURSIVE query a table inside its own body names (sqlglot's scopes do not
    list a recursive query among its own sources; DuckDB resolves the name to it)."""
    node = table.parent
    while node is not None:
        if isinstance(node, exp.CTE) and node.alias_or_name == table.name:
            with_ = node.parent
            return node if isinstance(with_, exp.With) and with_.args.get("recursive") else None
        node = node.parent
    return None


def _resource_of(table: exp.Table) -> Resource:
    schema = table.db
    if table.catalog not in ("", CATALOG_NAME) or (table.catalog and schema != PUBLISHED_SCHEMA):
        raise PolicyError("unknown_table", _("{table} is not a published table",
                                             table=_shown(table)))
    if _FILE_NAME.search(table.name):  # DuckDB reads a quoted path in FROM as a file
        raise PolicyError("file_access", _("the query names a file; query published tables"))
    tables = _tables()
    if schema not in ("", PUBLISHED_SCHEMA) or table.name not in tables:
        raise PolicyError("unknown_table", _("{table} is not a published table; query "
                                             "published.<resource table>, e.g. "
                                             "published.ga_population", table=_shown(table)))
    return tables[table.name]


def _shown(table: exp.Table) -> str:
    """The name as written when it is a plain identifier; never echo paths or odd strings."""
    name = ".".join(p for p in (table.catalog, table.db, table.name) if p)
    return name if _PLAIN.fullmatch(name) else _("the table")
