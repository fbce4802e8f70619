"""Web sign-in: server-side sessions of people (users) and the lock after repeated failures.

A session is a random token held in an HttpOnly, SameSite=Strict cookie; the registry keeps
only its SHA-256, so a leaked table opens no session. Sessions end after
`web_session_idle_seconds` unused or `web_session_max_seconds` after sign-in, at sign-out, and
as soon as the user is revoked or their credentials change (the session keeps the user's
`ClientRecord.credential_version` and must match it).
Failed sign-ins are counted, and names locked, by the one lockout every door shares
(`exchange.lockout`).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete

from catalog import HubSettings
from catalog.registry import utcnow
from exchange.access import Caller
from exchange.clients import verify_secret
from exchange.lockout import MAX_NAME, Lockout, dummy_hash
from exchange.models import ClientRecord, WebSession
from exchange.roles import allowed_scopes
from exchange.store import Store

__all__ = ["SessionUser", "Sessions", "SignInRefused"]

class SignInRefused(Exception):
    """Sign-in refused: `locked` says whether too many failures locked the name."""

    def __init__(self, locked: bool) -> None:
        super().__init__("locked" if locked else "bad credentials")
        self.locked = locked


@dataclass(frozen=True)
class SessionUser:
    """The person behind a web request, as the permission table sees them."""

    caller: Caller
    name: str
    csrf: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Sessions:
    """Sign-in, session lookup and sign-out on the registry database."""

    def __init__(self, settings: HubSettings, store: Store) -> None:
        self._settings = settings
        self._store = store  # its tables include these (`exchange.models.SCHEMA`)
        self._lockout = Lockout(settings, store)

    def sign_in(self, user_name: str, password: str) -> tuple[str, SessionUser]:
        """A new session token for a live user with this password; `SignInRefused` otherwise."""
        now, name = utcnow(), user_name.strip()[:MAX_NAME]
        if self._lockout.locked(name):
            raise SignInRefused(locked=True)
        with self._store.session() as s:
            record = s.get(ClientRecord, name) if name else None
            person = record is not None and record.kind == "user" and record.active
            # Verify even for an unknown name: the same cost either way.
            good = verify_secret(password, record.secret_hash if person else dummy_hash())
        if not (person and good):
            self._lockout.fail(name)
            raise SignInRefused(locked=False)
        token = secrets.token_urlsafe(32)
        row = WebSession(token_hash=_digest(token), client_id=name,
                         csrf=secrets.token_urlsafe(32), created_at=now, last_seen_at=now,
                         credential_version=record.credential_version)
        with self._store.session() as s:
            self._lockout.clear(s, name)
            self._forget_expired(s, now)
            s.add(row)
        return token, self._user(record, row)

    def _forget_expired(self, s, now: datetime) -> None:
        idle = now - timedelta(seconds=self._settings.web_session_idle_seconds)
        oldest = now - timedelta(seconds=self._settings.web_session_max_seconds)
        s.execute(delete(WebSession).where((WebSession.last_seen_at < idle)
                                           | (WebSession.created_at < oldest)))

    @staticmethod
    def _user(record: ClientRecord, row: WebSession) -> SessionUser:
        roles = tuple(record.roles)
        caller = Caller(client_id=record.client_id, department=record.department, roles=roles,
                        scopes=allowed_scopes(roles), district=record.district)
        return SessionUser(caller=caller, name=record.name, csrf=row.csrf)

    def lookup(self, token: str | None) -> SessionUser | None:
        """The live session of this cookie value, touched now; None (and the row gone) if it
        expired or its user is revoked or changed credentials since signing in."""
        if not token or len(token) > 128:
            return None
        now = utcnow()
        with self._store.session() as s:
            row = s.get(WebSession, _digest(token))
            if row is None:
                return None
            record = s.get(ClientRecord, row.client_id)
            idle = now - row.last_seen_at > timedelta(
                seconds=self._settings.web_session_idle_seconds)
            old = now - row.created_at > timedelta(
                seconds=self._settings.web_session_max_seconds)
            if (record is None or not record.active or record.kind != "user" or idle or old
                    or row.credential_version != record.credential_version):
                s.delete(row)
                return None
            row.last_seen_at = now
            return self._user(record, row)

    def end(self, token: str | None) -> None:
        """End the session of this cookie value, if there is one (sign-out, a new sign-in)."""
        if token and len(token) <= 128:
            with self._store.session() as s:
                s.execute(delete(WebSession).where(WebSession.token_hash == _digest(token)))
