"""Shared fixtures: settings in tmp_path, one generated noisy city per session, one ingest."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

# Tests open the registry as the hub does (`catalog.open_registry`); many import it from here.
from catalog import HubSettings, get_settings, open_registry  # noqa: F401

CITY_PERSONS = 3000
CITY_SEED = 11


def make_settings(home: Path, landing: Path, monkeypatch: pytest.MonkeyPatch) -> HubSettings:
    """Settings for a test hub; the environment is set too, so Dagster resources see it."""
    monkeypatch.setenv("HUB_HOME", str(home))
    monkeypatch.setenv("HUB_LANDING", str(landing))
    monkeypatch.setenv("HUB_DUCKDB_MEMORY_LIMIT", "2GB")
    get_settings.cache_clear()
    settings = get_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    return settings


def run_ingest(selection: list[dg.AssetKey] | None = None) -> dg.ExecuteInProcessResult:
    """The `ingest_all` job in process, on an ephemeral Dagster instance."""
    from pipelines.definitions import defs

    job = defs.resolve_job_def("ingest_all")
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    return job.execute_in_process(instance=dg.DagsterInstance.ephemeral(),
                                  asset_selection=selection, run_config=quiet)


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
    home = tmp_path_factory.mktemp("ingested")
    with pytest.MonkeyPatch.context() as mp:
        settings = make_settings(home, noisy_city / "landing", mp)
        result = run_ingest()
        assert result.success
    get_settings.cache_clear()
    return settings

