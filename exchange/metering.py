"""Metering: each use of an order consumes one call, exactly, however many callers race.

One conditional UPDATE in the caller's transaction: the database decides which of N
concurrent calls gets the last unit, and the losers change nothing. A call is consumed in the
transaction that audits it, as the last step before the answer leaves; should the answer still
fail (a 5xx), the middleware gives the call back (`refund`): a server error is never charged.
"""

from __future__ import annotations

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from catalog.i18n import _
from exchange.audit_log import AuditRecord
from exchange.errors import ApiError
from exchange.models import Order, OrderStatus

__all__ = ["consume", "refund"]


_CONSUME = (update(Order)
            .where(Order.id == bindparam("order_id"), Order.status == OrderStatus.APPROVED,
                   Order.calls_used < Order.quota_calls)
            .values(calls_used=Order.calls_used + 1)
            .returning(Order.quota_calls - Order.calls_used)
            .execution_options(synchronize_session=False))  # built once: every use runs it


_REFUND = (update(Order)
           .where(Order.id == bindparam("order_id"), Order.calls_used > 0)
           .values(calls_used=Order.calls_used - 1)
           .execution_options(synchronize_session=False))


def consume(session: Session, order_id: str, record: AuditRecord | None = None) -> int:
    """Use one call of an approved order; returns the calls left, or refuses with 429. The
    request's audit record, if given, remembers the charge (so a 5xx can give it back)."""
    left = session.execute(_CONSUME, {"order_id": order_id}).scalar_one_or_none()
    if left is None:
        raise ApiError(429, "quota_exhausted", _("The order's call quota is used up."))
    if record is not None and order_id not in record.charged:
        record.charged.append(order_id)
    return left


def refund(session: Session, order_ids: list[str]) -> None:
    """Give back one call of each order: the request that used it failed on the server."""
    for order_id in order_ids:
        session.execute(_REFUND, {"order_id": order_id})
