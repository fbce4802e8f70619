"""The one lockout of people's passwords, shared by every door that sees a name and a secret.

Failures are counted per name, known or not (so the lock tells nothing about which names
exist), at web sign-in and at the token endpoint alike; `web_login_max_failures` failures
within `web_login_lockout_seconds` lock the name for that long. A locked person signs in
nowhere and gets no token, whatever they present. Machine clients' failures are counted too,
but never lock them out of the token endpoint: their secrets are 256 random bits, and a lock
anyone could trigger would let a stranger cut a department's system off (the per-address rate
limit, `exchange.ratelimit`, slows guessing instead).
"""

from __future__ import annotations

import functools
import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select

from catalog import HubSettings
from catalog.registry import utcnow
from exchange.clients import hash_secret
from exchange.models import USER_NAME_LENGTH, LoginFailure
from exchange.store import Store

__all__ = ["MAX_NAME", "Lockout", "LoginFailure", "dummy_hash"]

MAX_NAME = USER_NAME_LENGTH


@functools.cache
def dummy_hash() -> str:
    """Verified against when a name is unknown (or its secret is never to be checked here), so
    every refusal costs as long as a wrong password and timing does not tell names apart."""
    return hash_secret(secrets.token_urlsafe(16))


class Lockout:
    """Count failures per name; say whether a name is locked; forget a name's failures."""

    def __init__(self, settings: HubSettings, store: Store) -> None:
        self._settings = settings
        self._store = store

    def locked(self, name: str) -> bool:
        now = utcnow()
        window = now - timedelta(seconds=self._settings.web_login_lockout_seconds)
        with self._store.session() as s:
            s.execute(delete(LoginFailure).where(LoginFailure.at < window))
            failures = s.scalar(select(func.count()).select_from(LoginFailure)
                                .where(LoginFailure.user_name == name[:MAX_NAME]))
        return failures >= self._settings.web_login_max_failures

    def fail(self, name: str) -> None:
        with self._store.session() as s:
            s.add(LoginFailure(user_name=name[:MAX_NAME], at=utcnow()))

    def clear(self, s, name: str) -> None:
        """Forget the name's failures (a successful sign-in), in the caller's transaction."""
        s.execute(delete(LoginFailure).where(LoginFailure.user_name == name[:MAX_NAME]))
