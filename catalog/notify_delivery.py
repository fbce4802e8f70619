"""Sending what `catalog.notify` recorded: signed webhooks and e-mail, retried with backoff.

A delivery is due when it is pending and its `next_attempt_at` has come. One pass
(`deliver_due`) claims each due delivery (a conditional update, so two deliverers — the API
server, `hub notify deliver`, the Dagster sensor — never send one twice at once), sends it
outside any transaction, and logs the attempt: delivered on a 2xx answer or an accepted
message; otherwise retried after `notify_backoff_seconds`, doubled at each retry (at most
`notify_backoff_max_seconds`), until `notify_max_attempts` tries have failed.

A webhook is POSTed as JSON with the headers

- `X-Hub-Event`: the event key; `X-Hub-Event-Id`: the event id (the same on every retry: a
  receiver drops repeats by it);
- `X-Hub-Timestamp`: Unix seconds of this attempt;
- `X-Hub-Signature`: `sha256=` + hex HMAC-SHA256 of `<timestamp>.<body>` under the
  subscription's secret (`catalog.notify.webhook_secret`).

An e-mail goes through `HUB_SMTP_URL` (standard library `smtplib`), in the hub's language;
while a process has no `HUB_SMTP_URL`, it leaves e-mail pending, untried, for one that has.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
import ssl
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

import httpx
from sqlalchemy import select, update

from catalog.i18n import _, use
from catalog.notify import NotifyAttempt, NotifyDelivery, NotifyEvent, webhook_secret
from catalog.registry import Registry, utcnow
from catalog.settings import HubSettings

__all__ = ["Deliverer", "Outcome", "PassResult", "backoff", "deliver_due", "sign"]

log = logging.getLogger("hub.notify")

SIGNATURE_HEADER = "X-Hub-Signature"
TIMESTAMP_HEADER = "X-Hub-Timestamp"
EVENT_ID_HEADER = "X-Hub-Event-Id"
EVENT_HEADER = "X-Hub-Event"
_BATCH = 100  # deliveries claimed per pass


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The `X-Hub-Signature` value of `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def backoff(settings: HubSettings, attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed try: the base, doubled at each retry, capped."""
    seconds = settings.notify_backoff_seconds * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.notify_backoff_max_seconds))


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str = ""


