"""Orders: place, list, read, review, cancel, revoke."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from exchange import orders
from exchange.deps import AuditCtx, CurrentCaller, HubDep
from exchange.models import Order, OrderStatus
from exchange.paging import Page, PagingDep
from exchange.schemas import OrderCreate, OrderEventOut, OrderOut, ReasonBody, ReviewBody

router = APIRouter(prefix="/v1/orders", tags=["orders"])
OrderId = Annotated[str, Path(max_length=64)]


def _out(order: Order, events: list | None = None) -> OrderOut:
    return OrderOut(
        id=order.id, department=order.department, requested_by=order.requested_by,
        resource=order.resource_code, provider=order.provider, mode=order.mode,
        items=order.items, purpose=order.purpose, legal_basis=order.legal_basis,
        row_scope=order.row_scope, valid_from=order.valid_from, valid_until=order.valid_until,
        quota_calls=order.quota_calls, calls_used=order.calls_used, subscribe=order.subscribe,
        status=order.status.value, stage_due=order.stage_due, escalated=order.escalated,
        decided_by=order.decided_by, reason=order.reason, grant_id=order.grant_id,
        policy_version=order.policy_version, created_at=order.created_at,
        events=[OrderEventOut(at=e.at, actor=e.actor, action=e.action,
                              from_status=e.from_status, to_status=e.to_status, note=e.note)
                for e in events or []],
    )


def _note(record, order: Order) -> None:
    record.order_id, record.purpose = order.id, order.purpose
    record.resource_code, record.items = order.resource_code, list(order.items)


@router.post("", status_code=201, response_model=OrderOut)
def place_order(body: OrderCreate, caller: CurrentCaller, hub: HubDep,
                record: AuditCtx) -> OrderOut:
    """Order one resource: items, purpose, legal basis, mode, row scope, validity, quota."""
    record.resource_code, record.purpose = body.resource, body.purpose
    order = orders.place(hub, caller, body)
    _note(record, order)
    record.detail = {"status": order.status.value}
    return _out(order, orders.events(hub, order.id))


@router.get("", response_model=Page[OrderOut])
def list_orders(caller: CurrentCaller, hub: HubDep, paging: PagingDep,
                status: OrderStatus | None = None, escalated: bool | None = None) -> dict:
    """Orders you may see: your department's, and (reviewers) those for your resources."""
    found, total = orders.list_orders(hub, caller, status.value if status else None,
                                      escalated, paging.offset, paging.limit)
    return paging.page([_out(o) for o in found], total)


@router.get("/{order_id}", response_model=OrderOut)
def get_order(order_id: OrderId, caller: CurrentCaller, hub: HubDep,
              record: AuditCtx) -> OrderOut:
    """One order with its history (placed, reviewed, escalated, approved, …)."""
    order = orders.find(hub, caller, order_id)
    _note(record, order)
    return _out(order, orders.events(hub, order.id))


@router.post("/{order_id}/review", response_model=OrderOut)
def review_order(order_id: OrderId, body: ReviewBody, caller: CurrentCaller, hub: HubDep,
                 record: AuditCtx) -> OrderOut:
    """Decide the current stage: compliance (chief data officer) or provider (its reviewers)."""
    record.order_id = order_id
    order = orders.review(hub, caller, order_id, body.decision == "approve", body.reason)
    _note(record, order)
    record.detail = {"decision": body.decision, "status": order.status.value}
    return _out(order, orders.events(hub, order.id))


@router.post("/{order_id}/cancel", response_model=OrderOut)
def cancel_order(order_id: OrderId, body: ReasonBody, caller: CurrentCaller, hub: HubDep,
                 record: AuditCtx) -> OrderOut:
    """Withdraw your department's order; an approved order's grant is removed at once."""
    record.order_id = order_id
    order = orders.cancel(hub, caller, order_id, body.reason)
    _note(record, order)
    return _out(order, orders.events(hub, order.id))


@router.post("/{order_id}/revoke", response_model=OrderOut)
def revoke_order(order_id: OrderId, body: ReasonBody, caller: CurrentCaller, hub: HubDep,
                 record: AuditCtx) -> OrderOut:
    """Revoke an approved order (provider's reviewers, chief data officer); effective at once."""
    record.order_id = order_id
    order = orders.revoke(hub, caller, order_id, body.reason)
    _note(record, order)
    return _out(order, orders.events(hub, order.id))
