"""Registered clients (department systems) and users (people), with roles and hashed secrets.

Secrets are shown once, at creation or rotation, and stored as scrypt hashes (RFC 7914).
A client authenticates with its secret or, if registered with a public JWKS, with a signed
JWT assertion (`private_key_jwt`, RFC 7523). Rotation, a password change and revocation raise
the client's credential version, which every token and web session carries: those issued
before are refused, however close in time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from joserfc.jwk import KeySet
from sqlalchemy import select, update

from catalog import DEPARTMENTS
from catalog.city import current_city
from catalog.errors import HubError
from catalog.i18n import _
from catalog.registry import utcnow
from exchange.models import ClientRecord
from exchange.roles import Role
from exchange.store import Store

__all__ = ["AUTH_METHODS", "MIN_PASSWORD", "ClientError", "ClientExists", "Issued",
           "UnknownClient", "create_client", "hash_secret", "list_clients", "revoke_client",
           "rotate_secret", "set_password", "verify_secret"]

AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt")
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,63}$")
# scrypt cost: n=2**14, r=8, p=1 (the RFC 7914 interactive-login parameters), 16 MiB.
_N, _R, _P = 2**14, 8, 1
MIN_PASSWORD = 12  # a person's chosen password: NIST SP 800-63B asks at least 8, we ask more


class ClientError(HubError, ValueError):
    """A client cannot be created or changed as asked (message is for the operator)."""

    code, status = "invalid_client", 422


class ClientExists(ClientError):
    """The client id is taken: a conflict, not a bad request."""

    status = 409


class UnknownClient(ClientError):
    """No client has this id."""

    code, status = "not_found", 404


@dataclass(frozen=True)
class Issued:
    client_id: str
    secret: str | None


def hash_secret(secret: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_secret(secret: str, stored: str | None) -> bool:
    if not stored or not secret or len(secret) > 256:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        actual = hashlib.scrypt(secret.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r),
                                p=int(p), dklen=32)
    except ValueError:
        return False
    return hmac.compare_digest(actual.hex(), digest)


def _check(client_id: str, department: str, roles: list[str], district: str | None,
           auth_method: str, public_jwks: dict | None) -> None:
    if not _ID.match(client_id):
        raise ClientError(_("client id: 3–64 of a-z 0-9 _ . - starting with a letter or digit"))
    if department not in DEPARTMENTS:
        raise ClientError(_("unknown department {department!r}; one of {known}",
                            department=department, known=sorted(DEPARTMENTS)))
    unknown = [r for r in roles if r not in {x.value for x in Role}]
    if not roles or unknown:
        raise ClientError(_("roles must be some of {roles}", roles=[r.value for r in Role]))
    if district is not None and district not in current_city().profile.districts:
        raise ClientError(_("unknown district {district!r}", district=district))
    if auth_method not in AUTH_METHODS:
        raise ClientError(_("auth method must be one of {methods}", methods=AUTH_METHODS))
    if auth_method == "private_key_jwt":
        try:
            keys = KeySet.import_key_set(public_jwks or {})
        except Exception as exc:
            raise ClientError(_("private_key_jwt needs a valid public JWKS")) from exc
        if not keys.keys or any(k.is_private for k in keys.keys):
            raise ClientError(_("the JWKS must hold public keys only"))


def create_client(store: Store, client_id: str, name: str, department: str, roles: list[str],
                  *, kind: str = "client", district: str | None = None,
                  auth_method: str = "client_secret_basic",
                  public_jwks: dict | None = None, password: str | None = None) -> Issued:
    """Register a client; returns its secret (shown once) unless it signs JWT assertions.
    A user (a person) may be given a chosen password instead; it is not returned."""
    _check(client_id, department, roles, district, auth_method, public_jwks)
    if kind not in ("client", "user"):
        raise ClientError(_("kind must be client or user"))
    if password is not None:
        _check_password(kind, auth_method, password)
    secret = None if auth_method == "private_key_jwt" else secrets.token_urlsafe(32)
    with store.session() as s:
        if s.get(ClientRecord, client_id) is not None:
            raise ClientExists(_("client {client_id!r} exists", client_id=client_id))
        s.add(ClientRecord(
            client_id=client_id, name=name, kind=kind, department=department,
            district=district, roles=sorted(set(roles)), auth_method=auth_method,
            secret_hash=hash_secret(password or secret) if secret else None,
            public_jwks=public_jwks if auth_method == "private_key_jwt" else None,
        ))
    return Issued(client_id, None if password is not None else secret)


def _check_password(kind: str, auth_method: str, password: str) -> None:
    if kind != "user" or auth_method == "private_key_jwt":
        raise ClientError(_("only users (people) with a secret have a chosen password"))
    if not MIN_PASSWORD <= len(password) <= 256 or not password.strip():
        raise ClientError(_("a password has {n} to 256 characters", n=MIN_PASSWORD))


def _new_credentials(s, record: ClientRecord) -> None:
    """Refuse every token and session issued so far: one more credential version, raised in
    the database (not from the value read) so concurrent changes each count."""
    s.flush()
    s.execute(update(ClientRecord).where(ClientRecord.client_id == record.client_id)
              .values(credential_version=ClientRecord.credential_version + 1,
                      not_before=utcnow(), updated_at=utcnow()))


def set_password(store: Store, client_id: str, password: str) -> None:
    """A user's new password; their tokens and web sessions from before now are refused."""
    with store.session() as s:
        record = _existing(s, client_id)
        _check_password(record.kind, record.auth_method, password)
        record.secret_hash = hash_secret(password)
        _new_credentials(s, record)


def _existing(s, client_id: str) -> ClientRecord:
    record = s.get(ClientRecord, client_id)
    if record is None:
        raise UnknownClient(_("no client {client_id!r}", client_id=client_id))
    return record


def rotate_secret(store: Store, client_id: str, public_jwks: dict | None = None) -> Issued:
    """A new secret (or new public keys); tokens issued before now stop working."""
    with store.session() as s:
        record = _existing(s, client_id)
        _check(client_id, record.department, record.roles, record.district,
               record.auth_method, public_jwks or record.public_jwks)
        secret = None
        if record.auth_method == "private_key_jwt":
            record.public_jwks = public_jwks or record.public_jwks
        else:
            secret = secrets.token_urlsafe(32)
            record.secret_hash = hash_secret(secret)
        record.active = True
        _new_credentials(s, record)
    return Issued(client_id, secret)


def revoke_client(store: Store, client_id: str) -> None:
    """Deactivate a client: no new tokens, and its live tokens are refused at once."""
    with store.session() as s:
        record = _existing(s, client_id)
        record.active = False
        _new_credentials(s, record)


def list_clients(store: Store) -> list[ClientRecord]:
    with store.session() as s:
        return list(s.scalars(select(ClientRecord).order_by(ClientRecord.client_id)))
