"""The registry's declarative base, its datetime column type and the catalog's own tables
(entries, batches, publications).

The lowest layer of the registry: every module that keeps tables in it (`catalog.entries`,
`catalog.findings`, …) declares them on `Base` from here, and `catalog.registry`, which
opens the registry, imports those modules; so none of them imports the registry back. The
other packages' tables (`policies.store`, `exchange.models`) use `UTCDateTime` too.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import JSON, DateTime, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

__all__ = [
    "Base",
    "BatchRecord",
    "BatchStatus",
    "EntryStatus",
    "HomePath",
    "Publication",
    "ResourceEntry",
    "UTCDateTime",
    "utcnow",
]


def utcnow() -> datetime:
    return datetime.now(UTC)


class HomePath(TypeDecorator):
    """A file of the hub's home, stored relative to it so that a copied or moved home works
    unchanged; read back as an absolute path below the home the registry was opened for
    (`Registry(url, home)`). A path outside the home is kept as it is."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect) -> str | None:
        home = getattr(dialect, "hub_home", None)
        if value is None or home is None:
            return value
        path = Path(value)
        return path.relative_to(home).as_posix() if path.is_relative_to(home) else value

    def process_result_value(self, value: str | None, dialect) -> str | None:
        home = getattr(dialect, "hub_home", None)
        if value is None or home is None or Path(value).is_absolute():
            return value
        return str(home / value)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime column, in UTC both ways, on every database.

    SQLite keeps no offset: it would store an aware value's wall time unconverted (a +08:00
    time would read back 8 hours off) and hands back naive values. So values are converted to
    UTC when written, and come back aware, in UTC; a naive value is taken to be UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return _in_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return _in_utc(value)


def _in_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime}


class EntryStatus(enum.StrEnum):
    """Life cycle of a catalog entry, decided by the chief data officer."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    RETIRED = "retired"


class BatchStatus(enum.StrEnum):
    RAW = "raw"  # delivered file parsed into the raw layer
    STANDARDISED = "standardised"  # accepted and quarantined rows written
    PUBLISHED = "published"  # part of a published version
    REJECTED = "rejected"  # the whole batch broke the contract; nothing of it is current
    DUPLICATE = "duplicate"  # byte-identical to a batch already loaded


class ResourceEntry(Base):
    __tablename__ = "resources"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    provider_code: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[EntryStatus] = mapped_column(
        Enum(EntryStatus, native_enum=False, length=16), default=EntryStatus.PUBLISHED
    )
    status_reason: Mapped[str] = mapped_column(Text, default="")
    declaration: Mapped[dict] = mapped_column(JSON, doc="The declared entry (catalog.model).")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class BatchRecord(Base):
    """One delivered batch and what became of every row of it."""

    __tablename__ = "batches"
    __table_args__ = (UniqueConstraint("resource_code", "batch_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_code: Mapped[str] = mapped_column(ForeignKey("resources.code"), index=True)
    batch_id: Mapped[str] = mapped_column(String(128))
    files: Mapped[list] = mapped_column(JSON, doc="Delivered files (landing-relative).")
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(Integer)
    delivered_at: Mapped[datetime]
    status: Mapped[BatchStatus] = mapped_column(Enum(BatchStatus, native_enum=False, length=16))
    reason: Mapped[str] = mapped_column(Text, default="")
    rows_in: Mapped[int] = mapped_column(Integer, default=0)
    rows_accepted: Mapped[int] = mapped_column(Integer, default=0)
    rows_quarantined: Mapped[int] = mapped_column(Integer, default=0)
    quarantine_by_rule: Mapped[dict] = mapped_column(JSON, default=dict)
    blank_lines: Mapped[int] = mapped_column(
        Integer, default=0, doc="Whitespace-only lines skipped: no records, so not in rows_in.")
    layout: Mapped[dict | None] = mapped_column(
        JSON, doc="CSV: for each file, the column of each data item in its header.")
    raw_path: Mapped[str | None] = mapped_column(HomePath)
    accepted_path: Mapped[str | None] = mapped_column(HomePath)
    quarantine_path: Mapped[str | None] = mapped_column(HomePath)
    duplicate_of: Mapped[str | None] = mapped_column(String(128))
    schema_digest: Mapped[str | None] = mapped_column(
        String(16), doc="The schema revision the batch was read with (`Resource.schema_digest`).")
    ingested_at: Mapped[datetime] = mapped_column(default=utcnow)
    standardised_at: Mapped[datetime | None]

    @property
    def balanced(self) -> bool:
        """Nothing lost: every delivered row is accepted or quarantined."""
        return self.rows_in == self.rows_accepted + self.rows_quarantined


class Publication(Base):
    """A published version of a resource: which batches make up its current state."""

    __tablename__ = "publications"
    __table_args__ = (UniqueConstraint("resource_code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_code: Mapped[str] = mapped_column(ForeignKey("resources.code"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    batch_ids: Mapped[list] = mapped_column(JSON)
    rows: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    run_id: Mapped[str] = mapped_column(String(64), default="")
