"""Metering: each use of an order consumes one call, exactly, however many callers race.

One conditional UPDATE in the caller's transaction: the database decides which of N
concurrent calls gets the last unit, and the losers change nothing.
"""

from __future__ import annotations

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from exchange.errors import ApiError
from exchange.models import Order, OrderStatus

__all__ = ["consume"]


_CONSUME = (update(Order)
            .where(Order.id == bindparam("order_id"), Order.status == OrderStatus.APPROVED,
                   Order.calls_used < Order.quota_calls)
            .values(calls_used=Order.calls_used + 1)
            .returning(Order.quota_calls - Order.calls_used)
            .execution_options(synchronize_session=False))  # built once: every use runs it


def consume(session: Session, order_id: str) -> int:
    """Use one call of an approved order; returns the calls left, or refuses with 429."""
    left = session.execute(_CONSUME, {"order_id": order_id}).scalar_one_or_none()
    if left is None:
        raise ApiError(429, "quota_exhausted", "The order's call quota is used up.")
    return left
