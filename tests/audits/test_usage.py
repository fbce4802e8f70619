"""usage_anomalies: calls refused for quota, calls beyond quota, a burst far above an order's
normal daily rate, and data used outside the order's validity — each read from the audit log."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import update

from catalog.findings import Severity
from exchange.audit_checks import audit_chain
from exchange.audit_log import AuditRecord
from exchange.models import Order, OrderEvent
from exchange.usage_audit import RATE_MIN_CALLS, is_call, usage_anomalies
from exchange.workdays import today
from tests.audits.conftest import by_subject


def _extract(api, order_id: str) -> int:
    return api.http.get(f"/v1/orders/{order_id}/extract?format=csv",
                        headers=api.as_("requester")).status_code


def _set(api, order_id: str, **values) -> None:
    with api.http.app.state.hub.store.session() as s:
        s.execute(update(Order).where(Order.id == order_id).values(**values))


def _approved_on(api, order_id: str, day: date) -> None:
    """As if the order had been valid and approved since `day`."""
    _set(api, order_id, valid_from=day)
    with api.http.app.state.hub.store.session() as s:
        s.execute(update(OrderEvent).where(OrderEvent.order_id == order_id)
                  .values(at=datetime.combine(day, datetime.min.time(), UTC)))


def _now() -> datetime:
    return datetime.now(UTC) + timedelta(seconds=1)


def test_only_metered_uses_are_calls():
    assert is_call("/v1/verify/identity", {"check": "identity"})
    assert is_call("/v1/orders/ord_1/extract", {"phase": "start"})
    assert is_call("/v1/deliveries/dlv_1/file", {"phase": "download"})
    assert is_call("/v1/sql", {})
    assert not is_call("/v1/orders/{order_id}/extract", {"phase": "complete"})  # the manifest
    assert not is_call("/v1/orders/ord_1/extract", {"phase": "queued"})
    assert not is_call("/v1/orders/{order_id}", {})


def test_calls_refused_for_quota_are_a_warning(api, audit_settings):
    tight, roomy = api.order(quota_calls=1), api.order(quota_calls=5)
    assert [_extract(api, tight["id"]), _extract(api, tight["id"])] == [200, 429]
    assert _extract(api, roomy["id"]) == 200
    found = by_subject(usage_anomalies(audit_settings, _now()))
    assert (found[f"order:{tight['id']}"].severity, found[f"order:{tight['id']}"].key) == (
        Severity.WARNING, "quota_refused")
    assert found[f"order:{tight['id']}"].evidence == {"refused": 1, "quota": 1}
    assert f"order:{roomy['id']}" not in found


def test_more_allowed_calls_than_the_quota_are_critical(api, audit_settings):
    order = api.order(quota_calls=5)
    assert [_extract(api, order["id"]) for _ in range(3)] == [200, 200, 200]
    _set(api, order["id"], quota_calls=2)  # as if metering had let a call through
    finding = by_subject(usage_anomalies(audit_settings, _now()), "beyond_quota")[
        f"order:{order['id']}"]
    assert finding.severity is Severity.CRITICAL
    assert finding.evidence == {"logged_calls": 3, "metered": 3, "quota": 2}


def test_data_used_outside_the_validity_period_is_critical(api, audit_settings):
    order, fine = api.order(), api.order()
    assert _extract(api, order["id"]) == _extract(api, fine["id"]) == 200
    _set(api, order["id"], valid_from=today(_now()) + timedelta(days=1))  # used before it began
    found = by_subject(usage_anomalies(audit_settings, _now()), "outside_validity")
    finding = found[f"order:{order['id']}"]
    assert finding.severity is Severity.CRITICAL
    assert finding.evidence["count"] == 1 and "entry " in finding.message
    assert f"order:{fine['id']}" not in found


def _plant(api, monkeypatch, order_id: str, calls_per_day: dict[int, int]) -> None:
    """Append real, chained audit entries of verification calls, `days` before now."""
    hub, now = api.http.app.state.hub, datetime.now(UTC)
    for days, calls in sorted(calls_per_day.items(), reverse=True):
        at = now - timedelta(days=days, hours=1)
        monkeypatch.setattr("exchange.audit_log.utcnow", lambda at=at: at)
        for _ in range(calls):
            hub.audit.append(AuditRecord(
                method="POST", route="/v1/verify/identity", client_id="mz-system",
                department="mz", roles=["requester"], order_id=order_id,
                resource_code="ga.population", decision="allow", status=200,
                detail={"check": "identity"}))
    monkeypatch.undo()


def test_a_burst_far_above_the_normal_rate_is_high(api, audit_settings, monkeypatch):
    burst, steady = api.order(quota_calls=10_000), api.order(quota_calls=10_000)
    month_ago = date.today() - timedelta(days=30)
    for order in (burst, steady):
        _approved_on(api, order["id"], month_ago)
    _plant(api, monkeypatch, burst["id"], {2: 1, 5: 1, 9: 1, 0: RATE_MIN_CALLS})
    _plant(api, monkeypatch, steady["id"], {k: 12 for k in range(1, 15)} | {0: 55})
    found = by_subject(usage_anomalies(audit_settings, _now()), "rate")
    finding = found[f"order:{burst['id']}"]
    assert finding.severity is Severity.HIGH
    assert (finding.evidence["calls_last_day"], finding.evidence["median"]) == (RATE_MIN_CALLS, 0)
    assert f"order:{steady['id']}" not in found  # 55 is under 5 × its median of 12
    assert audit_chain(audit_settings, _now()).findings == []  # planted through the log's API
