"""The registry on a real PostgreSQL server (the production state store), end to end."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from catalog import RESOURCES, BatchStatus, Registry
from tests.pipelines.helpers import MEMBERS_HEADER, deliver, ingest, query

POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")
pytestmark = pytest.mark.skipif(not (POSTGRES_BIN / "initdb").exists(),
                                reason="PostgreSQL 15 server binaries are not installed")


def as_postgres(*command: str) -> None:
    """initdb and pg_ctl refuse to run as root: run them as the `postgres` system user."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def postgres_url():
    data = Path(tempfile.mkdtemp(prefix="hub-pg-"))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    as_postgres(str(POSTGRES_BIN / "initdb"), "-D", str(data / "db"), "-U", "hub", "-A", "trust")
    options = f"-k {data} -c listen_addresses='' -p 55432"
    as_postgres(str(POSTGRES_BIN / "pg_ctl"), "-D", str(data / "db"), "-o", options,
                "-l", str(data / "server.log"), "-w", "start")
    try:
        yield f"postgresql+psycopg://hub@/postgres?host={data}&port=55432"
    finally:
        as_postgres(str(POSTGRES_BIN / "pg_ctl"), "-D", str(data / "db"), "-m", "immediate", "stop")
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
def landing(tmp_path):
    path = tmp_path / "landing"
    path.mkdir()
    return path


def test_ingest_with_the_registry_on_postgresql(settings, postgres_url):
    settings.registry_url = postgres_url
    registry = Registry(postgres_url)
    registry.sync_declarations(list(RESOURCES.values()))
    assert registry.engine.dialect.name == "postgresql"
    rows = ["C1,11010519491231002X,张三,本人", "C2,bad,李四", "C3,11010519491231002X,王五,子"]
    deliver(settings, "mz.members", "20261101T020000.csv",
            ("\n".join([MEMBERS_HEADER, *rows]) + "\n").encode("gbk"))
    publication = ingest(settings, registry, "mz.members")
    batch, = registry.batches("mz.members")
    assert batch.status is BatchStatus.PUBLISHED
    assert (batch.rows_in, batch.rows_accepted, batch.rows_quarantined) == (3, 2, 1)
    assert batch.quarantine_by_rule == {"field_count": 1}
    assert publication.batch_ids == ["20261101T020000"]
    assert query(settings, "SELECT case_no FROM published.mz_members ORDER BY 1") == [
        ("C1",), ("C3",)]
    registry.dispose()


def test_the_migrations_build_exactly_the_models_on_postgresql(postgres_url):
    from catalog.schema import differences, ensure_schema, schemas, state

    registry = Registry(postgres_url)
    for schema in schemas():
        ensure_schema(registry.engine, schema)
        with registry.engine.connect() as connection:
            assert differences(connection, schema) == [], schema.name
        revision, head, _ = state(registry.engine, schema)
        assert revision == head
    registry.dispose()


def test_a_plain_postgresql_url_works_from_the_cli(postgres_url, tmp_path):
    """The README's `postgresql://…`: psycopg 3 is a main dependency and the URL maps to it."""
    from tests.cli import clean_env, hub

    plain = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    env = clean_env(home=tmp_path / "pg-home", registry_url=plain)
    made = hub("init", env=env)
    assert made.returncode == 0, made.stderr
    listed = hub("catalog", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    assert "ga.population" in listed.stdout
    assert not (tmp_path / "pg-home" / "registry.db").exists()
