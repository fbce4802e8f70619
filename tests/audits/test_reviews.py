"""overdue_reviews: an order past its stage's deadline is escalated and reported, more severely
the longer it waits; orders within their deadline are not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from catalog.findings import Severity
from exchange.audit_checks import overdue_reviews
from exchange.models import Order, OrderEvent
from tests.audits.conftest import by_subject


def _conditional_order(api) -> str:
    order = api.order(resource="ga.vehicles", items=["plate_number", "status"])
    assert order["status"] == "compliance_review"
    return order["id"]


def _events(api, order_id: str) -> list[str]:
    with api.http.app.state.hub.store.session() as s:
        return list(s.scalars(select(OrderEvent.action).where(OrderEvent.order_id == order_id)
                              .order_by(OrderEvent.id)))


def test_an_order_within_its_deadline_is_not_reported(api, audit_settings):
    order_id = _conditional_order(api)
    result = overdue_reviews(audit_settings, datetime.now(UTC))
    assert f"order:{order_id}" not in by_subject(result)
    assert result.checked["orders_in_review"] >= 1
    assert "escalated" not in _events(api, order_id)


def test_an_overdue_order_is_escalated_high_then_critical(api, audit_settings):
    order_id = _conditional_order(api)
    week = datetime.now(UTC) + timedelta(days=7)  # past 2 working days, whatever the weekday
    finding = by_subject(overdue_reviews(audit_settings, week))[f"order:{order_id}"]
    assert (finding.severity, finding.key) == (Severity.HIGH, "compliance_review")
    assert finding.evidence["escalated"] and finding.evidence["escalated_now"]
    assert "escalated to the chief data officer" in finding.message
    assert _events(api, order_id) == ["placed", "escalated"]
    with api.http.app.state.hub.store.session() as s:
        assert s.get(Order, order_id).escalated is True

    month = datetime.now(UTC) + timedelta(days=30)
    later = by_subject(overdue_reviews(audit_settings, month))[f"order:{order_id}"]
    assert later.severity is Severity.CRITICAL
    assert later.evidence["escalated_now"] is False
    assert _events(api, order_id) == ["placed", "escalated"]  # escalated once
