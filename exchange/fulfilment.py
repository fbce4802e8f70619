"""Bulk extracts of an order: masked and filtered by the policy engine, streamed, manifested.

The call is metered and audited before the first byte leaves; when the stream ends the
delivery's manifest (rows, bytes, SHA-256, policy version) is stored and audited too.

Resources with more published rows than `extract_stream_max_rows` are not streamed: the
extract is queued (`catalog.extracts`) for a Dagster run (`pipelines.extracts`) that writes
the file and its manifest; downloading the file is then the metered, audited use.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from catalog import extracts, resource
from catalog.extracts import PreparedExtract
from catalog.formats import Encoded, encode_then
from catalog.i18n import _
from catalog.registry import utcnow
from exchange import grants, orders
from exchange.access import Caller
from exchange.audit_log import AuditRecord
from exchange.context import Hub
from exchange.errors import ApiError
from exchange.metering import consume
from exchange.models import Delivery, Order
from exchange.roles import Action
from policies import extract

__all__ = ["Download", "Stream", "deliveries", "delivery", "download", "start_extract"]


@dataclass
class Stream:
    delivery: Delivery
    order: Order
    chunks: Iterator[bytes]


@dataclass
class Download:
    item: PreparedExtract
    path: Path


def _too_large(hub: Hub, code: str) -> bool:
    """Whether the resource's current version is too large to stream (prepared by a run)."""
    if not resource(code).is_delivered:
        return False
    current = hub.store.registry.current_publication(code)
    return current is not None and current.rows > hub.settings.extract_stream_max_rows


def _queue(hub: Hub, order: Order, grant_id: str, fmt: str,
           record: AuditRecord) -> PreparedExtract:
    if order.calls_used >= order.quota_calls:
        raise ApiError(429, "quota_exhausted", _("The order's call quota is used up."))
    record.decision, record.status = "allow", 202
    with hub.store.session() as s:
        item = extracts.queue(s, order_id=order.id, grant_id=grant_id,
                              resource_code=order.resource_code, department=order.department,
                              fmt=fmt, trigger="request")
    record.detail = {"delivery": item.id, "format": fmt, "phase": "queued"}
    return item


def start_extract(hub: Hub, caller: Caller, order_id: str, fmt: str,
                  record: AuditRecord) -> Stream | PreparedExtract:
    """Check, meter and audit an extract of the order; the bytes follow as they are encoded.
    A resource too large to stream is queued instead (not metered until downloaded)."""
    record.order_id = order_id
    order = orders.usable(hub, caller, order_id, Action.DATA_EXTRACT)
    record.purpose, record.resource_code = order.purpose, order.resource_code
    record.items = list(order.items)
    grant = grants.ensure_usable(hub.grants, order.grant_id)
    if _too_large(hub, order.resource_code):
        return _queue(hub, order, grant.id, fmt, record)
    reader = extract(hub.settings, grant, principal=grants.principal(caller))
    item = Delivery(id="dlv_" + secrets.token_hex(8), order_id=order.id,
                    department=order.department, resource_code=order.resource_code, format=fmt,
                    status="streaming", policy_version=grant.policy_version)
    record.decision, record.status = "allow", 200
    record.detail = {"delivery": item.id, "format": fmt, "phase": "start",
                     "policy_version": grant.policy_version}

    def begin(s) -> None:
        consume(s, order.id, record)
        s.add(item)

    hub.audit.append(record, before=begin)
    return Stream(item, order, _stream(hub, caller, item, order, reader, fmt))


def _stream(hub: Hub, caller: Caller, item: Delivery, order: Order, reader,
            fmt: str) -> Iterator[bytes]:
    def finish(totals: Encoded, complete: bool) -> None:
        status = "complete" if complete else "aborted"
        with hub.store.session() as s:
            row = s.get(Delivery, item.id)
            row.status, row.rows, row.bytes = status, totals.rows, totals.bytes
            row.sha256 = totals.sha256 if complete else None
            row.completed_at = utcnow()
        hub.audit.append(AuditRecord(
            method="GET", route="/v1/orders/{order_id}/extract", client_id=caller.client_id,
            department=caller.department, roles=list(caller.roles), order_id=order.id,
            purpose=order.purpose, resource_code=order.resource_code, items=list(order.items),
            decision="allow", status=200, rows=totals.rows,
            result_sha256=totals.sha256 if complete else None,
            detail={"delivery": item.id, "format": fmt, "phase": status,
                    "bytes": totals.bytes, "policy_version": item.policy_version}))

    return encode_then(reader, fmt, finish)


def delivery(hub: Hub, caller: Caller, delivery_id: str) -> Delivery | PreparedExtract:
    """One delivery's manifest (streamed or prepared), if the caller may see its order."""
    item = None
    if len(delivery_id) <= 32:
        with hub.store.session() as s:
            item = s.get(Delivery, delivery_id)
        item = item or extracts.get(hub.store.registry, delivery_id)
    if item is None:
        raise ApiError(404, "not_found", _("No such delivery."))
    orders.find(hub, caller, item.order_id)
    return item


def deliveries(hub: Hub, caller: Caller, order_id: str) -> list[Delivery | PreparedExtract]:
    order = orders.find(hub, caller, order_id)
    with hub.store.session() as s:
        streamed = list(s.scalars(select(Delivery).where(Delivery.order_id == order.id)))
    prepared = extracts.of_order(hub.store.registry, order.id)
    return sorted([*streamed, *prepared], key=lambda d: d.started_at)


def download(hub: Hub, caller: Caller, delivery_id: str, record: AuditRecord) -> Download:
    """A prepared extract's file: the order must still be usable; metered and audited (rows,
    SHA-256 of the file) before it is sent."""
    item = extracts.get(hub.store.registry, delivery_id) if len(delivery_id) <= 32 else None
    if item is None:
        raise ApiError(404, "not_found", _("No such delivery."))
    record.order_id = item.order_id
    order = orders.usable(hub, caller, item.order_id, Action.DATA_EXTRACT)
    if item.status != "complete":
        raise ApiError(409, "not_ready", _("The delivery is {status}.", status=item.status))
    record.purpose, record.resource_code = order.purpose, order.resource_code
    record.items, record.rows, record.result_sha256 = list(order.items), item.rows, item.sha256
    record.decision, record.status = "allow", 200
    record.detail = {"delivery": item.id, "format": item.format, "phase": "download",
                     "bytes": item.bytes, "policy_version": item.policy_version}
    hub.audit.append(record, before=lambda s: consume(s, order.id, record))
    return Download(item, hub.settings.lake / item.path)
