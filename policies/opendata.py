"""Open data (政务数据开放): what anyone may read of an open resource, through the one engine.

The public is the anonymous `public` principal reading in the `open` mode under a grant that is
built here and never stored: the policy's `open-data*` rules decide which resources are open
and which of their items appear (default deny: personal, important and core items are absent),
and the rows come through the same masked select as every extract.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pyarrow as pa

from catalog import HubSettings, Role, resource
from catalog.i18n import _
from policies.binding import Binding, bind_grant
from policies.engine import binding_query, stream_binding
from policies.errors import PolicyError
from policies.grants import Grant, GrantMode
from policies.masks import grant_key, key_fingerprint
from policies.policy import Decision, Outcome, Policy, default_policy
from policies.principal import Principal

__all__ = ["OPEN_LEGAL_BASIS", "OPEN_PURPOSE", "PUBLIC", "open_binding", "open_extract",
           "open_extract_digest", "open_grant", "open_items"]

OPEN_PURPOSE = "政务数据开放"
OPEN_LEGAL_BASIS = "《广东省公共数据管理办法》公共数据开放"
PUBLIC = Principal(subject="public", department="public", roles=frozenset({Role.PUBLIC.value}))
_ALWAYS = (datetime(2000, 1, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC))


def open_grant(code: str, policy: Policy | None = None) -> Grant:
    """The public's standing grant on one resource: every item asked for, the policy decides."""
    try:
        declared = resource(code)
    except KeyError:
        raise PolicyError("denied", _("no such open resource")) from None
    return Grant(id=f"open:{code}", resource_code=code, department=PUBLIC.department,
                 items=tuple(i.name for i in declared.items), purpose=OPEN_PURPOSE,
                 legal_basis=OPEN_LEGAL_BASIS, mode=GrantMode.OPEN, valid_from=_ALWAYS[0],
                 valid_until=_ALWAYS[1],
                 policy_version=(policy or default_policy()).version)


def open_binding(code: str, policy: Policy | None = None) -> Binding:
    """The open read of one resource; `PolicyError("denied")` if the policy does not open it."""
    policy = policy or default_policy()
    grant = open_grant(code, policy)
    return bind_grant(PUBLIC, grant, resource(code), policy)


def open_items(code: str, policy: Policy | None = None) -> tuple[tuple[Decision, ...],
                                                                 tuple[Decision, ...]]:
    """(published, withheld) item decisions of an open resource, each naming its rule."""
    decisions = open_binding(code, policy).decisions
    return (tuple(d for d in decisions if d.outcome is not Outcome.ABSENT),
            tuple(d for d in decisions if d.outcome is Outcome.ABSENT))


def _published_columns(binding: Binding) -> list[str]:
    """The open read's columns: each published item under its name, as the dataset's page lists
    them; never the lake's lineage (`_batch_id`, `_file`, …) nor originals (`*_orig`)."""
    return [d.item for d in binding.decisions if d.outcome is not Outcome.ABSENT]


def open_extract(settings: HubSettings, code: str, *,
                 policy: Policy | None = None) -> pa.RecordBatchReader:
    """Every published row of an open resource as the open policy lets anyone see it: the
    published items only."""
    binding = open_binding(code, policy)
    return stream_binding(settings, binding, _published_columns(binding))


def open_extract_digest(settings: HubSettings, code: str, *, policy: Policy | None = None) -> str:
    """SHA-256 of the open read's SQL and mask keys: over one published version, reads with the
    same digest give the same rows (a download encoded once serves them all)."""
    binding = open_binding(code, policy)
    sql, keys = binding_query(binding, _published_columns(binding))
    digest = hashlib.sha256(sql.encode())
    secret = settings.secret_key.get_secret_value()
    for name in sorted(keys):
        fingerprint = key_fingerprint(grant_key(secret, keys[name]))
        digest.update(b"\0" + name.encode() + b"\0" + fingerprint.encode())
    return digest.hexdigest()
