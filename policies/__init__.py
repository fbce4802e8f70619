"""Access policies and the enforcement engine (issue 5): one engine for the SQL gateway,
extract orders, query orders and verification.

Public API (see docs/policies-api.md):

- `Principal(subject, department, roles, district)` — the caller.
- `Grant`, `GrantMode` (extract | query | verify | aggregate), `GrantStatus`.
- `GrantStore(registry, settings=None)`: `provision_grant(...)`, `revoke_grant(id, reason)`,
  `active_grants(principal_or_department, at=None)`, `get_grant(id)`, `list_grants()`,
  `consume(id)` (call quota), `expire_due()`, `record_query(...)` (audit).
- `plan(principal, grants, sql, settings=..., grant_ids=None) -> GovernedQuery` — checks and
  rewrites; `execute(settings, governed) -> pyarrow.Table`;
  `extract(settings, grant) -> pyarrow.RecordBatchReader`;
  `verify(settings, grant, records) -> list[bool]`.
- `run_query(settings, store, principal, sql, surface=...)` — plan + quota + execute + audit,
  what every surface calls.
- Snapshots: `materialise(settings, principal, grant) -> Built | None` builds the grant's
  masked, filtered table that `execute` then reads (`HUB_GATEWAY_SNAPSHOTS`);
  `wait_for_builds(timeout)` waits for background builds.
- Open data: `open_items(code)` -> (published, withheld) item decisions, `open_extract(settings,
  code)` -> the rows anyone may download; both raise `PolicyError("denied")` unless the open
  rules open the resource (the anonymous `PUBLIC` principal, `GrantMode.OPEN`);
  `open_extract_digest(settings, code)` names that read (SQL and mask keys) for caching.
- `PolicyError(code, message)` with `.status` and `.to_dict()`; codes in `ERROR_CODES`.
- `default_policy()` / `load_policy(dir)`: the rules in `policies/rules/*.toml`.
"""

from catalog.lazy import lazy_exports

# Imported on first use: the `hub` command loads this package for its sub-commands only.
__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "policies.builds": ("materialise", "wait_for_builds"),
    "policies.engine": ("GovernedQuery", "execute", "extract", "plan", "verify"),
    "policies.errors": ("ERROR_CODES", "PolicyError"),
    "policies.gateway": ("QueryResult", "run_query"),
    "policies.grants": ("Grant", "GrantMode", "GrantStatus"),
    "policies.masks": ("grant_key", "token"),
    "policies.opendata": (
        "OPEN_PURPOSE", "PUBLIC", "open_extract", "open_extract_digest", "open_items",
    ),
    "policies.policy": ("Decision", "Outcome", "Policy", "default_policy", "load_policy"),
    "policies.principal": ("ROLES", "Principal"),
    "policies.store": ("GrantStore",),
})
