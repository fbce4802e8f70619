"""Prepared extracts and extract subscriptions: the contract between the sharing API, which
queues and serves them, and the pipelines, which write them (neither imports the other).

- The API queues a `PreparedExtract` for an extract too large to stream, and records a
  `Subscription` for an extract order placed with `subscribe` (its grant id once approved).
- The pipelines' sensor queues one for each subscription whose resource has a newer
  publication than its last one, launches a Dagster run per queued row, and the run writes
  the file and its manifest under `<lake>/deliveries/` and completes the row.

Whether an order may still be served is the grant's (policies) to say: a revoked, expired or
cancelled order's grant stops deliveries and re-deliveries alike.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from catalog.tables import Base, Publication, utcnow

if TYPE_CHECKING:  # only annotated: the registry imports this module
    from catalog.registry import Registry

__all__ = ["PreparedExtract", "Subscription", "attach_grant", "complete", "fail",
           "get", "of_order", "queue", "queued", "subscribe", "subscriptions_due"]


class PreparedExtract(Base):
    """One extract written by a Dagster run: queued, then complete (with its manifest) or failed."""

    __tablename__ = "prepared_extracts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(32), index=True)
    grant_id: Mapped[str] = mapped_column(String(64))
    resource_code: Mapped[str] = mapped_column(String(64))
    department: Mapped[str] = mapped_column(String(16))
    format: Mapped[str] = mapped_column(String(16))
    trigger: Mapped[str] = mapped_column(String(16))  # request | subscription
    status: Mapped[str] = mapped_column(String(16), index=True)  # queued | complete | failed
    publication_version: Mapped[int | None] = mapped_column(Integer)
    path: Mapped[str | None] = mapped_column(Text)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    bytes: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str | None] = mapped_column(String(64))
    policy_version: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]


class Subscription(Base):
    """An extract order that is re-delivered whenever its resource is published anew."""

    __tablename__ = "extract_subscriptions"

    order_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    grant_id: Mapped[str | None] = mapped_column(String(64))  # set when the order is approved
    resource_code: Mapped[str] = mapped_column(String(64))
    department: Mapped[str] = mapped_column(String(16))
    format: Mapped[str] = mapped_column(String(16))


def subscribe(s: Session, order_id: str, resource_code: str, department: str, fmt: str) -> None:
    s.add(Subscription(order_id=order_id, resource_code=resource_code, department=department,
                       format=fmt))


def attach_grant(s: Session, order_id: str, grant_id: str) -> None:
    """The order was approved: its subscription (if any) is served under this grant."""
    subscription = s.get(Subscription, order_id)
    if subscription is not None:
        subscription.grant_id = grant_id


def queue(s: Session, *, order_id: str, grant_id: str, resource_code: str, department: str,
          fmt: str, trigger: str, publication_version: int | None = None) -> PreparedExtract:
    item = PreparedExtract(id="dlv_" + secrets.token_hex(8), order_id=order_id,
                           grant_id=grant_id, resource_code=resource_code,
                           department=department, format=fmt, trigger=trigger, status="queued",
                           publication_version=publication_version, started_at=utcnow())
    s.add(item)
    return item


def get(registry: Registry, delivery_id: str) -> PreparedExtract | None:
    with registry.session() as s:
        return s.get(PreparedExtract, delivery_id)


def of_order(registry: Registry, order_id: str) -> list[PreparedExtract]:
    with registry.session() as s:
        return list(s.scalars(select(PreparedExtract).where(PreparedExtract.order_id == order_id)
                              .order_by(PreparedExtract.started_at)))


def queued(registry: Registry) -> list[PreparedExtract]:
    with registry.session() as s:
        return list(s.scalars(select(PreparedExtract).where(PreparedExtract.status == "queued")
                              .order_by(PreparedExtract.started_at)))


def subscriptions_due(registry: Registry) -> list[tuple[Subscription, int]]:
    """Approved subscriptions whose resource's newest publication they have not had queued
    yet, with that publication's version (a first delivery counts: subscribing delivers)."""
    with registry.session() as s:
        newest = dict(s.execute(select(Publication.resource_code, func.max(Publication.version))
                                .group_by(Publication.resource_code)).all())
        had = dict(s.execute(select(PreparedExtract.order_id,
                                    func.max(PreparedExtract.publication_version))
                             .where(PreparedExtract.trigger == "subscription")
                             .group_by(PreparedExtract.order_id)).all())
        subscribed = list(s.scalars(select(Subscription)
                                    .where(Subscription.grant_id.is_not(None))))
    return [(sub, newest[sub.resource_code]) for sub in subscribed
            if sub.resource_code in newest
            and (had.get(sub.order_id) or 0) < newest[sub.resource_code]]


def complete(registry: Registry, delivery_id: str, *, path: str, rows: int, size: int,
             sha256: str, policy_version: str, publication_version: int | None) -> None:
    with registry.session() as s:
        item = s.get(PreparedExtract, delivery_id)
        item.status, item.path, item.rows, item.bytes = "complete", path, rows, size
        item.sha256, item.policy_version = sha256, policy_version
        item.publication_version = publication_version or item.publication_version
        item.completed_at = utcnow()


def fail(registry: Registry, delivery_id: str, error: str) -> None:
    with registry.session() as s:
        item = s.get(PreparedExtract, delivery_id)
        item.status, item.error, item.completed_at = "failed", error, utcnow()
