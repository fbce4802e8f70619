"""Shared fixtures: settings in tmp_path, one generated noisy city per session, one ingest."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg
import pytest

# Tests open the registry as the hub does (`catalog.open_registry`); many import it from here.
from catalog import HubSettings, get_settings, open_registry  # noqa: F401

# The hub speaks Chinese unless told otherwise (catalog.i18n). The suite's tests read its English
# text, so every process the suite runs or starts is told English; the tests of the language
# itself choose theirs explicitly (tests/test_i18n.py, the browser's screenshots).
os.environ["HUB_LANGUAGE"] = "en"

CITY_PERSONS = 3000
CITY_SEED = 11


def hub_settings(home: Path, landing: Path, **values) -> HubSettings:
    """Settings for a test hub, passed to what needs them (Dagster gets them as resources)."""
    settings = HubSettings(home=home, landing=landing, duckdb_memory_limit="2GB", **values)
    settings.home.mkdir(parents=True, exist_ok=True)
    return settings


def make_settings(home: Path, landing: Path, monkeypatch: pytest.MonkeyPatch) -> HubSettings:
    """`hub_settings`, also set in the environment for tests that drive the `hub` command in
    this process (its door reads `HUB_*`)."""
    monkeypatch.setenv("HUB_HOME", str(home))
    monkeypatch.setenv("HUB_LANDING", str(landing))
    monkeypatch.setenv("HUB_DUCKDB_MEMORY_LIMIT", "2GB")
    get_settings.cache_clear()
    settings = get_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    return settings


def run_job(settings: HubSettings, name: str, **kwargs) -> dg.ExecuteInProcessResult:
    """Job `name` of the definitions built with `settings`, in process, on an ephemeral
    Dagster instance (unless one is given)."""
    from pipelines.definitions import build_definitions

    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    kwargs.setdefault("instance", dg.DagsterInstance.ephemeral())
    kwargs.setdefault("run_config", quiet)
    return build_definitions(settings).resolve_job_def(name).execute_in_process(**kwargs)


def run_ingest(settings: HubSettings,
               selection: list[dg.AssetKey] | None = None) -> dg.ExecuteInProcessResult:
    """The `ingest_all` job in process, on an ephemeral Dagster instance."""
    return run_job(settings, "ingest_all", asset_selection=selection)


@pytest.fixture(scope="session")
def noisy_city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated city with every kind of noise (read-only: copy before changing it)."""
    from pipelines.citygen import generate_city

    out = tmp_path_factory.mktemp("city")
    generate_city(out, persons=CITY_PERSONS, seed=CITY_SEED)
    return out


@pytest.fixture
def landing(noisy_city: Path, tmp_path: Path) -> Path:
    """A private copy of the noisy city's landing directory."""
    target = tmp_path / "landing"
    shutil.copytree(noisy_city / "landing", target)
    return target


@pytest.fixture
def settings(tmp_path: Path, landing: Path, monkeypatch: pytest.MonkeyPatch) -> HubSettings:
    return make_settings(tmp_path / "home", landing, monkeypatch)


@pytest.fixture(scope="session")
def ingested(noisy_city: Path, tmp_path_factory: pytest.TempPathFactory) -> HubSettings:
    """The noisy city ingested once through Dagster, shared read-only by many tests."""
    settings = hub_settings(tmp_path_factory.mktemp("ingested"), noisy_city / "landing")
    assert run_ingest(settings).success
    return settings


def row_differences(con, one: str, two: str,
                    labels: tuple[str, str] = ("duckdb only", "spark only")) -> list[tuple]:
    """Rows of query `one` missing from query `two` and the other way (duplicates counted),
    at most five each way, each led by its label: [] when the two hold the same rows."""
    return (con.execute(f"SELECT '{labels[0]}', * FROM ({one} EXCEPT ALL {two}) LIMIT 5")
            .fetchall()
            + con.execute(f"SELECT '{labels[1]}', * FROM ({two} EXCEPT ALL {one}) LIMIT 5")
            .fetchall())


def table_differences(one, two) -> list[tuple]:
    """`row_differences` of two Arrow tables (DuckDB's first, Spark's second)."""
    import duckdb

    con = duckdb.connect()
    con.register("one", one)
    con.register("two", two)
    return row_differences(con, "SELECT * FROM one", "SELECT * FROM two")


def spark_functions_called(spark_engine, emitted: list[str]) -> set[str]:
    """Every statement a test sent Spark, read by Spark's own parser (it raises on one it
    cannot read): each calls only functions of the dialect's table. Returns the functions
    called, for a test to check its own were among them."""
    from catalog.sqlspark import SPARK_FUNCTIONS

    assert emitted
    seen: set[str] = set()
    for statement in emitted:
        called = spark_engine.parsed_functions(statement)
        assert called <= SPARK_FUNCTIONS, (called - SPARK_FUNCTIONS, statement[:200])
        seen |= called
    return seen


@pytest.fixture(scope="session")
def spark_engine():
    """One Spark `local[2]` session for the whole test session (tests marked `spark`), as
    the hub starts it (`pipelines.spark_engine.spark_session`)."""
    pytest.importorskip("pyspark")
    from pipelines.spark_engine import SparkEngine, spark_session

    return SparkEngine(spark_session("local[2]"))
