"""The registry: the catalog's entries and what the hub knows of each resource, in SQL.

SQLite by default, any SQLAlchemy URL (PostgreSQL) in production. It is also the lake's
manifest: a Parquet file is visible to readers only once a committed row here lists it.
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import (
    JSON,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
    select,
)
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from catalog.errors import HubError
from catalog.model import Resource
from catalog.schema import Schema, ensure_schema

__all__ = [
    "SCHEMA",
    "Base",
    "BatchRecord",
    "BatchStatus",
    "EntryStatus",
    "HomePath",
    "Publication",
    "Registry",
    "ResourceEntry",
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


class Base(DeclarativeBase):
    type_annotation_map = {datetime: DateTime(timezone=True)}


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


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the API read while a pipeline writes; FULL sync makes a commit survive a kill.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _models() -> MetaData:
    """The catalog's tables: these and the ones its other modules declare on `Base`."""
    for module in ("entries", "extracts", "findings", "quality_scores", "reviews"):
        importlib.import_module(f"catalog.{module}")
    return Base.metadata


SCHEMA = Schema("catalog", Path(__file__).parent / "migrations", _models)


def registry_url(url: str) -> URL:
    """The URL with its driver: a plain `postgresql://` (or `postgres://`) means psycopg 3, the
    PostgreSQL driver the hub installs. A URL SQLAlchemy cannot use is a `HubError`."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise HubError(f"the registry URL {url.split('@')[-1]!r} is not a database URL: use "
                       "sqlite:///path/registry.db or postgresql://user@host/db") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def registry_engine(url: str) -> Engine:
    """An engine on the registry database, its tables as they are (`Registry` checks them)."""
    parsed = registry_url(url)
    try:
        engine = create_engine(parsed, future=True)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise HubError(f"the registry URL {parsed.render_as_string(hide_password=True)!r} "
                       f"cannot be used ({exc}): use sqlite:///path/registry.db or "
                       "postgresql://user@host/db") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


class Registry:
    """Sessions on the registry database, and the catalog's declared entries kept in it."""

    def __init__(self, url: str, home: Path | None = None) -> None:
        """`home`: the hub home its stored paths are relative to; by default the directory of
        a SQLite registry (`<home>/registry.db`), none for another database."""
        self.engine = registry_engine(url)
        if home is None and self.engine.dialect.name == "sqlite" and self.engine.url.database:
            home = Path(self.engine.url.database).resolve().parent
        self.engine.dialect.hub_home = home.resolve() if home else None  # read by HomePath
        ensure_schema(self.engine, SCHEMA)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on any error."""
        with self._sessions() as session, session.begin():
            yield session

    def sync_declarations(self, resources: list[Resource]) -> None:
        """Store each declared resource; the status a reviewer gave an entry is kept."""
        try:
            self._sync_declarations(resources)
        except IntegrityError:  # another process starting on the same registry stored one first
            self._sync_declarations(resources)

    def _sync_declarations(self, resources: list[Resource]) -> None:
        with self.session() as s:
            for resource in resources:
                entry = s.get(ResourceEntry, resource.code)
                declaration = resource.model_dump(mode="json")
                if entry is None:
                    s.add(
                        ResourceEntry(
                            code=resource.code,
                            name=resource.name,
                            provider_code=resource.provider.code,
                            declaration=declaration,
                        )
                    )
                elif entry.declaration != declaration:
                    entry.name = resource.name
                    entry.provider_code = resource.provider.code
                    entry.declaration = declaration
                    entry.updated_at = utcnow()

    def batches(self, resource_code: str) -> list[BatchRecord]:
        with self.session() as s:
            return list(
                s.scalars(
                    select(BatchRecord)
                    .where(BatchRecord.resource_code == resource_code)
                    .order_by(BatchRecord.batch_id)
                )
            )

    def publications(self, resource_code: str) -> list[Publication]:
        with self.session() as s:
            return list(
                s.scalars(
                    select(Publication)
                    .where(Publication.resource_code == resource_code)
                    .order_by(Publication.version)
                )
            )

    def current_publication(self, resource_code: str) -> Publication | None:
        publications = self.publications(resource_code)
        return publications[-1] if publications else None

    def dispose(self) -> None:
        self.engine.dispose()
