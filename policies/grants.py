"""A grant: one department's (or one user's) permission to use named data items of one resource,
for one purpose and legal basis, in one mode, within a validity period."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Grant", "GrantMode", "GrantStatus"]


class GrantMode(enum.StrEnum):
    EXTRACT = "extract"  # bulk extract of the masked, filtered rows (`engine.extract`)
    QUERY = "query"  # SQL over the masked, filtered rows (`engine.plan` / `engine.execute`)
    VERIFY = "verify"  # yes/no answers about given records (`engine.verify`)
    AGGREGATE = "aggregate"  # SQL aggregates only, groups of fewer than k persons suppressed
    OPEN = "open"  # open data for anyone (`policies.opendata`): never provisioned to a grantee


class GrantStatus(enum.StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"


class Grant(BaseModel):
    """What the grant store holds; immutable once read (the store changes status, not objects)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    resource_code: str
    department: str = Field(description="The grantee department's code.")
    subject: str | None = Field(
        default=None, description="Only this client or user; None: anyone of the department."
    )
    items: tuple[str, ...] = Field(description="Data items granted (catalog item names).")
    purpose: str
    legal_basis: str
    mode: GrantMode
    row_filter: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="Item -> the only values whose rows are visible."
    )
    valid_from: datetime
    valid_until: datetime
    call_quota: int | None = Field(default=None, description="Most uses; None: unlimited.")
    calls_used: int = 0
    status: GrantStatus = GrantStatus.ACTIVE
    policy_version: str = Field(description="Policy version in force when it was provisioned.")
    order_id: str | None = None
    created_by: str = ""
    created_at: datetime | None = None
    revoked_at: datetime | None = None
    revoke_reason: str = ""

    def effective_status(self, at: datetime | None = None) -> GrantStatus:
        """Revoked stays revoked; an active grant past `valid_until` is expired."""
        if self.status is not GrantStatus.ACTIVE:
            return self.status
        at = at or datetime.now(UTC)
        return GrantStatus.EXPIRED if self.valid_until <= at else GrantStatus.ACTIVE

    def is_usable(self, at: datetime | None = None) -> bool:
        """Active, already valid, not expired and with quota left."""
        at = at or datetime.now(UTC)
        return (
            self.effective_status(at) is GrantStatus.ACTIVE
            and self.valid_from <= at
            and (self.call_quota is None or self.calls_used < self.call_quota)
        )

    def covers(self, department: str, subject: str) -> bool:
        return self.department == department and self.subject in (None, subject)


