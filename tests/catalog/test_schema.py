"""The registry's tables are versioned with Alembic (`catalog.schema`): a hub upgraded in place
keeps its registry, and never runs on tables it does not know."""

from __future__ import annotations

import multiprocessing
import re
import shutil
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from click.testing import CliRunner
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, select, text

from catalog import RESOURCES, BatchRecord, BatchStatus, Registry
from catalog.cli import main
from catalog.registry import SCHEMA
from catalog.schema import (
    BASELINE,
    Schema,
    SchemaMismatch,
    differences,
    ensure_schema,
    head,
    schemas,
    state,
    upgrade,
)


def _sqlite(path: Path):
    return create_engine(f"sqlite:///{path}")


def _registry_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'home' / 'registry.db'}"


def test_every_package_registers_its_schema():
    assert [s.name for s in schemas()] == ["catalog", "exchange", "policies"]


@pytest.mark.parametrize("schema", schemas(), ids=lambda s: s.name)
def test_the_migrations_build_exactly_the_models(schema, tmp_path):
    """A model changed without a revision fails here (Alembic's autogenerate comparison)."""
    engine = _sqlite(tmp_path / "r.db")
    ensure_schema(engine, schema)
    with engine.connect() as connection:
        assert differences(connection, schema) == []
    revision, head, populated = state(engine, schema)
    assert revision == head and populated


def _legacy_registry(path: Path):
    """A registry as hubs made it before the tables were versioned (the baseline's tables,
    no version table), with data."""
    engine = _sqlite(path)
    for schema in schemas():
        with engine.begin() as connection:
            command.upgrade(schema.config(connection), BASELINE)
            connection.execute(text(f"DROP TABLE {schema.version_table}"))
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO resources (code, name, provider_code, status, status_reason, "
            "declaration, updated_at) VALUES ('mz.members', '低保家庭成员', 'mz', 'PUBLISHED', "
            "'', '{}', '2026-11-01 00:00:00')"))
    return engine


def test_a_registry_from_before_versioning_is_refused_until_upgraded_and_keeps_its_rows(
        tmp_path, monkeypatch):
    (tmp_path / "home").mkdir()
    _legacy_registry(tmp_path / "home" / "registry.db")
    with pytest.raises(SchemaMismatch, match="without a version.*hub registry upgrade"):
        Registry(_registry_url(tmp_path))

    runner = CliRunner()
    result = runner.invoke(main, ["--home", str(tmp_path / "home"), "catalog", "list"])
    assert result.exit_code == 1 and "hub registry upgrade" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(main, ["--home", str(tmp_path / "home"), "registry", "upgrade"])
    assert result.exit_code == 0, result.output
    assert re.search(rf"^catalog +unversioned +{head(SCHEMA)} +upgraded$", result.output,
                     re.MULTILINE)
    result = runner.invoke(main, ["--home", str(tmp_path / "home"), "registry", "status"])
    assert result.output.count("current") == 3

    registry = Registry(_registry_url(tmp_path))
    with registry.engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM resources")).scalar() == "低保家庭成员"
    registry.dispose()


def test_a_legacy_registry_that_differs_from_the_baseline_is_refused_and_left_as_it_was(
        tmp_path):
    engine = _legacy_registry(tmp_path / "r.db")
    with engine.begin() as connection:  # a column no version of the hub ever had
        connection.execute(text("ALTER TABLE batches ADD COLUMN local_note TEXT"))
    with pytest.raises(SchemaMismatch, match="differ from revision 0001.*local_note"):
        upgrade(engine, SCHEMA)
    assert state(engine, SCHEMA)[0] is None  # the stamp was rolled back
    with pytest.raises(SchemaMismatch):
        Registry(f"sqlite:///{tmp_path / 'r.db'}")


# A package of its own with two revisions: the second adds a column, as a hub upgrade would.
_FIRST = '''
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade():
    op.create_table("samples", sa.Column("id", sa.Integer, primary_key=True))
'''
_SECOND = '''
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade():
    with op.batch_alter_table("samples") as batch:
        batch.add_column(sa.Column("label", sa.String(20), nullable=False, server_default="-"))
'''


