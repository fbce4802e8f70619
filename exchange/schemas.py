"""Request and response bodies of the sharing API. Requests refuse unknown fields (422)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

from catalog.roles import CLIENT_ROLES
from catalog.timefmt import beijing_iso

__all__ = [
    "AuditEntryOut", "CheckpointOut", "ClientCreate", "ClientIssued", "ClientOut", "DeliveryOut",
    "Instant", "Me", "OrderCreate", "OrderEventOut", "OrderOut", "ReasonBody", "ReviewBody",
    "RowScope", "SqlRequest", "UsageOut", "VerifyAnswer", "VerifyBody", "VerifyNamedBody",
    "VerifyReport",
]

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=500)]
ItemName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
# A GB/T 2260 district, or a town's nine-digit code in a city without districts (东莞).
District = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}([0-9]{3})?$")]
Mode = Literal["extract", "query", "aggregate", "verify"]
ClientRole = Literal[tuple(r.value for r in CLIENT_ROLES)]  # catalog.roles: the one definition
# Every moment the API returns: ISO 8601 with its offset, Beijing time (catalog.timefmt).
Instant = Annotated[datetime, PlainSerializer(beijing_iso, return_type=str, when_used="json"),
                    WithJsonSchema({"type": "string", "format": "date-time",
                                    "examples": ["2026-12-07T09:30:00+08:00"]})]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=20_000)


class RowScope(_In):
    """Rows the order may see; empty means every row of the resource."""

    district_codes: list[District] = Field(default_factory=list, max_length=5,
                                           description="Only rows of these districts.")


class OrderCreate(_In):
    resource: str = Field(pattern=r"^[a-z]+\.[a-z_]+$", max_length=64,
                          description="Catalog code, e.g. `ga.vehicles`.")
    mode: Mode = Field(description="`extract` (bulk files), `query` / `aggregate` (SQL "
                       "gateway) or `verify` (yes/no 核验 answers).")
    items: list[ItemName] = Field(default_factory=list, max_length=100,
                                  description="Data items; leave empty for `verify` orders.")
    purpose: Text = Field(description="The legal duty served, e.g. 社会救助核查.")
    legal_basis: Text = Field(description="The law or regulation and clause relied on.")
    row_scope: RowScope = Field(default_factory=RowScope)
    valid_from: date | None = Field(default=None, description="First day (Beijing); today.")
    valid_until: date = Field(description="Last day of use (Beijing date), inclusive.")
    quota_calls: int = Field(ge=1, le=10_000_000, description="Most uses (calls, downloads).")
    subscribe: bool = Field(default=False, description="Extract orders: re-deliver on each "
                            "new published version.")
    delivery_format: Literal["parquet", "csv", "csv-gb18030", "arrow"] = Field(
        default="parquet", description="Subscriptions: the format of each re-delivery.")


class ReviewBody(_In):
    decision: Literal["approve", "reject"]
    reason: Text


class ReasonBody(_In):
    reason: Text


class OrderEventOut(BaseModel):
    at: Instant
    actor: str
    action: str
    from_status: str | None
    to_status: str
    note: str


class OrderOut(BaseModel):
    id: str
    department: str
    requested_by: str
    resource: str
    provider: str
    mode: str
    items: list[str]
    purpose: str
    legal_basis: str
    row_scope: dict
    valid_from: date
    valid_until: date
    quota_calls: int
    calls_used: int
    subscribe: bool
    status: str
    stage_due: Instant | None
    escalated: bool
    decided_by: str | None
    reason: str
    grant_id: str | None
    policy_version: str | None
    created_at: Instant
    events: list[OrderEventOut] = Field(default_factory=list)


class VerifyBody(_In):
    order_id: str = Field(max_length=32)
    id_number: str = Field(max_length=64, description="GB 11643 identity number (15 or 18).")


class VerifyNamedBody(VerifyBody):
    name: str = Field(min_length=1, max_length=64, description="The name to check against.")


class VerifyAnswer(BaseModel):
    check: str
    order_id: str
    answer: bool
    calls_left: int
    audit_seq: int


class SqlRequest(_In):
    sql: str = Field(min_length=1, max_length=20_000)
    format: Literal["json", "csv", "arrow"] = "json"
    order_id: str | None = Field(default=None, max_length=64, description="The order whose "
                                 "grant to use; default: every query order of your department.")
    grant_ids: list[Annotated[str, StringConstraints(max_length=64)]] | None = Field(
        default=None, max_length=20, description="Grants to use where several cover a table.")


class DeliveryOut(BaseModel):
    id: str
    order_id: str
    resource: str
    format: str
    status: str
    rows: int
    bytes: int
    sha256: str | None
    policy_version: str | None
    started_at: Instant
    completed_at: Instant | None


class UsageOut(BaseModel):
    seq: int
    at: Instant
    client_id: str | None
    department: str | None
    route: str
    order_id: str | None
    purpose: str | None
    resource: str | None
    items: list[str]
    decision: str
    status: int
    rows: int | None


class AuditEntryOut(UsageOut):
    method: str
    roles: list[str]
    result_sha256: str | None
    detail: dict
    prev_hash: str
    hash: str


class VerifyReport(BaseModel):
    entries: int
    intact: bool
    findings: list[dict]


class CheckpointOut(BaseModel):
    seq: int
    hash: str
    at: str
    signature: str


class Me(BaseModel):
    client_id: str
    department: str
    roles: list[str]
    scopes: list[str]
    district: str | None


class ClientCreate(_In):
    client_id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{2,63}$")
    name: Text
    department: str = Field(max_length=16)
    roles: list[ClientRole] = Field(min_length=1, max_length=len(CLIENT_ROLES))
    kind: Literal["client", "user"] = "client"
    district: District | None = None
    auth_method: Literal["client_secret_basic", "client_secret_post",
                         "private_key_jwt"] = "client_secret_basic"
    public_jwks: dict | None = None


class ClientOut(BaseModel):
    client_id: str
    name: str
    kind: str
    department: str
    district: str | None
    roles: list[str]
    auth_method: str
    active: bool
    created_at: Instant


class ClientIssued(BaseModel):
    client_id: str
    client_secret: str | None = Field(description="Shown once; store it safely.")
