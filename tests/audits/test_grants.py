"""expired_grants: approved orders past their validity are expired with their grants revoked;
a grant without a live approved order is revoked as an orphan."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from catalog.findings import Severity
from exchange.audit_checks import expired_grants
from exchange.models import Order, OrderStatus
from policies import GrantStatus
from tests.audits.conftest import by_subject


def _hub(api):
    return api.http.app.state.hub


def test_an_expired_order_loses_its_grant_and_is_reported(api, audit_settings):
    order = api.order(valid_until=(date.today() + timedelta(days=10)).isoformat())
    assert order["status"] == "approved"
    today = expired_grants(audit_settings, datetime.now(UTC))
    assert f"order:{order['id']}" not in by_subject(today)

    later = expired_grants(audit_settings, datetime.now(UTC) + timedelta(days=12))
    finding = by_subject(later)[f"order:{order['id']}"]
    assert (finding.severity, finding.key) == (Severity.INFO, "expired")
    with _hub(api).store.session() as s:
        stored = s.get(Order, order["id"])
        assert stored.status is OrderStatus.EXPIRED
        grant = _hub(api).grants.get_grant(stored.grant_id)
    assert grant.status is GrantStatus.REVOKED
    assert finding.evidence["grant_id"] == grant.id


def _grant(api, order_id: str | None):
    now = datetime.now(UTC)
    return _hub(api).grants.provision_grant(
        resource_code="sj.enterprises", department="mz", items=["uscc"], purpose="社会救助核查",
        legal_basis="", mode="extract", valid_until=now + timedelta(days=30), order_id=order_id)


def test_a_grant_without_a_live_order_is_revoked_as_an_orphan(api, audit_settings):
    live = api.order()
    cancelled = api.order()
    api.http.post(f"/v1/orders/{cancelled['id']}/cancel", headers=api.as_("requester"),
                  json={"reason": "不再需要"})
    orphan = _grant(api, cancelled["id"])
    missing = _grant(api, "ord_0000000000000000")
    result = expired_grants(audit_settings, datetime.now(UTC) + timedelta(hours=1))
    found = by_subject(result, "orphan")
    assert set(found) == {f"grant:{orphan.id}", f"grant:{missing.id}"}
    assert {f.severity for f in found.values()} == {Severity.HIGH}
    assert "order " + cancelled["id"] + " is cancelled" in found[f"grant:{orphan.id}"].message
    assert "is missing" in found[f"grant:{missing.id}"].message
    store = _hub(api).grants
    assert store.get_grant(orphan.id).status is GrantStatus.REVOKED
    with _hub(api).store.session() as s:
        assert store.get_grant(s.get(Order, live["id"]).grant_id).status is GrantStatus.ACTIVE


def test_a_grant_being_approved_is_not_yet_an_orphan(api, audit_settings):
    young = _grant(api, "ord_1111111111111111")
    result = expired_grants(audit_settings, datetime.now(UTC))
    assert f"grant:{young.id}" not in by_subject(result)
    assert _hub(api).grants.get_grant(young.id).status is GrantStatus.ACTIVE
