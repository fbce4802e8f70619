"""Notifications about orders (`catalog.notify`): who is told of what, and the reminders.

`notify` is called by `exchange.orders` in the session of the change itself: the reviewers
(the hub's chief data officer and the provider department) of a new or late order, the ordering
department and person of a decision. The reminders run with the scheduled audits
(`exchange.audit_checks`): a review whose deadline is near (`order.review_due`), an approved
order whose validity ends soon (`grant.expiring`); each is raised once per order and stage or
last day, however often they run.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from catalog.notify import HUB_DEPARTMENT, emit
from exchange.models import Order, OrderStatus
from exchange.workdays import BEIJING, today

if TYPE_CHECKING:  # the audits import this module: loading them stays cheap
    from exchange.context import Hub

__all__ = ["notify", "remind_expiring", "remind_reviews"]


def _local(moment: datetime | None) -> str | None:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if moment else None


def notify(s, order: Order, event: str, dedupe: str | None = None,
           **extra: str) -> str | None:
    """Record `event` about `order` in the session `s` (module doc); the event id, or None
    when `dedupe` was raised before."""
    if event in ("order.approved", "order.rejected", "grant.expiring"):
        departments, users = [order.department], [order.requested_by]
    elif order.status is OrderStatus.COMPLIANCE_REVIEW and event != "order.placed":
        departments, users = [HUB_DEPARTMENT], []  # the compliance check is the hub's
    else:
        departments, users = [HUB_DEPARTMENT, order.provider], []
    data = {"order_id": order.id, "department": order.department,
            "resource": order.resource_code, "provider": order.provider, "mode": order.mode,
            "purpose": order.purpose, "status": order.status.value,
            "due": _local(order.stage_due), "valid_until": order.valid_until.isoformat(),
            "decided_by": order.decided_by, "reason": order.reason, **extra}
    return emit(s, event, subject=f"order:{order.id}", data=data, departments=departments,
                users=users, dedupe=dedupe)


def remind_reviews(hub: Hub, now: datetime) -> int:
    """`order.review_due` (how many raised now) for each review stage whose deadline falls within
    `notify_due_hours` and has not passed (past ones escalate: `orders.sweep`)."""
    soon = now + timedelta(hours=hub.settings.notify_due_hours)
    count = 0
    with hub.store.session() as s:
        for order in s.scalars(select(Order).where(
                Order.status.in_([OrderStatus.COMPLIANCE_REVIEW, OrderStatus.PROVIDER_REVIEW]),
                Order.stage_due.is_not(None))):
            if now <= order.stage_due <= soon:
                stage = order.status.value
                raised = notify(s, order, "order.review_due", stage=stage,
                                dedupe=f"order.review_due:{order.id}:{stage}")
                count += raised is not None
    return count


def remind_expiring(hub: Hub, now: datetime) -> int:
    """`grant.expiring` (how many raised now) for each approved order whose last valid day is within
    `notify_expiring_days`."""
    last = today(now) + timedelta(days=hub.settings.notify_expiring_days)
    count = 0
    with hub.store.session() as s:
        for order in s.scalars(select(Order).where(Order.status == OrderStatus.APPROVED,
                                                   Order.valid_until >= today(now),
                                                   Order.valid_until <= last)):
            raised = notify(s, order, "grant.expiring", grant_id=order.grant_id or "",
                            dedupe=f"grant.expiring:{order.id}:{order.valid_until.isoformat()}")
            count += raised is not None
    return count
