"""Notifications when something needs people: the events, who subscribes to them, the outbox.

Every place where something happens that a person must act on or know (an order placed,
decided, due or overdue for review; a grant about to expire; a batch rejected or largely
quarantined; a critical audit finding) calls `emit` with the session of the action itself. The
event and one delivery row per matching subscription are written in that same transaction
(an outbox): the action commits with its notifications or neither, and nothing is sent while
the action runs, so a slow or failing receiver never delays or fails it. Sending is
`catalog.notify_delivery`'s job (the API server after each change, `hub notify deliver`, the
Dagster sensor).

Event keys are stable English (`order.placed`); the title and text people read are written in
the hub's configured language (`HUB_LANGUAGE`, Chinese by default) when the event is recorded,
whoever caused it: they are read by the subscribers, not by the person acting.
Subscriptions, set by administrators, name a department (every event concerning it) or a user
(a client id: the events about their own orders), the event keys and where to send: a webhook
URL (signed with a secret derived from the hub's master secret, shown when it is added) or an
e-mail address. The catalog holds all this because every layer emits: the exchange, the
pipelines and the audits.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from catalog.errors import CodedError
from catalog.i18n import Lazy, _, lazy, use
from catalog.tables import Base, utcnow

if TYPE_CHECKING:  # only annotated: the registry imports this module
    from catalog.registry import Registry
    from catalog.settings import HubSettings

__all__ = [
    "CHANNELS",
    "EVENTS",
    "HUB_DEPARTMENT",
    "NotifyAttempt",
    "NotifyDelivery",
    "NotifyError",
    "NotifyEvent",
    "Subscription",
    "add_subscription",
    "deliveries",
    "emit",
    "remove_subscription",
    "subscriptions",
    "webhook_secret",
]

log = logging.getLogger("hub.notify")

HUB_DEPARTMENT = "hub"  # the chief data officer's department: compliance, audits, escalations
CHANNELS = ("webhook", "email")


@dataclass(frozen=True)
class EventType:
    """What people are told: a title and a text, in the language of the moment they are read
    (`lazy`), the text filled from the event's data."""

    said_title: Lazy
    said_text: Lazy

    @property
    def title(self) -> str:
        return str(self.said_title)

    @property
    def text(self) -> str:
        return str(self.said_text)


EVENTS: dict[str, EventType] = {
    "order.placed": EventType(
        lazy("New data sharing order to review"),
        lazy("{department_name} ordered the resource “{resource_name}” ({resource}, {mode}) "
             "for this purpose: {purpose}. Order {order_id}; please review it by {due}.")),
    "order.approved": EventType(
        lazy("Data sharing order approved"),
        lazy("Your order {order_id} for the resource “{resource_name}” ({resource}) was "
             "approved by {decided_by}, valid until {valid_until}.")),
    "order.rejected": EventType(
        lazy("Data sharing order rejected"),
        lazy("Your order {order_id} for the resource “{resource_name}” ({resource}) was "
             "rejected ({decided_by}): {reason}")),
    "order.review_due": EventType(
        lazy("Data sharing order review due soon"),
        lazy("{department_name}'s order {order_id} for the resource “{resource_name}” "
             "({resource}) is at the {stage} stage, due by {due}: please act on it.")),
    "order.review_overdue": EventType(
        lazy("Data sharing order review overdue"),
        lazy("{department_name}'s order {order_id} for the resource “{resource_name}” "
             "({resource}) is past its {stage} deadline {due} and was escalated to the chief "
             "data officer.")),
    "grant.expiring": EventType(
        lazy("Data sharing grant expiring"),
        lazy("The grant of order {order_id} (the resource “{resource_name}”, {resource}) "
             "expires on {valid_until}; place a new order to keep using it.")),
    "batch.rejected": EventType(
        lazy("Data batch rejected"),
        lazy("Batch {batch_id} of the resource “{resource_name}” ({resource}) was rejected: "
             "{reason}")),
    "batch.quarantined": EventType(
        lazy("Data batch quarantined above the threshold"),
        lazy("Batch {batch_id} of the resource “{resource_name}” ({resource}) has {rows_in} "
             "rows, of which {rows_quarantined} ({ratio}) were quarantined, above the threshold "
             "{threshold}. Please check them and deliver again.")),
    "audit.critical_finding": EventType(
        lazy("Critical audit finding"),
        lazy("The audit “{audit}” found a critical problem ({subject}): {message}")),
}

_STAGES = {"compliance_review": lazy("compliance review"),
           "provider_review": lazy("provider review")}
_MODES = {"extract": lazy("bulk download"), "query": lazy("SQL query"),
          "aggregate": lazy("aggregate query"), "verify": lazy("verification")}
