"""The sharing API's tables, on their own declarative base in the registry database.

Clients, signing keys, orders (with their meter), order events, deliveries, the
hash-chained audit log and the web app's sessions and failed sign-ins. The catalog's tables
are not touched.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import JSON, Boolean, Date, Enum, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from catalog.registry import utcnow
from catalog.schema import Schema
from catalog.tables import UTCDateTime

__all__ = [
    "SCHEMA",
    "USER_NAME_LENGTH",
    "AuditEntry",
    "ClientRecord",
    "Delivery",
    "ExchangeBase",
    "LoginFailure",
    "Order",
    "OrderEvent",
    "OrderStatus",
    "SigningKey",
    "UsedAssertion",
    "WebSession",
]


class ExchangeBase(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime}


USER_NAME_LENGTH = 64  # the longest user name a sign-in form is read for


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=24, values_callable=lambda e: [m.value for m in e])


class ClientRecord(ExchangeBase):
    """A department system or a person: OAuth2 client credentials and the roles they carry."""

    __tablename__ = "ex_clients"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(8), default="client")  # client | user
    department: Mapped[str] = mapped_column(String(16), index=True)
    district: Mapped[str | None] = mapped_column(String(9))  # a town's nine digits (东莞)
    roles: Mapped[list] = mapped_column(JSON)
    auth_method: Mapped[str] = mapped_column(String(32))
    secret_hash: Mapped[str | None] = mapped_column(Text)
    public_jwks: Mapped[dict | None] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Raised by one at every rotation, password change and revocation. Tokens and web sessions
    # carry the version they were issued under and are refused once it is no longer current:
    # an integer compared exactly, so a token issued in the same second as a rotation is not
    # mistaken for a later one (as a comparison of whole-second times would).
    credential_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # When the credentials last changed (shown to operators; not used to refuse tokens).
    not_before: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SigningKey(ExchangeBase):
    """A token-signing key pair; the private half is stored encrypted and never served."""

    __tablename__ = "ex_signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    private_jwk: Mapped[str] = mapped_column(Text, doc="Fernet-encrypted private JWK.")
    public_jwk: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(doc="Replaced by a newer key at.")


class UsedAssertion(ExchangeBase):
    """RFC 7523 client assertions already used (`jti`), kept until they expire: no replay."""

    __tablename__ = "ex_used_assertions"

    jti: Mapped[str] = mapped_column(String(200), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]


class OrderStatus(enum.StrEnum):
    COMPLIANCE_REVIEW = "compliance_review"  # the hub's check of purpose and legal basis
    PROVIDER_REVIEW = "provider_review"  # the provider department's reply
    APPROVED = "approved"  # a grant is provisioned
    REJECTED = "rejected"
    REFUSED = "refused"  # 不予共享: refused without review
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REVOKED = "revoked"

    @property
    def in_review(self) -> bool:
        return self in (OrderStatus.COMPLIANCE_REVIEW, OrderStatus.PROVIDER_REVIEW)


class Order(ExchangeBase):
    """A department's order (数据共享申请) for one resource, with its meter."""

    __tablename__ = "ex_orders"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    department: Mapped[str] = mapped_column(String(16), index=True)
    requested_by: Mapped[str] = mapped_column(String(64))
    resource_code: Mapped[str] = mapped_column(String(64), index=True)
    provider: Mapped[str] = mapped_column(String(16), index=True)
    mode: Mapped[str] = mapped_column(String(16))
    items: Mapped[list] = mapped_column(JSON)
    purpose: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    row_scope: Mapped[dict] = mapped_column(JSON)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    quota_calls: Mapped[int] = mapped_column(Integer)
    calls_used: Mapped[int] = mapped_column(Integer, default=0)
    subscribe: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus), index=True)
    stage_due: Mapped[datetime | None]
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    grant_id: Mapped[str | None] = mapped_column(String(64))
    policy_version: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class OrderEvent(ExchangeBase):
    """One step of an order's life: who did what, from which status to which, and why."""

    __tablename__ = "ex_order_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[str] = mapped_column(String(32), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text, default="")


class Delivery(ExchangeBase):
    """One bulk extract handed to a department, with its manifest."""

    __tablename__ = "ex_deliveries"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(32), index=True)
    department: Mapped[str] = mapped_column(String(16), index=True)
    resource_code: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # streaming | complete | aborted
    rows: Mapped[int] = mapped_column(Integer, default=0)
    bytes: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str | None] = mapped_column(String(64))
    policy_version: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]


class AuditEntry(ExchangeBase):
    """One request, allowed or denied; `hash` chains it to the entry before (exchange.audit_log)."""

    __tablename__ = "ex_audit"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    client_id: Mapped[str | None] = mapped_column(String(64), index=True)
    department: Mapped[str | None] = mapped_column(String(16))
    roles: Mapped[list] = mapped_column(JSON)
    method: Mapped[str] = mapped_column(String(8))
    route: Mapped[str] = mapped_column(String(200))
    order_id: Mapped[str | None] = mapped_column(String(32), index=True)
    purpose: Mapped[str | None] = mapped_column(Text)
    resource_code: Mapped[str | None] = mapped_column(String(64), index=True)
    items: Mapped[list] = mapped_column(JSON)
    decision: Mapped[str] = mapped_column(String(8))  # allow | deny
    status: Mapped[int] = mapped_column(Integer)
    rows: Mapped[int | None] = mapped_column(Integer)
    result_sha256: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class WebSession(ExchangeBase):
    """A signed-in person's session; the cookie holds the token, this row its hash."""

    __tablename__ = "ex_web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    csrf: Mapped[str] = mapped_column(String(64), doc="The token every POST form carries.")
    credential_version: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0",
        doc="The user's `ClientRecord.credential_version` at sign-in (0: before versions).")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginFailure(ExchangeBase):
    """One failed sign-in or token request naming a user (counted for the lock, then
    forgotten; `exchange.lockout`)."""

    __tablename__ = "ex_web_login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_name: Mapped[str] = mapped_column(String(USER_NAME_LENGTH), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)


def _models() -> MetaData:
    """The exchange's tables, every one declared in this module."""
    return ExchangeBase.metadata


SCHEMA = Schema("exchange", Path(__file__).parent / "migrations", _models)
