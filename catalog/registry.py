"""The registry: the catalog's entries and what the hub knows of each resource, in SQL.

SQLite by default, any SQLAlchemy URL (PostgreSQL) in production. It is also the lake's
manifest: a Parquet file is visible to readers only once a committed row here lists it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import MetaData, Text, create_engine, event, select, type_coerce
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

# The modules that declare tables on `Base`: the registry's schema holds them all.
from catalog import entries, extracts, findings, notify, quality_scores, reviews
from catalog.city import serve
from catalog.errors import HubError
from catalog.i18n import _
from catalog.model import Resource
from catalog.resources import RESOURCES
from catalog.schema import Schema, ensure_schema
from catalog.settings import HubSettings
from catalog.tables import (
    Base,
    BatchRecord,
    BatchStatus,
    EntryStatus,
    HomePath,
    Publication,
    ResourceEntry,
    utcnow,
)

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
    "open_registry",
    "utcnow",
]


@event.listens_for(BatchRecord, "before_insert")
def _schema_read_with(_mapper, _connection, batch: BatchRecord) -> None:
    """Every batch records the schema revision of its resource's declaration as it was read
    (`Resource.schema_digest`), wherever the batch is recorded."""
    if batch.schema_digest is None and batch.resource_code in RESOURCES:
        batch.schema_digest = RESOURCES[batch.resource_code].schema_digest


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the API read while a pipeline writes; FULL sync makes a commit survive a kill.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


_TABLE_MODULES = (entries, extracts, findings, notify, quality_scores, reviews)


def _models() -> MetaData:
    """The catalog's tables: `catalog.tables` and those of the modules imported above."""
    return Base.metadata


SCHEMA = Schema("catalog", Path(__file__).parent / "migrations", _models)


def registry_url(url: str) -> URL:
    """The URL with its driver: a plain `postgresql://` (or `postgres://`) means psycopg 3, the
    PostgreSQL driver the hub installs. A URL SQLAlchemy cannot use is a `HubError`."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise HubError(_("the registry URL {url!r} is not a database URL: use "
                         "sqlite:///path/registry.db or postgresql://user@host/db",
                         url=url.split("@")[-1])) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def registry_engine(url: str) -> Engine:
    """An engine on the registry database, its tables as they are (`Registry` checks them)."""
    parsed = registry_url(url)
    try:
        engine = create_engine(parsed, future=True)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise HubError(_("the registry URL {url!r} cannot be used ({error}): use "
                         "sqlite:///path/registry.db or postgresql://user@host/db",
                         url=parsed.render_as_string(hide_password=True), error=exc)) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _same_json(stored: str | dict | None, value: dict) -> bool:
    """Whether a JSON column's text holds `value`: as written (`json.dumps`) or, written
    another way (another driver, key order), once parsed. psycopg hands PostgreSQL's JSON
    over parsed whatever the column is read as."""
    if stored is None:
        return False
    if not isinstance(stored, str):
        return stored == value
    return stored == json.dumps(value) or json.loads(stored) == value


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

    @property
    def home(self) -> Path | None:
        """The hub home this registry's paths are relative to (None if it serves none)."""
        return self.engine.dialect.hub_home

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
        # One query for what is stored (10,000 lookups by key took 9 s), then only the new
        # and the changed entries are written. The stored JSON is compared as text first
        # (decoding 10,000 declarations took 2 s), as parsed JSON when the text differs.
        with self.session() as s:
            stored = dict(s.execute(select(ResourceEntry.code,
                                           type_coerce(ResourceEntry.declaration, Text))).all())
            changed: dict[str, tuple[Resource, dict]] = {}
            for resource in resources:
                declaration = resource.model_dump(mode="json")
                if resource.code in stored and not _same_json(stored[resource.code], declaration):
                    changed[resource.code] = (resource, declaration)
                elif resource.code not in stored:
                    s.add(
                        ResourceEntry(
                            code=resource.code,
                            name=resource.name,
                            provider_code=resource.provider.code,
                            declaration=declaration,
                        )
                    )
            for code, (resource, declaration) in changed.items():
                entry = s.get(ResourceEntry, code)
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


def open_registry(settings: HubSettings, *, declare: bool = True) -> Registry:
    """The hub's registry, the one way every door opens it: the home made if missing, the
    tables created or checked (`Registry`), and the declared resources stored — unless
    `declare` is false, for readers of the catalog as the registry holds it (the audits, the
    sharing API). The doors that run work (the CLI, Dagster) then check the analysts' views
    name files below the home (`catalog.relocation`)."""
    settings.home.mkdir(parents=True, exist_ok=True)
    serve(settings.home)
    registry = Registry(settings.registry_url, settings.home)
    if declare:
        registry.sync_declarations(list(RESOURCES.values()))
    return registry