_DEPARTMENT = re.compile(r"^[a-z][a-z0-9_]{0,15}$")
_USER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_EMAIL = re.compile(r"^[^@\s<>,;]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z0-9-]{2,63}$")


class NotifyError(CodedError):
    """A subscription that cannot be added or found: `code` is stable (one of `CODES`)."""

    CODES = {"unknown_event": 422, "invalid_target": 422, "invalid_subscription": 422,
             "not_found": 404}
    SENTENCES = True


class Subscription(Base):
    """Where one department's or one user's notifications of some events go."""

    __tablename__ = "notify_subscriptions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(8))  # webhook | email
    target: Mapped[str] = mapped_column(Text, doc="The webhook URL or the e-mail address.")
    department: Mapped[str | None] = mapped_column(String(16), index=True)
    user: Mapped[str | None] = mapped_column(String(64), index=True)
    events: Mapped[list] = mapped_column(JSON, doc="Event keys (`EVENTS`).")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotifyEvent(Base):
    """The outbox: one event, written in the transaction of the action that caused it."""

    __tablename__ = "notify_events"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # evt_<hex>: the event id
    event: Mapped[str] = mapped_column(String(48), index=True)
    dedupe: Mapped[str | None] = mapped_column(String(200), index=True,
                                               doc="Raised once per key (scheduled reminders).")
    subject: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON)
    departments: Mapped[list] = mapped_column(JSON)
    users: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def payload(self) -> dict:
        """The JSON a webhook receives (and an e-mail carries as its text)."""
        return {"id": self.id, "event": self.event, "created_at": self.created_at.isoformat(),
                "subject": self.subject, "title": self.title, "text": self.text,
                "departments": self.departments, "data": self.data}


class NotifyDelivery(Base):
    """The delivery log: one event to one subscription, its attempts and how the last went."""

    __tablename__ = "notify_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("notify_events.id"), index=True)
    subscription_id: Mapped[str] = mapped_column(String(32), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    target: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), index=True)  # pending|delivered|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]


class NotifyAttempt(Base):
    """One try at one delivery: when, the HTTP status (webhooks) and the error, if any."""

    __tablename__ = "notify_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("notify_deliveries.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text, default="")


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "—"


def _render(event: str, data: dict) -> tuple[str, str]:
    """The event's title and text in the hub's configured language (module doc)."""
    kind = EVENTS[event]
    with use(None):
        values = _Blank({k: ("—" if v in (None, "") else v) for k, v in data.items()})
        if "stage" in data:
            values["stage"] = str(_STAGES.get(str(data["stage"]), data["stage"]))
        if "mode" in data:
            values["mode"] = str(_MODES.get(str(data["mode"]), data["mode"]))
        values.setdefault("resource_name", _name("resource", data.get("resource")))
        values.setdefault("department_name", _name("department", data.get("department")))
        return kind.title, kind.text.format_map(values)


def _name(kind: str, code: object) -> str:
    """The Chinese name of a declared resource or department (its code if unknown)."""
    from catalog.resources import DEPARTMENTS, RESOURCES

    found = (RESOURCES if kind == "resource" else DEPARTMENTS).get(str(code))
    return found.name if found is not None else str(code or "—")


def emit(s: Session, event: str, *, subject: str, data: dict,
         departments: Iterable[str] = (), users: Iterable[str] = (),
         dedupe: str | None = None) -> str | None:
    """Record `event` and its deliveries in the caller's transaction (`s`); the event id, or
    None when `dedupe` was already raised. Never raises for a notification's sake: a problem
    here is logged and the action goes on (an unknown event key is a programming error)."""
    if event not in EVENTS:
        raise ValueError(f"unknown notification event {event!r}")
    try:
        return _emit(s, event, subject, data, sorted({d for d in departments if d}),
                     sorted({u for u in users if u}), dedupe)
    except (ValueError, TypeError, KeyError, IndexError):
        log.exception("notification %s on %s not recorded", event, subject)
        return None


def _emit(s: Session, event: str, subject: str, data: dict, departments: list[str],
          users: list[str], dedupe: str | None) -> str | None:
    if dedupe is not None and s.scalar(select(NotifyEvent.id).where(
            NotifyEvent.dedupe == dedupe).limit(1)) is not None:
        return None
    data = json.loads(json.dumps(data, ensure_ascii=False, default=str))  # storable as JSON
    title, text = _render(event, data)
    now = utcnow()
    row = NotifyEvent(id="evt_" + secrets.token_hex(12), event=event, dedupe=dedupe,
                      subject=subject[:200], title=title, text=text, data=data,
                      departments=departments, users=users, created_at=now)
    s.add(row)
    s.flush()  # the deliveries refer to it
    for sub in s.scalars(select(Subscription).where(Subscription.active.is_(True))):
        if event in sub.events and (sub.department in departments or sub.user in users):
            s.add(NotifyDelivery(event_id=row.id, subscription_id=sub.id, channel=sub.channel,
                                 target=sub.target, status="pending", attempts=0,
                                 next_attempt_at=now, created_at=now))
    return row.id


