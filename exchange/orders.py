"""Orders (数据共享申请) and their review, decided by the catalog's sharing attribute.

无条件共享: approved at once. 有条件共享: the hub's compliance check (chief data officer), then
the provider department's reviewers; each stage has a deadline in working days, and an
overdue stage escalates to the chief data officer. 不予共享: refused, except verification-only
orders, which are reviewed like conditional ones. Approval provisions a grant; expiry,
cancellation or revocation removes it at once.

Separation of duties: nobody decides an order they placed, and nobody decides an order of
their own department unless `review_own_departments` names it (a department that is its own
provider and has no one else to review); such a decision says so in the order's history.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import bindparam, func, select

from catalog import EntryStatus, Resource, SharingAttribute, entries, extracts, resource
from catalog.city import current_city
from catalog.i18n import _
from catalog.registry import utcnow
from exchange import grants
from exchange.access import Caller, authorize, may_review, visible_orders
from exchange.checks import CHECKS
from exchange.context import Hub
from exchange.errors import ApiError
from exchange.models import Order, OrderEvent, OrderStatus
from exchange.order_notices import notify as _notify
from exchange.roles import Action
from exchange.schemas import OrderCreate
from exchange.workdays import deadline, today
from policies.store import GrantRecord

__all__ = ["cancel", "events", "find", "list_orders", "place", "review", "revoke", "sweep",
           "usable"]

_MAX_DAYS = 366


def _event(s, order: Order, actor: str, action: str, before: OrderStatus | None,
           note: str = "") -> None:
    s.add(OrderEvent(order_id=order.id, actor=actor, action=action,
                     from_status=before.value if before else None, to_status=order.status.value,
                     note=note))


def _due(hub: Hub, days: int, now: datetime) -> datetime:
    """The review deadline, in UTC like every time the exchange stores (a +08:00 value would be
    kept as its wall-clock time where the database drops zones, and read back 8 hours off)."""
    calendar = current_city().profile.calendar
    return deadline(now, days, {*calendar.holidays, *hub.settings.review_holidays},
                    {*calendar.workdays, *hub.settings.review_workdays}).astimezone(UTC)


def _items(declared: Resource, body: OrderCreate) -> list[str]:
    if body.mode == "verify":
        if body.items:
            raise ApiError(422, "invalid_order", _("Verification orders name no data items: the "
                                                 "items each check reads are recorded for you."))
        checks = [c for c in CHECKS.values() if c.resource == declared.code]
        if not checks:
            raise ApiError(422, "invalid_order", _("{code} answers no verification.",
                                                   code=declared.code))
        return sorted({i for c in checks for i in c.items})
    if not body.items:
        raise ApiError(422, "invalid_order", _("Name the data items you need."))
    known = {i.name for i in declared.items}
    unknown = sorted(set(body.items) - known)
    if unknown:
        raise ApiError(422, "unknown_item", _("{code} has no data item {item}.",
                                               code=declared.code, item=unknown[0]))
    return sorted(set(body.items))


def _validate(body: OrderCreate, now: datetime) -> tuple[Resource, list[str]]:
    try:
        declared = resource(body.resource)
    except KeyError:
        raise ApiError(422, "unknown_resource", _("No such resource in the catalog.")) from None
    items = _items(declared, body)
    start = body.valid_from or today(now)
    if start < today(now) or body.valid_until < start:
        raise ApiError(422, "invalid_order", _("The validity period must start today or later "
                                             "and end on or after its start."))
    if (body.valid_until - start).days >= _MAX_DAYS:
        raise ApiError(422, "invalid_order", _("An order is valid for at most {days} days.",
                                               days=_MAX_DAYS))
    if body.row_scope.district_codes and "district_code" not in {i.name for i in declared.items}:
        raise ApiError(422, "invalid_order", _("{code} has no district to scope by.",
                                               code=declared.code))
    if body.subscribe and body.mode != "extract":
        raise ApiError(422, "invalid_order", _("Only extract orders can subscribe."))
    return declared, items


def place(hub: Hub, caller: Caller, body: OrderCreate) -> Order:
    """Record an order and route it by the resource's sharing attribute."""
    authorize(caller, Action.ORDER_PLACE)
    now = utcnow()
    declared, items = _validate(body, now)
    status = entries.entry_status(hub.store.registry, declared.code)
    if status is not EntryStatus.PUBLISHED:  # retired by the CDO: catalog.entries
        raise ApiError(409, f"resource_{status.value}", _(
            "{code} is {status} in the catalog: it cannot be ordered.", code=declared.code,
            status=status.value))
    order = Order(
        id="ord_" + secrets.token_hex(8), department=caller.department,
        requested_by=caller.client_id, resource_code=declared.code,
        provider=declared.provider.code, mode=body.mode, items=items, purpose=body.purpose,
        legal_basis=body.legal_basis,
        row_scope={"district_codes": sorted(set(body.row_scope.district_codes))},
        valid_from=body.valid_from or today(now), valid_until=body.valid_until,
        quota_calls=body.quota_calls, subscribe=body.subscribe,
        status=OrderStatus.COMPLIANCE_REVIEW, created_at=now, updated_at=now,
    )
    with hub.store.session() as s:
        s.add(order)
        _event(s, order, caller.client_id, "placed", None)
        if body.subscribe:
            extracts.subscribe(s, order.id, declared.code, order.department, body.delivery_format)
        if declared.sharing is SharingAttribute.UNCONDITIONAL:
            _approve(hub, s, order, "system", "无条件共享: approved without review", now)
        elif declared.sharing is SharingAttribute.NOT_SHARED and body.mode != "verify":
            order.status, order.reason = OrderStatus.REFUSED, "不予共享: only verification orders"
            _event(s, order, "system", "refused", OrderStatus.COMPLIANCE_REVIEW, order.reason)
        else:
            order.stage_due = _due(hub, hub.settings.review_days_compliance, now)
            _notify(s, order, "order.placed")
        if order.status is OrderStatus.REFUSED:
            _notify(s, order, "order.rejected")
    return order


