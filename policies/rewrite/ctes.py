"""Rule: rename every WITH query to a private `__hub_cte_<n>` name, with its references.

After it, an unqualified table name in the query can only mean a WITH query the rewriter
resolved; nothing the user names can fall through to a catalog object by accident.
"""

from __future__ import annotations

from sqlglot import exp

from policies.rewrite.context import RewriteContext

__all__ = ["rename_ctes"]


def rename_ctes(query: exp.Query, context: RewriteContext) -> exp.Query:
    names: dict[int, str] = {}
    for table, cte in context.refs.cte_refs:
        private = names.setdefault(id(cte), f"__hub_cte_{len(names)}")
        if not table.alias:
            table.set("alias", exp.TableAlias(this=exp.to_identifier(table.name)))
        table.set("this", exp.to_identifier(private))
    for cte in query.find_all(exp.CTE):
        private = names.setdefault(id(cte), f"__hub_cte_{len(names)}")
        alias = cte.args["alias"]
        alias.set("this", exp.to_identifier(private))
    return query
