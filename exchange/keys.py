"""Token-signing keys: generated, rotated by `kid`, stored encrypted in the registry database.

The newest key signs; older keys stay in the JWKS for one token lifetime after they are
replaced, so tokens they signed keep validating until they expire. Private keys are
encrypted with a key derived from `HUB_SECRET_KEY` and never leave this module.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from datetime import timedelta

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import select

from catalog import HubSettings
from catalog.registry import utcnow
from exchange.models import SigningKey
from exchange.store import Store

__all__ = ["ALGORITHM", "KeyRing"]

ALGORITHM = "RS256"
_RELOAD_SECONDS = 30.0
_MIN_FORCED_RELOAD_SECONDS = 5.0  # tokens with made-up `kid`s must not hammer the database


def _fernet(settings: HubSettings) -> Fernet:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"hub-exchange-signing-keys")
    key = hkdf.derive(settings.secret_key.get_secret_value().encode())
    return Fernet(base64.urlsafe_b64encode(key))


class KeyRing:
    """The signing key and the public JWKS, cached and reloaded when another process rotates."""

    def __init__(self, settings: HubSettings, store: Store) -> None:
        self._settings = settings
        self._store = store
        self._fernet = _fernet(settings)
        self._lock = threading.Lock()
        self._loaded_at = 0.0
        self._signing: KeySet | None = None
        self._public: KeySet | None = None
        self._public_dicts: list[dict] = []

    def rotate(self) -> str:
        """Make a new signing key current; the previous one keeps validating for one TTL."""
        kid = time.strftime("%Y%m%d%H%M%S", time.gmtime()) + "-" + secrets.token_hex(4)
        key = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": ALGORITHM})
        sealed = self._fernet.encrypt(json.dumps(key.as_dict(private=True)).encode()).decode()
        with self._store.session() as s:
            for old in s.scalars(select(SigningKey).where(SigningKey.retired_at.is_(None))):
                old.retired_at = utcnow()
            s.add(SigningKey(kid=kid, private_jwk=sealed, public_jwk=key.as_dict(private=False)))
        self._loaded_at = 0.0
        return kid

    def _load(self) -> None:
        horizon = utcnow() - timedelta(seconds=self._settings.token_ttl_seconds)
        with self._store.session() as s:
            rows = list(s.scalars(select(SigningKey).order_by(SigningKey.created_at)))
        live = [r for r in rows if r.retired_at is None or r.retired_at > horizon]
        current = [r for r in rows if r.retired_at is None]
        if not current:
            self.rotate()
            return self._load()
        private = json.loads(self._fernet.decrypt(current[-1].private_jwk.encode()))
        self._signing = KeySet([RSAKey.import_key(private)])
        self._public_dicts = [r.public_jwk for r in live]
        self._public = KeySet([RSAKey.import_key(d) for d in self._public_dicts])
        self._loaded_at = time.monotonic()

    def _fresh(self, force: bool = False) -> None:
        age = time.monotonic() - self._loaded_at
        if self._signing is None or age > _RELOAD_SECONDS or (
                force and age > _MIN_FORCED_RELOAD_SECONDS):
            with self._lock:
                self._load()

    def signing_keys(self) -> KeySet:
        """The current private key (as a set, so signed headers carry its `kid`)."""
        self._fresh()
        assert self._signing is not None
        return self._signing

    def public_keys(self, kid: str | None = None) -> KeySet:
        """Keys that validate tokens; an unknown `kid` reloads once (another process rotated)."""
        self._fresh()
        assert self._public is not None
        if kid is not None and kid not in {d.get("kid") for d in self._public_dicts}:
            self._fresh(force=True)
        return self._public

    def jwks(self) -> dict:
        """The JWKS document: public keys only."""
        self._fresh()
        return {"keys": [dict(d) for d in self._public_dicts]}