def _approve(hub: Hub, s, order: Order, actor: str, note: str, now: datetime) -> None:
    before = order.status
    # The grant is inserted in this session: approval and grant commit together, or neither.
    order.grant_id, order.policy_version = grants.provision(hub.grants, s, order, actor)
    extracts.attach_grant(s, order.id, order.grant_id)
    order.status, order.decided_by, order.reason = OrderStatus.APPROVED, actor, note
    order.stage_due, order.updated_at = None, now
    _event(s, order, actor, "approved", before, note)
    _notify(s, order, "order.approved")


def _end(hub: Hub, s, order: Order, status: OrderStatus, actor: str, action: str,
         reason: str) -> None:
    before = order.status
    if order.grant_id:
        grants.revoke(hub.grants, order.grant_id, f"{action}: {reason}")
    order.status, order.reason, order.updated_at, order.stage_due = status, reason, utcnow(), None
    if action != "expired":
        order.decided_by = actor
    _event(s, order, actor, action, before, reason)


def _load(s, order_id: str) -> Order:
    order = s.get(Order, order_id) if len(order_id) <= 32 else None
    if order is None:
        raise ApiError(404, "not_found", _("No such order."))
    return order


def find(hub: Hub, caller: Caller, order_id: str, action: Action = Action.ORDER_READ) -> Order:
    """One order the caller may see (404 otherwise), after expiring or escalating it if due."""
    sweep(hub, order_id)
    with hub.store.session() as s:
        order = _load(s, order_id)
        authorize(caller, action, order)
        return order


def events(hub: Hub, order_id: str) -> list[OrderEvent]:
    with hub.store.session() as s:
        return list(s.scalars(select(OrderEvent).where(OrderEvent.order_id == order_id)
                              .order_by(OrderEvent.id)))


def review(hub: Hub, caller: Caller, order_id: str, approve: bool, reason: str) -> Order:
    """Decide the order's current review stage."""
    find(hub, caller, order_id, Action.ORDER_REVIEW)
    now = utcnow()
    with hub.store.session() as s:
        order = _load(s, order_id)
        if order.status.in_review:
            reason = reason + _separation(hub, caller, order)
        if order.status is OrderStatus.COMPLIANCE_REVIEW:
            if not may_review(caller, order, order.status):
                raise ApiError(403, "forbidden", _("The compliance check is the chief data "
                                                 "officer's."))
            if approve:
                order.status, order.escalated = OrderStatus.PROVIDER_REVIEW, False
                order.stage_due = _due(hub, hub.settings.review_days_provider, now)
                order.updated_at = now
                _event(s, order, caller.client_id, "compliance_passed",
                       OrderStatus.COMPLIANCE_REVIEW, reason)
                return order
        elif order.status is OrderStatus.PROVIDER_REVIEW:
            if not may_review(caller, order, order.status):
                raise ApiError(403, "forbidden", _("The provider's reviewers decide this order "
                                                 "until it is escalated."))
            if approve:
                _approve(hub, s, order, caller.client_id, reason, now)
                return order
        else:
            raise ApiError(409, "not_in_review", _("The order is {status}.",
                                                   status=order.status.value))
        _end(hub, s, order, OrderStatus.REJECTED, caller.client_id, "rejected", reason)
        _notify(s, order, "order.rejected")
        return order


def _separation(hub: Hub, caller: Caller, order: Order) -> str:
    """Refuse a review that would decide one's own order or (unless allowed) one's own
    department's; an allowed own-department decision returns the note its event carries."""
    if caller.client_id == order.requested_by:
        raise ApiError(403, "separation_of_duties", _("You placed this order: someone else "
                                                    "decides it."))
    if caller.department != order.department:
        return ""
    if order.department not in hub.settings.review_own_departments:
        raise ApiError(403, "separation_of_duties", _("This order is your own department's: "
                                                    "another department decides it."))
    return " [own department's order: decided under HUB_REVIEW_OWN_DEPARTMENTS]"