# --- subscriptions (administrators: `hub notify`, `/v1/notify`) ------------------------------

def webhook_secret(settings: HubSettings, subscription_id: str) -> str:
    """The webhook's signing secret: derived from the master secret, so none is stored."""
    key = settings.secret_key.get_secret_value().encode()
    return "whsec_" + hmac.new(key, f"hub-notify-webhook\x1f{subscription_id}".encode(),
                               hashlib.sha256).hexdigest()


def _webhook_url(target: str) -> bool:
    """An http(s) URL with a host, a valid port and no credentials in it."""
    try:
        parts = urlsplit(target)
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        return False
    return (parts.scheme in ("http", "https") and bool(parts.hostname) and port_ok
            and not parts.username and not parts.password and len(target) <= 2000
            and not any(c.isspace() for c in target))


def _check_target(channel: str, target: str) -> str:
    target = (target or "").strip()
    if channel == "webhook":
        if not _webhook_url(target):
            raise NotifyError("invalid_target", _("a webhook needs an http:// or https:// URL "
                                                  "with a host and no credentials"))
    elif channel == "email":
        if not _EMAIL.match(target):
            raise NotifyError("invalid_target", _("{target!r} is not an e-mail address",
                                                  target=target[:80]))
    else:
        raise NotifyError("invalid_subscription", _("channel must be one of {channels}",
                                                    channels=", ".join(CHANNELS)))
    return target


def add_subscription(registry: Registry, channel: str, target: str, events: Iterable[str], *,
                     department: str | None = None, user: str | None = None,
                     created_by: str = "") -> Subscription:
    """Add a subscription for exactly one department or one user, to known events only."""
    from catalog.resources import DEPARTMENTS  # the catalog's departments

    target = _check_target(channel, target)
    events = sorted(set(events))
    if not events:
        raise NotifyError("invalid_subscription", _("name at least one event"))
    unknown = [e for e in events if e not in EVENTS]
    if unknown:
        raise NotifyError("unknown_event", _("no event {event!r}; the events are {events}",
                                             event=unknown[0][:60], events=", ".join(EVENTS)))
    if (department is None) == (user is None):
        raise NotifyError("invalid_subscription", _("name either a department or a user"))
    if department is not None and (not _DEPARTMENT.match(department)
                                   or department not in DEPARTMENTS):
        raise NotifyError("invalid_subscription", _("no department {department!r}",
                                                    department=department[:20]))
    if user is not None and not _USER.match(user):
        raise NotifyError("invalid_subscription", _("a user is named by their client id"))
    sub = Subscription(id="sub_" + secrets.token_hex(8), channel=channel, target=target,
                       department=department, user=user, events=events, active=True,
                       created_by=created_by[:64], created_at=utcnow())
    with registry.session() as s:
        s.add(sub)
    return sub


def subscriptions(registry: Registry, offset: int = 0,
                  limit: int | None = None) -> tuple[list[Subscription], int]:
    """One page of the active subscriptions, oldest first, and how many there are."""
    query = select(Subscription).where(Subscription.active.is_(True))
    with registry.session() as s:
        total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = list(s.scalars(query.order_by(Subscription.created_at, Subscription.id)
                              .offset(offset).limit(limit)))
    return rows, total


def remove_subscription(registry: Registry, subscription_id: str) -> None:
    """Stop a subscription; deliveries already pending for it are dropped (marked failed)."""
    with registry.session() as s:
        sub = s.get(Subscription, subscription_id[:32])
        if sub is None or not sub.active:
            raise NotifyError("not_found", _("no such subscription"))
        sub.active = False
        for row in s.scalars(select(NotifyDelivery).where(
                NotifyDelivery.subscription_id == sub.id, NotifyDelivery.status == "pending")):
            row.status, row.last_error = "failed", "subscription removed"


def deliveries(registry: Registry, status: str | None = None, offset: int = 0,
               limit: int | None = None) -> tuple[list[tuple[NotifyDelivery, str]], int]:
    """One page of the delivery log, newest first, with each delivery's event key."""
    query = select(NotifyDelivery, NotifyEvent.event).join(
        NotifyEvent, NotifyEvent.id == NotifyDelivery.event_id)
    if status is not None:
        query = query.where(NotifyDelivery.status == status)
    with registry.session() as s:
        total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = [tuple(r) for r in s.execute(query.order_by(NotifyDelivery.id.desc())
                                            .offset(offset).limit(limit))]
    return rows, total  # type: ignore[return-value]
