"""The grant store and the gateway's audit trail, in the registry database (own tables).

The sharing API provisions a grant when an order is approved and revokes it on expiry,
cancellation or revocation; admins provision analysts' grants with `hub grants`. A store
given the hub's settings deletes a grant's materialised snapshots when it revokes or expires
the grant (`policies.snapshots`).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import JSON, Integer, String, Text, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from catalog import DEPARTMENTS, HubSettings, Registry, resource
from catalog.i18n import _
from catalog.model import ItemType, SharingAttribute
from catalog.schema import Schema, ensure_schema
from catalog.tables import UTCDateTime
from policies.errors import PolicyError
from policies.grants import Grant, GrantMode, GrantStatus
from policies.policy import default_policy
from policies.principal import Principal
from policies.snapshots import drop_grant_snapshots

__all__ = ["SCHEMA", "GrantRecord", "GrantStore", "PolicyBase", "QueryAudit"]

_FILTERABLE = {ItemType.CODE, ItemType.DISTRICT, ItemType.TEXT, ItemType.MONTH}


def _now() -> datetime:
    return datetime.now(UTC)


class PolicyBase(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime}


class GrantRecord(PolicyBase):
    __tablename__ = "pol_grants"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    resource_code: Mapped[str] = mapped_column(String(64), index=True)
    department: Mapped[str] = mapped_column(String(16), index=True)
    subject: Mapped[str | None] = mapped_column(String(128))
    items: Mapped[list] = mapped_column(JSON)
    purpose: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    mode: Mapped[str] = mapped_column(String(16))
    row_filter: Mapped[dict] = mapped_column(JSON, default=dict)
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime]
    call_quota: Mapped[int | None] = mapped_column(Integer)
    calls_used: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), index=True)
    policy_version: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[str | None] = mapped_column(String(64), index=True)
    created_by: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(default=_now)
    revoked_at: Mapped[datetime | None]
    revoke_reason: Mapped[str] = mapped_column(Text, default="")

    def to_grant(self) -> Grant:
        return Grant(
            id=self.id, resource_code=self.resource_code, department=self.department,
            subject=self.subject, items=tuple(self.items), purpose=self.purpose,
            legal_basis=self.legal_basis, mode=GrantMode(self.mode),
            row_filter={k: tuple(v) for k, v in (self.row_filter or {}).items()},
            valid_from=self.valid_from, valid_until=self.valid_until,
            call_quota=self.call_quota, calls_used=self.calls_used,
            status=GrantStatus(self.status), policy_version=self.policy_version,
            order_id=self.order_id, created_by=self.created_by,
            created_at=self.created_at, revoked_at=self.revoked_at,
            revoke_reason=self.revoke_reason,
        )


class QueryAudit(PolicyBase):
    """One gateway decision: who, under which grants and policy version, original and rewritten
    SQL, and the outcome (`ok` or an error code). Never the result values."""

    __tablename__ = "pol_query_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=_now, index=True)
    surface: Mapped[str] = mapped_column(String(16))  # cli | api | python | extract | verify
    subject: Mapped[str] = mapped_column(String(128), index=True)
    department: Mapped[str] = mapped_column(String(16))
    roles: Mapped[list] = mapped_column(JSON)
    district: Mapped[str | None] = mapped_column(String(9))  # a town's nine digits (东莞)
    grant_ids: Mapped[list] = mapped_column(JSON, default=list)
    policy_version: Mapped[str] = mapped_column(String(64))
    original_sql: Mapped[str] = mapped_column(Text)
    rewritten_sql: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(32))
    rows: Mapped[int | None] = mapped_column(Integer)
    elapsed_ms: Mapped[float | None]


SCHEMA = Schema("policies", Path(__file__).parent / "migrations", lambda: PolicyBase.metadata)


class GrantStore:
    """Grants and audit entries on the registry's engine, in the tables of `SCHEMA`."""

    def __init__(self, registry: Registry, *, settings: HubSettings | None = None) -> None:
        self.registry = registry
        self.settings = settings  # where grants' snapshots live; None: this store has none
        ensure_schema(registry.engine, SCHEMA)

    def _drop_snapshots(self, grant_ids: list[str]) -> None:
        if self.settings is not None:
            for grant_id in grant_ids:
                drop_grant_snapshots(self.settings, grant_id)

    def provision_grant(
        self, *, resource_code: str, department: str, items: list[str] | tuple[str, ...],
        purpose: str, legal_basis: str, mode: GrantMode | str, valid_until: datetime,
        valid_from: datetime | None = None, row_filter: dict[str, list[str]] | None = None,
        call_quota: int | None = None, subject: str | None = None, order_id: str | None = None,
        created_by: str = "", session: Session | None = None,
    ) -> Grant:
        """Check the grant against the catalog and the policy, store it active, return it.

        With `session` (one on this registry), the grant is inserted in that session's
        transaction and commits or rolls back with it — the sharing API approves an order and
        provisions its grant as one unit of work; without, in a transaction of its own."""
        mode = _parse_mode(mode)
        valid_from = valid_from or _now()
        filters = {k: sorted({str(v) for v in vals}) for k, vals in (row_filter or {}).items()}
        _validate(resource_code, department, items, purpose, legal_basis, filters, valid_from,
                  valid_until, call_quota)
        # The grant returned carries its times in UTC, as one read back from the store would.
        valid_from, valid_until = valid_from.astimezone(UTC), valid_until.astimezone(UTC)
        record = GrantRecord(
            id=f"grt_{uuid.uuid4().hex}", resource_code=resource_code, department=department,
            subject=subject, items=list(dict.fromkeys(items)), purpose=purpose,
            legal_basis=legal_basis, mode=mode.value, row_filter=filters,
            valid_from=valid_from, valid_until=valid_until, call_quota=call_quota,
            calls_used=0, status=GrantStatus.ACTIVE.value,
            policy_version=default_policy().version, order_id=order_id, created_by=created_by,
            created_at=_now(),
        )
        if session is not None:
            return _inserted(session, record)
        with self.registry.session() as s:
            return _inserted(s, record)

    def revoke_grant(self, grant_id: str, reason: str) -> Grant:
        """Revoke now; revoking twice keeps the first time and reason."""
        if not reason.strip():
            raise PolicyError("invalid_grant", _("a revocation needs a reason"))
        with self.registry.session() as s:
            record = s.get(GrantRecord, grant_id)
            if record is None:
                raise PolicyError("invalid_grant", _("no such grant"))
            if record.status != GrantStatus.REVOKED.value:
                record.status = GrantStatus.REVOKED.value
                record.revoked_at = _now()
                record.revoke_reason = reason
            grant = record.to_grant()
        self._drop_snapshots([grant.id])
        return grant

    def get_grant(self, grant_id: str) -> Grant | None:
        with self.registry.session() as s:
            record = s.get(GrantRecord, grant_id)
            return record.to_grant() if record else None

    def list_grants(self, department: str | None = None) -> list[Grant]:
        query = select(GrantRecord).order_by(GrantRecord.created_at)
        if department is not None:
            query = query.where(GrantRecord.department == department)
        with self.registry.session() as s:
            return [r.to_grant() for r in s.scalars(query)]

    def active_grants(self, who: Principal | str, at: datetime | None = None) -> list[Grant]:
        """Usable grants of a principal (its department's, and its own) or of a department."""
        at = at or _now()
        department = who.department if isinstance(who, Principal) else who
        query = select(GrantRecord).where(GrantRecord.department == department,
                                          GrantRecord.status == GrantStatus.ACTIVE.value)
        with self.registry.session() as s:
            grants = [r.to_grant() for r in s.scalars(query.order_by(GrantRecord.created_at))]
        if isinstance(who, Principal):
            grants = [g for g in grants if g.covers(who.department, who.subject)]
        return [g for g in grants if g.is_usable(at)]

    def consume(self, grant_id: str, calls: int = 1) -> None:
        """Count uses against the quota, atomically; refuses once the quota is used up."""
        with self.registry.session() as s:
            result = s.execute(
                update(GrantRecord)
                .where(GrantRecord.id == grant_id,
                       (GrantRecord.call_quota.is_(None))
                       | (GrantRecord.calls_used + calls <= GrantRecord.call_quota))
                .values(calls_used=GrantRecord.calls_used + calls)
            )
            if result.rowcount != 1:
                raise PolicyError("quota_exhausted")

    def expire_due(self, at: datetime | None = None) -> int:
        """Mark active grants past their validity as expired; returns how many."""
        due = (GrantRecord.status == GrantStatus.ACTIVE.value,
               GrantRecord.valid_until <= (at or _now()))
        with self.registry.session() as s:
            expired = list(s.scalars(select(GrantRecord.id).where(*due)))
            count = s.execute(update(GrantRecord).where(GrantRecord.id.in_(expired), *due)
                              .values(status=GrantStatus.EXPIRED.value)).rowcount
        self._drop_snapshots(expired)
        return count

    def record_query(self, **entry: object) -> None:
        """Append one audit entry (fields of `QueryAudit`)."""
        with self.registry.session() as s:
            s.add(QueryAudit(**entry))

    def audit_entries(self, subject: str | None = None, limit: int = 100) -> list[QueryAudit]:
        query = select(QueryAudit).order_by(QueryAudit.id.desc()).limit(limit)
        if subject is not None:
            query = query.where(QueryAudit.subject == subject)
        with self.registry.session() as s:
            return list(s.scalars(query))


