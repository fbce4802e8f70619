"""Rule: an aggregate-only read returns only groups of at least k distinct persons.

The query must be one SELECT over the one aggregate-granted table, grouping or aggregating,
with COUNT, SUM or AVG of plain columns (no expressions inside aggregates, no FILTER, no
windows, no subqueries): otherwise a conditional aggregate could single a person out inside
a large group. The rewriter then adds `HAVING count(DISTINCT person) >= k`.
"""

from __future__ import annotations

from sqlglot import exp

from catalog.i18n import _
from policies.allowlist import AGGREGATE_MODE_FUNCTIONS, ANONYMOUS_AGGREGATES
from policies.errors import PolicyError
from policies.rewrite.context import RewriteContext
from policies.rewrite.tables import PERSON_COLUMN
from policies.sources import TableRefs

__all__ = ["check_aggregate_shape", "enforce_min_group"]

_REFUSED = (exp.Window, exp.Filter, exp.Qualify, exp.Subquery, exp.With, exp.Join, exp.Explode,
            exp.Unnest, exp.Lambda, exp.TableSample)


def check_aggregate_shape(query: exp.Query, refs: TableRefs) -> None:
    """Refuse an aggregate-only read whose shape could reveal a single person."""
    def refuse(message: str) -> PolicyError:
        return PolicyError("aggregate_only", message)

    if not isinstance(query, exp.Select) or len(refs.protected) != 1 or refs.cte_refs:
        raise refuse(_("an aggregate-only grant allows one SELECT over its one table"))
    if any(query.find_all(*_REFUSED)) or len(list(query.find_all(exp.Select))) != 1:
        raise refuse(_("an aggregate-only grant allows no joins, subqueries, WITH, windows, "
                       "FILTER, UNNEST or sampling"))
    aggregates = list(query.find_all(exp.AggFunc))
    for agg in aggregates:
        if type(agg) not in AGGREGATE_MODE_FUNCTIONS:
            raise refuse(_("an aggregate-only grant allows COUNT, SUM and AVG only"))
        arg = agg.this
        if isinstance(arg, exp.Distinct):
            arg = arg.expressions[0] if len(arg.expressions) == 1 else None
        if not (isinstance(arg, exp.Column) or (isinstance(arg, exp.Star)
                                                 and isinstance(agg, exp.Count))):
            raise refuse(_("an aggregate-only grant aggregates plain columns only"))
    for func in query.find_all(exp.Anonymous):
        if str(func.this).lower() in ANONYMOUS_AGGREGATES:
            raise refuse(_("an aggregate-only grant allows COUNT, SUM and AVG only"))
    for star in query.find_all(exp.Star):
        if not isinstance(star.parent, exp.Count):
            raise refuse(_("an aggregate-only grant cannot select * (only count(*))"))
    if not aggregates and not query.args.get("group"):
        raise refuse(_("an aggregate-only grant answers aggregate queries only (GROUP BY or "
                       "COUNT/SUM/AVG)"))


def enforce_min_group(query: exp.Query, context: RewriteContext) -> exp.Query:
    aggregate = [(table, r) for table, r in context.refs.protected
                 if context.bindings[r.code].aggregate]
    if not aggregate:
        return query
    table, _resource = aggregate[0]
    alias = table.alias_or_name
    persons = exp.Count(this=exp.Distinct(expressions=[exp.column(PERSON_COLUMN, alias)]))
    threshold = exp.GTE(this=persons, expression=exp.Literal.number(context.min_group_size))
    having = query.args.get("having")
    condition = threshold if having is None else exp.and_(exp.paren(having.this), threshold)
    query.set("having", exp.Having(this=condition))
    return query
