"""Notification subscriptions and their delivery log (administrators); `hub notify` does the
same offline. The rules (known events, one department or user, a usable target) are
`catalog.notify`'s."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from catalog import notify
from catalog.i18n import _
from exchange.access import authorize
from exchange.deps import AuditCtx, CurrentCaller, HubDep
from exchange.errors import ApiError
from exchange.models import ClientRecord
from exchange.paging import Page, PagingDep
from exchange.roles import Action
from exchange.schemas import Instant

router = APIRouter(prefix="/v1/notify", tags=["notifications"])
SubscriptionId = Annotated[str, Path(max_length=32)]


class EventOut(BaseModel):
    event: str = Field(description="The stable key a subscription names.")
    title: str = Field(description="What people are told (Chinese).")


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Literal["webhook", "email"]
    target: str = Field(max_length=2000, description="The webhook URL or the e-mail address.")
    events: list[str] = Field(min_length=1, max_length=20)
    department: str | None = Field(default=None, max_length=16,
                                   description="Every event concerning this department.")
    user: str | None = Field(default=None, max_length=64,
                             description="The events about this user's own orders.")


class SubscriptionOut(BaseModel):
    id: str
    channel: str
    target: str
    department: str | None
    user: str | None
    events: list[str]
    created_by: str
    created_at: Instant


class SubscriptionIssued(SubscriptionOut):
    secret: str | None = Field(description="The webhook's signing secret: shown once.")


class DeliveryLogOut(BaseModel):
    id: int
    event_id: str
    event: str
    subscription_id: str
    channel: str
    target: str
    status: str = Field(description="pending, delivered or failed.")
    attempts: int
    next_attempt_at: Instant
    last_status_code: int | None
    last_error: str
    created_at: Instant
    delivered_at: Instant | None


def _out(sub: notify.Subscription) -> dict:
    return {"id": sub.id, "channel": sub.channel, "target": sub.target,
            "department": sub.department, "user": sub.user, "events": sub.events,
            "created_by": sub.created_by, "created_at": sub.created_at}


@router.get("/events", response_model=Page[EventOut])
def list_events(caller: CurrentCaller, paging: PagingDep) -> dict:
    """The events a subscription may name."""
    authorize(caller, Action.NOTIFY_ADMIN)
    return paging.cut([{"event": k, "title": v.title} for k, v in notify.EVENTS.items()])


@router.get("/subscriptions", response_model=Page[SubscriptionOut])
def list_subscriptions(caller: CurrentCaller, hub: HubDep, paging: PagingDep) -> dict:
    """The active subscriptions, oldest first (never a webhook's secret)."""
    authorize(caller, Action.NOTIFY_ADMIN)
    rows, total = notify.subscriptions(hub.store.registry, paging.offset, paging.limit)
    return paging.page([_out(s) for s in rows], total)


def _add(hub, body: SubscriptionCreate, actor: str) -> dict:
    if body.user is not None:
        with hub.store.session() as s:
            if s.get(ClientRecord, body.user) is None:
                raise ApiError(422, "invalid_subscription", _("No such user."))
    sub = notify.add_subscription(hub.store.registry, body.channel, body.target, body.events,
                                  department=body.department, user=body.user,
                                  created_by=actor)
    secret = notify.webhook_secret(hub.settings, sub.id) if sub.channel == "webhook" else None
    return {**_out(sub), "secret": secret}


@router.post("/subscriptions", status_code=201, response_model=SubscriptionIssued)
async def add_subscription(body: SubscriptionCreate, caller: CurrentCaller, hub: HubDep,
                           record: AuditCtx) -> dict:
    """Subscribe a department or a user to events, by webhook or e-mail; a webhook's signing
    secret is in this response only."""
    authorize(caller, Action.NOTIFY_ADMIN)
    record.detail = {"channel": body.channel, "events": body.events,
                     "department": body.department, "user": body.user}
    return await run_in_threadpool(_add, hub, body, caller.client_id)


@router.delete("/subscriptions/{subscription_id}", status_code=204)
def remove_subscription(subscription_id: SubscriptionId, caller: CurrentCaller, hub: HubDep,
                        record: AuditCtx) -> None:
    """Stop a subscription; its pending deliveries are dropped."""
    authorize(caller, Action.NOTIFY_ADMIN)
    record.detail = {"target": subscription_id}
    notify.remove_subscription(hub.store.registry, subscription_id)


@router.get("/deliveries", response_model=Page[DeliveryLogOut])
def list_deliveries(caller: CurrentCaller, hub: HubDep, paging: PagingDep,
                    status: Annotated[Literal["pending", "delivered", "failed"] | None,
                                      Query()] = None) -> dict:
    """The delivery log, newest first: attempts, the last HTTP status and error."""
    authorize(caller, Action.NOTIFY_ADMIN)
    rows, total = notify.deliveries(hub.store.registry, status, paging.offset, paging.limit)
    return paging.page([{**{c: getattr(d, c) for c in DeliveryLogOut.model_fields
                            if c != "event"}, "event": event} for d, event in rows], total)
