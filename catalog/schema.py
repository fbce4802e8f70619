"""The registry's tables, versioned with Alembic: a hub upgraded in place keeps its registry.

Each package that keeps tables in the registry (the catalog, the policies, the exchange) has its
own Alembic script directory (`<package>/migrations/`) and its own version table
(`alembic_version_<name>`), so no package imports another's models. They are found through the
`hub.schemas` entry points.

Opening a registry brings an empty database to the newest revision and accepts one already
there; anything else is refused with what to do (`SchemaMismatch`), never half-used: a registry
written by an older hub is upgraded with `hub registry upgrade` (back it up first), one written
by a newer hub is not touched. A registry created before the tables were versioned is
recognised by its tables, stamped with the baseline revision, upgraded, and then compared with
the models: any difference is refused and rolled back.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, inspect, text

from catalog.i18n import _

__all__ = ["BASELINE", "Schema", "SchemaMismatch", "differences", "ensure_schema", "head",
           "next_revision", "run_env", "schemas", "state", "upgrade"]

BASELINE = "0001"  # every package's first revision: its tables as they were when versioned
_LOCK_KEY = 0x6875625F736368  # PostgreSQL advisory lock of schema changes ("hub_sch")


class SchemaMismatch(RuntimeError):
    """The registry's tables are not the ones this hub's code expects."""


@dataclass(frozen=True)
class Schema:
    """One package's tables in the registry."""

    name: str
    migrations: Path  # the package's Alembic script directory
    models: Callable[[], MetaData]  # imports the package's models; their metadata

    @property
    def version_table(self) -> str:
        return f"alembic_version_{self.name}"

    def config(self, connection: Connection | None = None) -> Config:
        config = Config()
        config.set_main_option("script_location", str(self.migrations))
        config.attributes.update(schema=self, connection=connection)
        return config


@functools.cache
def _script(migrations: Path) -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(migrations))
    return ScriptDirectory.from_config(config)


def head(schema: Schema) -> str:
    return _script(schema.migrations).get_current_head() or ""


def next_revision(schema: Schema) -> str:
    """Revisions are numbered 0001, 0002, … so messages and file names read in order."""
    return f"{int(head(schema) or 0) + 1:04d}"


def _revision(connection: Connection, schema: Schema) -> str | None:
    context = MigrationContext.configure(connection,
                                         opts={"version_table": schema.version_table})
    return context.get_current_revision()


def _tables(connection: Connection, schema: Schema) -> set[str]:
    return set(inspect(connection).get_table_names()) & set(schema.models().tables)


def state(engine: Engine, schema: Schema) -> tuple[str | None, str, bool]:
    """(the registry's revision, the code's, whether the registry holds any of its tables)."""
    with engine.connect() as connection:
        return _revision(connection, schema), head(schema), bool(_tables(connection, schema))


_CURRENT: dict[str, weakref.WeakSet[Engine]] = {}


def ensure_schema(engine: Engine, schema: Schema) -> None:
    """Make an empty registry current; accept a current one; refuse the rest (module doc)."""
    known = _CURRENT.setdefault(schema.name, weakref.WeakSet())
    if engine in known:
        return
    revision, newest, _populated = state(engine, schema)
    if revision is None:
        # Read again under the lock: another process opening the same new registry may be
        # making it right now, and the two reads of `state` are not one snapshot (its version
        # read before that process committed, its tables after).
        with _locked(engine) as connection:
            if _revision(connection, schema) is None and not _tables(connection, schema):
                command.upgrade(schema.config(connection), "head")
            revision = _revision(connection, schema)
    if revision != newest:
        raise SchemaMismatch(_mismatch(engine, schema, revision, newest))
    known.add(engine)


def _mismatch(engine: Engine, schema: Schema, revision: str | None, newest: str) -> str:
    values = {"where": engine.url.render_as_string(hide_password=True), "package": schema.name,
              "revision": revision, "newest": newest}
    if revision is None:
        return _("the registry {where} holds {package} tables without a version (made before the "
                 "tables were versioned); this hub needs revision {newest}: back the registry "
                 "up, then run `hub registry upgrade`", **values)
    if revision not in {r.revision for r in _script(schema.migrations).walk_revisions()}:
        return _("the registry {where} holds {package} tables at revision {revision}, which this "
                 "hub does not know (it expects {newest}): it was written by a newer hub; run "
                 "that version, or restore a backup made before it", **values)
    return _("the registry {where} holds {package} tables at revision {revision}; this hub "
             "needs revision {newest}: back the registry up, then run `hub registry upgrade`",
             **values)


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    """One transaction holding the registry's schema lock, so one process at a time changes
    the tables and DDL is rolled back with the rest: SQLite's write lock taken at BEGIN
    (Python's driver would otherwise run DDL outside any transaction), PostgreSQL's advisory
    lock (its DDL is transactional)."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        try:
            yield connection
        except BaseException:
            connection.rollback()
            raise
        connection.commit()


def upgrade(engine: Engine, schema: Schema) -> None:
    """Upgrade the registry's tables to the newest revision, in one transaction. Unversioned
    tables are stamped with the baseline first, and the result must then match the models,
    or nothing is changed."""
    with _locked(engine) as connection:
        config = schema.config(connection)
        legacy = _revision(connection, schema) is None and bool(_tables(connection, schema))
        if legacy:
            command.stamp(config, BASELINE)
        command.upgrade(config, "head")
        found = differences(connection, schema) if legacy else []
        if found:  # raised inside the transaction, so the stamp is rolled back
            raise SchemaMismatch(_(
                "the {package} tables of this registry differ from revision {baseline}: "
                "{differences}", package=schema.name, baseline=BASELINE,
                differences="; ".join(found)))
    _CURRENT.pop(schema.name, None)


def _own_tables(schema: Schema) -> Callable[..., bool]:
    """Alembic's `include_name` filter: the registry also holds the other packages' tables and
    version tables, which are none of this package's business."""
    tables = set(schema.models().tables)
    return lambda name, kind, _parents: kind != "table" or name in tables


def differences(connection: Connection, schema: Schema) -> list[str]:
    """How this package's tables in the database differ from its models, as text."""
    context = MigrationContext.configure(connection, opts={
        "version_table": schema.version_table, "include_name": _own_tables(schema)})
    return [str(diff) for diff in compare_metadata(context, schema.models())]


def run_env() -> None:
    """The body of every package's `migrations/env.py`: run on the connection and with the
    version table that `Schema.config` passed in (Alembic's connection-sharing recipe)."""
    from alembic import context

    schema: Schema = context.config.attributes["schema"]
    connection: Connection = context.config.attributes["connection"]
    context.configure(connection=connection, target_metadata=schema.models(),
                      version_table=schema.version_table, include_name=_own_tables(schema),
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def schemas() -> list[Schema]:
    """Every package's schema (the `hub.schemas` entry points), the catalog's first: the
    others' tables refer to it."""
    found = [ep.load() for ep in entry_points(group="hub.schemas")]
    return sorted(found, key=lambda s: (s.name != "catalog", s.name))
