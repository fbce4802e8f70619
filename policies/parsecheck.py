"""The gateway's second, independent check: DuckDB's own parse of the SQL that will run.

The first check (`policies.checker`) reads sqlglot's tree of the analyst's text, and the
rewriter prints SQL from that tree. Where the two parsers read a text differently (sqlglot
keeps a fragment verbatim that DuckDB reads as SQL), the first check approves what it never
saw. So the final SQL is parsed again, by DuckDB itself (`json_serialize_sql`, on an
in-memory connection that can read nothing), and DuckDB's tree is checked: every table
reference is a WITH query of the rewriter's, or sits inside one of the rewriter's masked
reads, which must be exactly as the rewriter built them; every function, table function and
type is on the allowlist; there is no parameter. Anything else — including a node kind this
module does not know — is refused as a parser disagreement: fail closed.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Iterable

import duckdb
import sqlglot
from sqlglot import exp

from catalog.i18n import _
from policies.allowlist import ALLOWED_TYPES, FUNCTIONS, SYNTAX_SAMPLES
from policies.errors import PolicyError
from policies.rewrite.tables import ProtectedRead

__all__ = ["check_engine_parse", "protected_reads"]

_EXPRESSIONS = frozenset({"BETWEEN", "CASE", "CAST", "COLUMN_REF", "COMPARISON", "CONJUNCTION",
                          "CONSTANT", "FUNCTION", "LAMBDA", "LAMBDA_REF", "OPERATOR", "STAR",
                          "SUBQUERY", "TYPE", "WINDOW"})
_TABLE_REFS = frozenset({"BASE_TABLE", "EMPTY", "EXPRESSION_LIST", "JOIN", "SUBQUERY",
                         "TABLE_FUNCTION"})
_QUERY_NODES = frozenset({"CTE_NODE", "RECURSIVE_CTE_NODE", "SELECT_NODE", "SET_OPERATION_NODE"})
_MODIFIERS = frozenset({"DISTINCT_MODIFIER", "LIMIT_MODIFIER", "LIMIT_PERCENT_MODIFIER",
                        "ORDER_MODIFIER"})
_TABLE_FUNCTIONS = frozenset({"unnest"})
_PRIVATE_CTE = re.compile(r"__hub_cte_[0-9]+")
_LOCATION = re.compile(r',"query_location(?:_length)?":[0-9]+')
_local = threading.local()


def protected_reads(tree: exp.Expr) -> list[str]:
    """The SQL of every masked read the rewriter put into `tree`."""
    return [read.this for read in tree.find_all(ProtectedRead)]


def check_engine_parse(sql: str, protected: Iterable[str]) -> None:
    """Refuse `sql` unless DuckDB's parse of it reads only what the rewriter allows."""
    _Walk([_masked_node(p) for p in set(protected)]).statement(_parse(sql))


def _refuse(message: str) -> PolicyError:
    return PolicyError("parser_disagreement", message)


class _Walk:
    """One pass over DuckDB's tree. A table name outside the masked reads must be one of the
    rewriter's private WITH names; DuckDB binds it to that WITH query or fails (no catalog
    object has such a name, and Python replacement scans are off on the gateway's
    connection)."""

    def __init__(self, protected: list[dict]) -> None:
        self.protected = protected

    def statement(self, parsed: dict) -> None:
        statements = parsed.get("statements") or []
        if parsed.get("error") or len(statements) != 1:
            raise _refuse(_("the engine would read something other than one query; the query is "
                            "refused"))
        self.any(statements[0]["node"])

    def any(self, item: object) -> None:
        if isinstance(item, list):
            for child in item:
                self.any(child)
        elif isinstance(item, dict):
            if "class" in item:
                self.expression(item)
            elif "cte_map" in item:
                if item.get("type") not in _QUERY_NODES:
                    raise _refuse(_("the engine would read a query form the gateway does not "
                                    "know; the query is refused"))
                for entry in (item.get("cte_map") or {}).get("map", []):
                    if not _PRIVATE_CTE.fullmatch(str(entry.get("key"))):
                        raise _refuse(_("the engine would read a WITH query the gateway did not "
                                        "name; the query is refused"))
                self.children(item)
            elif "sample" in item and "type" in item:
                self.table(item)
            elif str(item.get("type", "")).endswith("_MODIFIER"):
                if item["type"] not in _MODIFIERS:
                    raise _refuse(_("the engine would read a query modifier the gateway does not "
                                    "know; the query is refused"))
                self.children(item)
            else:
                self.children(item)

    def children(self, item: dict) -> None:
        for value in item.values():
            if isinstance(value, dict | list):
                self.any(value)

    def expression(self, node: dict) -> None:
        kind = node.get("class")
        if kind not in _EXPRESSIONS:
            raise _refuse(_("the engine would read an expression of a kind the gateway does not "
                            "allow; the query is refused"))
        if kind == "FUNCTION":
            self.function(node, _engine_functions())
        elif kind == "TYPE":
            if node.get("catalog") or node.get("schema") or \
                    str(node.get("type_name", "")).lower() not in _engine_types():
                raise _refuse(_("the engine would read a data type that is not allowed; the query "
                                "is refused"))
        self.children(node)

    def function(self, node: dict, allowed: frozenset[str]) -> None:
        if node.get("catalog") or node.get("schema") or node.get("export_state") or \
                str(node.get("function_name", "")).lower() not in allowed:
            raise _refuse(_("the engine would read a function that is not allowed; the query is "
                            "refused"))

    def table(self, ref: dict) -> None:
        kind = ref.get("type")
        if kind not in _TABLE_REFS:
            raise _refuse(_("the engine would read a table source the gateway does not allow; the "
                            "query is refused"))
        if kind == "BASE_TABLE":
            if ref.get("catalog_name") or ref.get("schema_name") or ref.get("at_clause") or \
                    not _PRIVATE_CTE.fullmatch(str(ref.get("table_name"))):
                raise _refuse(_("the engine would read a table outside the rewriter's masked "
                                "reads; the query is refused"))
            return
        if kind == "SUBQUERY" and ref["subquery"]["node"] in self.protected:
            self.any(ref.get("sample"))
            return  # exactly the rewriter's masked read
        if kind == "TABLE_FUNCTION":
            self.function(ref.get("function") or {}, _TABLE_FUNCTIONS)
        self.children(ref)