def _sample_schema(tmp_path: Path) -> Schema:
    migrations = tmp_path / "migrations"
    (migrations / "versions").mkdir(parents=True)
    for name in ("env.py", "script.py.mako"):
        shutil.copy(Path(SCHEMA.migrations) / name, migrations / name)
    (migrations / "versions" / "0001_first.py").write_text(_FIRST)
    (migrations / "versions" / "0002_label.py").write_text(_SECOND)
    metadata = MetaData()
    Table("samples", metadata, Column("id", Integer, primary_key=True),
          Column("label", String(20), nullable=False, server_default="-"))
    return Schema("sample", migrations, lambda: metadata)


def test_an_outdated_registry_is_refused_then_upgraded_with_its_rows(tmp_path):
    schema = _sample_schema(tmp_path)
    engine = _sqlite(tmp_path / "r.db")
    with engine.begin() as connection:  # what an older hub left: revision 0001, one row
        command.upgrade(schema.config(connection), "0001")
        connection.execute(text("INSERT INTO samples (id) VALUES (7)"))
    with pytest.raises(SchemaMismatch, match="revision 0001; this hub needs revision 0002"):
        ensure_schema(engine, schema)

    upgrade(engine, schema)
    ensure_schema(engine, schema)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT id, label FROM samples")).all() == [(7, "-")]
        assert differences(connection, schema) == []


def test_a_registry_written_by_a_newer_hub_is_refused(tmp_path):
    engine = _sqlite(tmp_path / "r.db")
    ensure_schema(engine, SCHEMA)
    with engine.begin() as connection:
        connection.execute(text(f"UPDATE {SCHEMA.version_table} SET version_num = '0042'"))
    with pytest.raises(SchemaMismatch, match="revision 0042, which this hub does not know"):
        Registry(f"sqlite:///{tmp_path / 'r.db'}")


def _open(url: str) -> str:
    registry = Registry(url)
    registry.sync_declarations(list(RESOURCES.values()))
    registry.dispose()
    return "ok"


def test_processes_opening_one_new_registry_at_once_all_get_it(tmp_path):
    """The daemon, the web server and the API may start together on a new hub."""
    url = f"sqlite:///{tmp_path / 'r.db'}"
    # An executor, not multiprocessing.Pool: a Pool may respawn a worker while it is being
    # terminated and then wait for it forever (seen once in CI).
    with ProcessPoolExecutor(4, mp_context=multiprocessing.get_context("spawn")) as pool:
        assert list(pool.map(_open, [url] * 4, timeout=600)) == ["ok"] * 4
    assert state(_sqlite(tmp_path / "r.db"), SCHEMA)[0] == head(SCHEMA)


def test_the_registry_works_on_the_migrated_tables(tmp_path):
    registry = Registry(f"sqlite:///{tmp_path / 'r.db'}")
    registry.sync_declarations(list(RESOURCES.values()))
    with registry.session() as s:
        s.add(BatchRecord(resource_code="mz.members", batch_id="20261101T020000", files=["a.csv"],
                          sha256="0" * 64, size_bytes=1, delivered_at=datetime.now(UTC),
                          status=BatchStatus.RAW, reason="", rows_in=1, blank_lines=0,
                          ingested_at=datetime.now(UTC)))
    (batch,) = registry.batches("mz.members")
    assert batch.status is BatchStatus.RAW and batch.rows_accepted == 0
    with registry.engine.connect() as connection:
        versions = connection.execute(select(Table(
            SCHEMA.version_table, MetaData(), Column("version_num", String(32))))).all()
    assert versions == [(head(SCHEMA),)]
    registry.dispose()


def test_a_developer_writes_the_next_revision_from_the_models(tmp_path, monkeypatch):
    """`hub registry revision` renders what the models add beyond the newest revision."""
    schema = _sample_schema(tmp_path)
    schema.models().tables["samples"].append_column(Column("district", String(6)))
    engine = create_engine(_registry_url(tmp_path))
    (tmp_path / "home").mkdir()
    with engine.begin() as connection:
        command.upgrade(schema.config(connection), "head")
    monkeypatch.setattr("catalog.cli.schemas", lambda: [schema])
    runner = CliRunner()
    args = ["--home", str(tmp_path / "home"), "registry", "revision", "sample", "-m", "district"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    (written,) = (tmp_path / "migrations" / "versions").glob("0003_district.py")
    assert "add_column(sa.Column('district'" in written.read_text()
    assert "down_revision: str | Sequence[str] | None = '0002'" in written.read_text()
    assert runner.invoke(main, [*args[:4], "nothing", "-m", "x"]).exit_code == 2
