"""The SQL gateway as every surface uses it (API route, `hub sql`, Python client via the API):
the caller's grants, plan, quota, execute, and one audit entry per query, refused or not."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pyarrow as pa

from catalog import HubSettings
from catalog.i18n import _
from policies.engine import GovernedQuery, execute, plan
from policies.errors import PolicyError
from policies.policy import default_policy
from policies.principal import Principal
from policies.store import GrantStore

__all__ = ["QueryResult", "run_query"]


@dataclass(frozen=True)
class QueryResult:
    table: pa.Table
    governed: GovernedQuery


def run_query(settings: HubSettings, store: GrantStore, principal: Principal, sql: str, *,
              surface: str, grant_ids: Sequence[str] | None = None,
              authorise: Callable[[GovernedQuery], None] | None = None) -> QueryResult:
    """Run `sql` for `principal` under its active grants; audited whatever the outcome.
    Everything that can refuse — no grant at all, the checks, the grants' cover, the
    surface's own `authorise` (raising `PolicyError`) — refuses before anything runs."""
    started = time.perf_counter()
    governed: GovernedQuery | None = None
    entry = {"surface": surface, "subject": principal.subject,
             "department": principal.department, "roles": sorted(principal.roles),
             "district": principal.district, "original_sql": sql}
    try:
        grants = store.active_grants(principal)
        if not grants:
            raise PolicyError("no_grant", _("the caller holds no active grant"))
        governed = plan(principal, grants, sql, settings=settings, grant_ids=grant_ids)
        if authorise is not None:
            authorise(governed)
        for grant in governed.grants:
            store.consume(grant.id)
        table = execute(settings, governed)
    except PolicyError as error:
        store.record_query(**entry, **_planned(governed), outcome=error.code, rows=None,
                           elapsed_ms=(time.perf_counter() - started) * 1000)
        raise
    store.record_query(**entry, **_planned(governed), outcome="ok", rows=table.num_rows,
                       elapsed_ms=(time.perf_counter() - started) * 1000)
    return QueryResult(table, governed)


def _planned(governed: GovernedQuery | None) -> dict[str, object]:
    if governed is None:
        return {"grant_ids": [], "policy_version": default_policy().version, "rewritten_sql": ""}
    return {"grant_ids": list(governed.grant_ids), "policy_version": governed.policy_version,
            "rewritten_sql": governed.sql}