def _connection() -> duckdb.DuckDBPyConnection:
    """This thread's parser: in memory, no files, no extensions, configuration locked."""
    con = getattr(_local, "con", None)
    if con is None:
        con = duckdb.connect(":memory:", config={
            "autoinstall_known_extensions": False, "autoload_known_extensions": False,
            "enable_external_access": False, "threads": 1})
        con.execute("SET lock_configuration = true")
        _local.con = con
    return con


def _parse(sql: str) -> dict:
    """DuckDB's tree of `sql`, without source positions (a masked read's own parse must
    equal its parse inside the whole query)."""
    try:
        (text,) = _connection().execute("SELECT json_serialize_sql(?)", [sql]).fetchone()
        return json.loads(_LOCATION.sub("", text))
    except (duckdb.Error, ValueError, RecursionError):
        raise _refuse(_("the engine would read a text it cannot parse; the query is "
                        "refused")) from None


@functools.lru_cache(maxsize=512)
def _masked_node(sql: str) -> dict:
    """A masked read's own parse, as it must stand in the whole query (never mutated)."""
    statements = _parse(sql).get("statements") or [{}]
    return statements[0].get("node") or {}


def _names(sql: str, key: str) -> set[str]:
    found: set[str] = set()
    stack: list[object] = [_parse(sql)]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if key in item and isinstance(item[key], str):
                found.add(item[key].lower())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


@functools.cache
def _engine_functions() -> frozenset[str]:
    """The names DuckDB gives every allowlisted function and operator, as sqlglot prints them
    for DuckDB (some print under another name: ucase → upper, string_agg → listagg)."""
    names: set[str] = set()
    for name in FUNCTIONS:
        for args in ("a", "a, b", "a, b, c", ""):
            try:
                tree = sqlglot.parse_one(f"SELECT {name}({args})", read="duckdb")
            except sqlglot.errors.ParseError:
                continue
            names |= _names(tree.sql(dialect="duckdb"), "function_name")
            break
    for sample in SYNTAX_SAMPLES:
        names |= _names(sqlglot.transpile(sample, read="duckdb", write="duckdb")[0],
                        "function_name")
    return frozenset(names)


@functools.cache
def _engine_types() -> frozenset[str]:
    """The names DuckDB gives every allowlisted data type, as sqlglot prints it."""
    names: set[str] = set()
    for kind in ALLOWED_TYPES:
        params = {exp.DType.DECIMAL: "(10, 2)", exp.DType.STRUCT: "(a INT)",
                  exp.DType.MAP: "(VARCHAR, INT)", exp.DType.ARRAY: "(INT)",
                  exp.DType.LIST: "(INT)"}.get(kind, "")
        try:
            tree = sqlglot.parse_one(f"SELECT CAST(a AS {kind.value}{params})", read="duckdb")
        except sqlglot.errors.ParseError:
            tree = exp.select(exp.cast(exp.column("a"), exp.DataType(this=kind)))
        names |= _names(tree.sql(dialect="duckdb"), "type_name")
    return frozenset(names)