def _inserted(s: Session, record: GrantRecord) -> Grant:
    s.add(record)
    s.flush()  # the INSERT runs now: a refusal by the database surfaces here, not at commit
    return record.to_grant()


def _parse_mode(mode: GrantMode | str) -> GrantMode:
    modes = [m.value for m in GrantMode if m is not GrantMode.OPEN]
    try:
        parsed = GrantMode(mode)
    except ValueError:
        raise PolicyError("invalid_grant", _("mode must be one of {modes}", modes=modes)) from None
    if parsed is GrantMode.OPEN:  # open data is the open policy's to decide, for everyone
        raise PolicyError("invalid_grant", _("mode must be one of {modes}", modes=modes))
    return parsed


def _validate(code: str, department: str, items, purpose: str, legal_basis: str,
              filters: dict[str, list[str]], valid_from: datetime, valid_until: datetime,
              call_quota: int | None) -> None:
    try:
        declared = resource(code)
    except KeyError:
        raise PolicyError("invalid_grant", _("unknown resource")) from None
    if department not in DEPARTMENTS:  # a grantee is one of the city's departments, never "public"
        raise PolicyError("invalid_grant", _("unknown department {department}: one of {known}",
                                             department=repr(department),
                                             known=", ".join(sorted(DEPARTMENTS))))
    if declared.sharing is SharingAttribute.NOT_SHARED:
        raise PolicyError("invalid_grant", _("the resource is not shared (不予共享)"))
    names = {item.name for item in declared.items}
    if not items or any(item not in names for item in items):
        raise PolicyError("invalid_grant", _("items must be data items of the resource"))
    if not purpose.strip():
        raise PolicyError("invalid_grant", _("a grant needs a purpose"))
    if declared.sharing is SharingAttribute.CONDITIONAL and not legal_basis.strip():
        raise PolicyError("invalid_grant", _("a conditional resource needs a legal basis"))
    for name, values in filters.items():
        if name not in names or declared.item(name).type not in _FILTERABLE or not values:
            raise PolicyError("invalid_grant",
                              _("row filters name code items and their values"))
    if valid_from.tzinfo is None or valid_until.tzinfo is None:
        raise PolicyError("invalid_grant", _("validity times must carry a time zone"))
    if valid_until <= valid_from:
        raise PolicyError("invalid_grant", _("valid_until must be after valid_from"))
    if call_quota is not None and call_quota < 1:
        raise PolicyError("invalid_grant", _("call_quota must be positive"))
