"""The rewrite rules, run in a fixed order on a checked query (as sqlglot's optimizer runs its
rules): WITH names become private names, every protected table becomes its masked, filtered
form, and aggregate-only reads get the minimum group size."""

from __future__ import annotations

from policies.rewrite.context import CATALOG_ALIAS, RewriteContext
from policies.rewrite.ctes import rename_ctes
from policies.rewrite.dialect import GatewayDuckDB
from policies.rewrite.small_cells import check_aggregate_shape, enforce_min_group
from policies.rewrite.tables import masked_select, protect_tables, read_snapshots
from policies.rewrite.verify import verify_rewritten

__all__ = [
    "CATALOG_ALIAS",
    "RULES",
    "GatewayDuckDB",
    "RewriteContext",
    "check_aggregate_shape",
    "masked_select",
    "read_snapshots",
    "rewrite",
    "verify_rewritten",
]

RULES = (rename_ctes, protect_tables, enforce_min_group)


def rewrite(query, context: RewriteContext):
    """Apply every rule in order, then prove the result reads nothing unprotected."""
    for rule in RULES:
        query = rule(query, context)
    verify_rewritten(query)
    return query