@dataclass
class PassResult:
    """What one pass did, and when the next pending delivery falls due (None: none pending)."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    next_due: datetime | None = None
    ids: list[int] = field(default_factory=list)


def _send_webhook(settings: HubSettings, delivery: NotifyDelivery, event: NotifyEvent) -> Outcome:
    body = json.dumps(event.payload(), ensure_ascii=False, sort_keys=True).encode()
    stamp = str(int(time.time()))
    headers = {"Content-Type": "application/json; charset=utf-8",
               "User-Agent": "city-data-hub-notify/1", EVENT_HEADER: event.event,
               EVENT_ID_HEADER: event.id, TIMESTAMP_HEADER: stamp,
               SIGNATURE_HEADER: sign(webhook_secret(settings, delivery.subscription_id),
                                      stamp, body)}
    try:
        response = httpx.post(delivery.target, content=body, headers=headers,
                              timeout=settings.notify_timeout_seconds, follow_redirects=False)
    except httpx.HTTPError as exc:
        return Outcome(False, None, f"{type(exc).__name__}: {exc}"[:500])
    if 200 <= response.status_code < 300:
        return Outcome(True, response.status_code)
    return Outcome(False, response.status_code, f"HTTP {response.status_code}")


def _smtp(settings: HubSettings) -> smtplib.SMTP:
    """A connection to `HUB_SMTP_URL`, logged in when it names a user."""
    assert settings.smtp_url is not None
    url = urlsplit(settings.smtp_url.get_secret_value())
    timeout = settings.notify_timeout_seconds
    if url.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(url.hostname or "", url.port or 465,
                                                timeout=timeout,
                                                context=ssl.create_default_context())
    elif url.scheme in ("smtp", "smtp+starttls"):
        client = smtplib.SMTP(url.hostname or "", url.port or 25, timeout=timeout)
        if url.scheme == "smtp+starttls":
            client.starttls(context=ssl.create_default_context())
    else:
        raise ValueError("HUB_SMTP_URL must start with smtp://, smtp+starttls:// or smtps://")
    if url.username:
        client.login(unquote(url.username), unquote(url.password or ""))
    return client


def _send_email(settings: HubSettings, delivery: NotifyDelivery, event: NotifyEvent) -> Outcome:
    message = EmailMessage()
    with use(None):  # the hub's configured language, as the event's own text (catalog.notify)
        subject = _("[Data Sharing Hub] {title}", title=event.title)
        body = _("{text}\n\nEvent: {event}\nId: {id}\nTime: {time}\n\nThis e-mail was sent "
                 "automatically by the data sharing hub; please do not reply.\n", text=event.text,
                 event=event.event, id=event.id, time=event.created_at.isoformat())
    message["Subject"] = subject
    message["From"] = settings.smtp_from
    message["To"] = delivery.target
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=event.id)
    message[EVENT_HEADER], message[EVENT_ID_HEADER] = event.event, event.id
    message.set_content(body)
    try:
        with _smtp(settings) as client:
            refused = client.send_message(message)
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        code = getattr(exc, "smtp_code", None)
        return Outcome(False, code if isinstance(code, int) else None,
                       f"{type(exc).__name__}: {exc}"[:500])
    if refused:
        return Outcome(False, None, f"refused: {sorted(refused)}"[:500])
    return Outcome(True, 250)


_SENDERS = {"webhook": _send_webhook, "email": _send_email}


def _sendable(settings: HubSettings):
    """Pending deliveries this process can send: e-mail waits, untried, while no SMTP server
    is configured here (a process that has one sends it)."""
    pending = NotifyDelivery.status == "pending"
    return pending if settings.smtp_url is not None else pending & (
        NotifyDelivery.channel != "email")


def _claim(registry: Registry, settings: HubSettings, now: datetime) -> list[int]:
    """Due deliveries, each leased to this pass by moving its due time ahead (a row another
    deliverer moved first is left to it)."""
    lease = now + timedelta(seconds=settings.notify_timeout_seconds * 3 + 30)
    claimed = []
    with registry.session() as s:
        due = s.execute(select(NotifyDelivery.id, NotifyDelivery.next_attempt_at).where(
            _sendable(settings), NotifyDelivery.next_attempt_at <= now)
            .order_by(NotifyDelivery.next_attempt_at, NotifyDelivery.id).limit(_BATCH)).all()
        for delivery_id, was in due:
            moved = s.execute(update(NotifyDelivery).where(
                NotifyDelivery.id == delivery_id, NotifyDelivery.status == "pending",
                NotifyDelivery.next_attempt_at == was).values(next_attempt_at=lease))
            if moved.rowcount == 1:
                claimed.append(delivery_id)
    return claimed


def _attempt(registry: Registry, settings: HubSettings, delivery_id: int) -> str:
    with registry.session() as s:
        delivery = s.get(NotifyDelivery, delivery_id)
        event = s.get(NotifyEvent, delivery.event_id) if delivery else None
    if delivery is None or event is None:
        return "gone"
    sender = _SENDERS.get(delivery.channel)
    outcome = sender(settings, delivery, event) if sender else Outcome(False, None, "channel")
    now = utcnow()
    with registry.session() as s:
        row = s.get(NotifyDelivery, delivery_id)
        assert row is not None
        row.attempts += 1
        row.last_status_code, row.last_error = outcome.status_code, outcome.error
        s.add(NotifyAttempt(delivery_id=row.id, attempt=row.attempts, at=now,
                            status_code=outcome.status_code, error=outcome.error))
        if outcome.ok:
            row.status, row.delivered_at = "delivered", now
        elif row.attempts >= settings.notify_max_attempts:
            row.status = "failed"
        else:
            row.next_attempt_at = now + backoff(settings, row.attempts)
        if not outcome.ok:
            log.warning("notification %s to %s: attempt %d failed (%s)", event.id,
                        row.channel, row.attempts, outcome.error)
        return row.status


def _next_due(registry: Registry, settings: HubSettings) -> datetime | None:
    with registry.session() as s:
        return s.scalar(select(NotifyDelivery.next_attempt_at).where(
            _sendable(settings)).order_by(NotifyDelivery.next_attempt_at)
            .limit(1))


def deliver_due(registry: Registry, settings: HubSettings,
                now: datetime | None = None) -> PassResult:
    """One pass: send every delivery due by `now` once (module doc)."""
    result = PassResult()
    for delivery_id in _claim(registry, settings, now or utcnow()):
        status = _attempt(registry, settings, delivery_id)
        result.ids.append(delivery_id)
        if status == "delivered":
            result.delivered += 1
        elif status == "failed":
            result.failed += 1
        elif status == "pending":
            result.retrying += 1
    result.next_due = _next_due(registry, settings)
    return result


class Deliverer:
    """Delivery in the background of a long-running process (the API server): a daemon thread
    that runs a pass when `kick`ed (after a request that may have recorded notifications) and
    when a retry falls due. Started `persistent`ly (the server's lifespan) it also looks every
    `notify_poll_seconds` for notifications other processes recorded; otherwise it ends once
    nothing is pending. A failing pass is logged; it never reaches a request."""

    def __init__(self, registry: Registry, settings: HubSettings) -> None:
        self.registry, self.settings = registry, settings
        self.persistent = False
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def start(self, persistent: bool = True) -> None:
        self.persistent = self.persistent or persistent
        self.kick()

    def kick(self) -> None:
        """Run a pass soon (starting the thread if it is not running)."""
        with self._lock:
            self._wake.set()
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(target=self._run, name="hub-notify",
                                                daemon=True)
                self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self.settings.notify_timeout_seconds + 5)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            wait: float | None = self.settings.notify_poll_seconds
            try:
                result = deliver_due(self.registry, self.settings)
                if result.next_due is not None:
                    until = (result.next_due - utcnow()).total_seconds()
                    wait = min(wait, max(until, 0.05))
                elif not self.persistent:
                    with self._lock:  # end, unless a kick came during the pass
                        if not self._wake.is_set():
                            self._thread = None
                            return
                    continue
            except Exception:  # a broken pass must not end the thread: the next one retries
                log.exception("notification delivery pass failed")
            self._wake.wait(wait)