def cancel(hub: Hub, caller: Caller, order_id: str, reason: str) -> Order:
    find(hub, caller, order_id, Action.ORDER_CANCEL)
    with hub.store.session() as s:
        order = _load(s, order_id)
        if not (order.status.in_review or order.status is OrderStatus.APPROVED):
            raise ApiError(409, "not_cancellable", _("The order is {status}.",
                                                     status=order.status.value))
        _end(hub, s, order, OrderStatus.CANCELLED, caller.client_id, "cancelled", reason)
        return order


def revoke(hub: Hub, caller: Caller, order_id: str, reason: str) -> Order:
    find(hub, caller, order_id, Action.ORDER_REVOKE)
    with hub.store.session() as s:
        order = _load(s, order_id)
        if order.status is not OrderStatus.APPROVED:
            raise ApiError(409, "not_active", _("The order is {status}.",
                                                status=order.status.value))
        _end(hub, s, order, OrderStatus.REVOKED, caller.client_id, "revoked", reason)
        return order


def list_orders(hub: Hub, caller: Caller, status: str | None, escalated: bool | None,
                offset: int, limit: int) -> tuple[list[Order], int]:
    """One page of the orders the caller may see, newest first, and how many there are."""
    authorize(caller, Action.ORDER_READ)
    sweep(hub)
    query = select(Order).where(visible_orders(caller))
    if status:
        query = query.where(Order.status == OrderStatus(status))
    if escalated is not None:
        query = query.where(Order.escalated == escalated)
    with hub.store.session() as s:
        total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = list(s.scalars(query.order_by(Order.created_at.desc(), Order.id)
                              .offset(offset).limit(limit)))
    return rows, total


def sweep(hub: Hub, order_id: str | None = None, now: datetime | None = None) -> int:
    """Expire approved orders past their last day; escalate reviews past their deadline."""
    now = now or utcnow()
    changed = 0
    with hub.store.session() as s:
        query = select(Order).where(
            ((Order.status == OrderStatus.APPROVED) & (Order.valid_until < today(now)))
            | (Order.status.in_([OrderStatus.COMPLIANCE_REVIEW, OrderStatus.PROVIDER_REVIEW])
               & Order.escalated.is_(False)))
        if order_id is not None:
            query = query.where(Order.id == order_id)
        for order in s.scalars(query):
            if order.status is OrderStatus.APPROVED and order.valid_until < today(now):
                _end(hub, s, order, OrderStatus.EXPIRED, "system", "expired",
                     f"validity ended {order.valid_until.isoformat()}")
                changed += 1
            elif (order.status.in_review and not order.escalated and order.stage_due
                  and order.stage_due < now):
                order.escalated = True
                _event(s, order, "system", "escalated", order.status,
                       "review deadline passed: escalated to the chief data officer")
                _notify(s, order, "order.review_overdue", stage=order.status.value,
                        dedupe=f"order.review_overdue:{order.id}:{order.status.value}")
                changed += 1
    return changed


# Built once (the statement, not its result): every data use runs it.
_USABLE = (select(Order, GrantRecord.status, GrantRecord.valid_until)
           .outerjoin(GrantRecord, GrantRecord.id == Order.grant_id)
           .where(Order.id == bindparam("order_id")))


def usable(hub: Hub, caller: Caller, order_id: str, action: Action,
           now: datetime | None = None) -> Order:
    """The caller's approved order, within its validity and with its grant still active, for
    a data use; refuses otherwise. One query (order and grant): this is every call's path."""
    now = now or utcnow()
    with hub.store.session() as s:
        found = s.execute(_USABLE, {"order_id": order_id[:64]}).first()
    if found is None:
        raise ApiError(404, "not_found", _("No such order."))
    order, grant_status, grant_until = found
    authorize(caller, action, order)
    if order.status is OrderStatus.APPROVED and order.valid_until < today(now):
        sweep(hub, order_id, now)
        raise ApiError(403, "order_expired", _("The order is expired."))
    mode = {Action.DATA_EXTRACT: ("extract",), Action.DATA_VERIFY: ("verify",),
            Action.DATA_QUERY: ("query", "aggregate")}[action]
    if order.mode not in mode:
        raise ApiError(403, "wrong_mode", _("This order is for {mode}, not {wanted}.",
                                             mode=order.mode, wanted=mode[0]))
    if order.status is not OrderStatus.APPROVED:
        code = "order_expired" if order.status is OrderStatus.EXPIRED else "order_not_active"
        raise ApiError(403, code, _("The order is {status}.", status=order.status.value))
    if today(now) < order.valid_from:
        raise ApiError(403, "order_not_yet_valid",
                       _("The order is valid from {start}.", start=order.valid_from.isoformat()))
    if grant_status != "active" or grant_until <= now:
        raise ApiError(403, "grant_inactive", _("The order's grant is revoked or expired."))
    return order
