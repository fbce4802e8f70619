"""The grant store: provisioning is checked against the catalog, revocation and expiry take
effect at once, quotas are counted atomically, every gateway query is audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from catalog import RESOURCES, Registry
from policies import GrantStatus, GrantStore, PolicyError, Principal, default_policy, run_query
from tests.policies.conftest import make_settings, provision


@pytest.fixture
def fresh(tmp_path, settings):
    """A private store on a copy of the settings (the lake is shared, the registry is not)."""
    registry = Registry(f"sqlite:///{tmp_path / 'registry.db'}")
    registry.sync_declarations(list(RESOURCES.values()))
    return GrantStore(registry)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"resource_code": "xx.nothing"}, "unknown resource"),
    ({"department": "zz"}, "unknown department 'zz': one of ga, gjj, hub, mz, rs, sj, wj, zr"),
    ({"department": "public"},
     "unknown department 'public': one of ga, gjj, hub, mz, rs, sj, wj, zr"),
    ({"items": ["no_such_item"]}, "items must be data items of the resource"),
    ({"items": []}, "items must be data items of the resource"),
    ({"purpose": " "}, "a grant needs a purpose"),
    ({"legal_basis": ""}, "a conditional resource needs a legal basis"),
    ({"row_filter": {"name": ["张三"]}}, "row filters name code items and their values"),
    ({"mode": "download"}, "mode must be one of ['extract', 'query', 'verify', 'aggregate']"),
    ({"valid_until": datetime(2020, 1, 1, tzinfo=UTC)},
     "valid_until must be after valid_from"),
    ({"call_quota": 0}, "call_quota must be positive"),
])
def test_invalid_grants_are_refused(fresh, kwargs, message) -> None:
    args = {"resource_code": "ga.population", "department": "hub", "items": ["gender"],
            "purpose": "统计", "legal_basis": "办法", "mode": "query",
            "valid_until": datetime.now(UTC) + timedelta(days=1)} | kwargs
    with pytest.raises(PolicyError) as caught:
        fresh.provision_grant(**args)
    assert caught.value.to_dict() == {"error": {"code": "invalid_grant", "message": message}}


def test_lifecycle(fresh) -> None:
    grant = provision(fresh, "ga.population", ["gender"], row_filter={"district_code": ["441302"]})
    assert grant.policy_version == default_policy().version
    assert grant.row_filter == {"district_code": ("441302",)}
    principal = Principal("u", "hub", frozenset({"analyst"}))
    assert [g.id for g in fresh.active_grants(principal)] == [grant.id]
    assert [g.id for g in fresh.active_grants("hub")] == [grant.id]
    assert fresh.active_grants("mz") == []
    revoked = fresh.revoke_grant(grant.id, "order cancelled")
    assert (revoked.status, revoked.revoke_reason) == (GrantStatus.REVOKED, "order cancelled")
    assert fresh.active_grants(principal) == []
    assert fresh.revoke_grant(grant.id, "again").revoke_reason == "order cancelled"


def test_subject_grants_cover_only_their_subject(fresh) -> None:
    provision(fresh, "ga.population", ["gender"], subject="alice")
    assert len(fresh.active_grants(Principal("alice", "hub", frozenset({"analyst"})))) == 1
    assert fresh.active_grants(Principal("bob", "hub", frozenset({"analyst"}))) == []


def test_expiry(fresh) -> None:
    now = datetime.now(UTC)
    grant = provision(fresh, "ga.population", ["gender"], valid_until=now + timedelta(hours=1))
    later = now + timedelta(hours=2)
    assert fresh.active_grants("hub", at=later) == []
    assert fresh.get_grant(grant.id).effective_status(later) is GrantStatus.EXPIRED
    assert fresh.expire_due(later) == 1
    assert fresh.get_grant(grant.id).status is GrantStatus.EXPIRED


def test_validity_in_another_time_zone_is_kept_as_the_same_instant(fresh) -> None:
    """A +08:00 `valid_from` used to be stored as its wall-clock time: usable 8 hours late."""
    beijing = timezone(timedelta(hours=8))
    start = datetime(2026, 3, 1, 9, 0, tzinfo=beijing)  # 01:00 UTC
    grant = provision(fresh, "ga.population", ["gender"], valid_from=start,
                      valid_until=start + timedelta(days=1))
    stored = fresh.get_grant(grant.id)
    assert (stored.valid_from, stored.valid_until) == (
        datetime(2026, 3, 1, 1, 0, tzinfo=UTC), datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    assert [g.id for g in fresh.active_grants("hub", at=start + timedelta(minutes=1))] == [
        grant.id]
    assert fresh.active_grants("hub", at=start - timedelta(minutes=1)) == []
    assert fresh.expire_due(datetime(2026, 3, 2, 8, 59, tzinfo=beijing)) == 0
    assert fresh.expire_due(datetime(2026, 3, 2, 9, 0, tzinfo=beijing)) == 1


def test_quota_and_audit(fresh, settings) -> None:
    provision(fresh, "ga.population", ["gender"], call_quota=2)
    principal = Principal("u", "hub", frozenset({"analyst"}))
    sql = "SELECT gender, count(*) AS n FROM ga_population GROUP BY gender ORDER BY gender"
    for _ in range(2):
        result = run_query(settings, fresh, principal, sql, surface="cli")
    assert result.table.to_pylist() == [{"gender": "女", "n": 300}, {"gender": "男", "n": 300}]
    with pytest.raises(PolicyError) as caught:
        run_query(settings, fresh, principal, sql, surface="cli")
    assert caught.value.code == "no_grant"  # a used-up grant is no longer active
    entries = fresh.audit_entries("u")
    assert [e.outcome for e in entries] == ["no_grant", "ok", "ok"]
    assert entries[1].original_sql == sql
    assert "hub.published.ga_population" in entries[1].rewritten_sql
    assert entries[1].policy_version == default_policy().version
    assert entries[1].rows == 2


def test_timeout_is_audited(fresh, settings) -> None:
    provision(fresh, "ga.population", ["gender"])
    principal = Principal("u", "hub", frozenset({"analyst"}))
    limited = make_settings(settings.home, gateway_timeout_seconds=0.3)
    sql = "SELECT count(*) FROM ga_population a, ga_population b, ga_population c, ga_population d"
    with pytest.raises(PolicyError):
        run_query(limited, fresh, principal, sql, surface="api")
    assert [(e.surface, e.outcome) for e in fresh.audit_entries("u")] == [("api", "timeout")]


def test_auditors_and_admins_hold_no_data(fresh, settings) -> None:
    provision(fresh, "ga.population", ["gender"])
    for role in ("auditor", "admin", "reviewer", "cdo"):
        with pytest.raises(PolicyError) as caught:
            run_query(settings, fresh, Principal("x", "hub", frozenset({role})),
                      "SELECT count(*) FROM ga_population", surface="cli")
        assert caught.value.code == "role_not_allowed"
