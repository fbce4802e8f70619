"""Accuracy on generated noisy cities: precision and recall 1.0 per rule at (case_no, rule)
level against the generator's truth (namesake decoys, repairable typos, late rows …), through
the Dagster job and the CLI."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from catalog import RESOURCES, HubSettings, Registry, get_settings, open_registry
from catalog.analystdb import rebuild_analyst_db
from catalog.cli import main
from catalog.reviews import latest_run
from pipelines.crosscheck import run_crosscheck
from pipelines.crosscheck.score import read_flag_pairs, read_truth, score
from tests.conftest import make_settings, run_ingest, run_job

pytestmark = pytest.mark.slow


def _assert_perfect(flags: Path, truth: Path) -> None:
    scores = score(read_flag_pairs(flags), read_truth(truth))
    for s in scores:
        assert s.expected >= 1, s  # every rule is planted
        assert (s.rule, s.precision, s.recall) == (s.rule, 1.0, 1.0), s


def test_session_city_scores_one(ingested: HubSettings, noisy_city: Path, tmp_path: Path):
    """The shared noisy city (read-only): a private registry copy and analysts' database."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "lake").symlink_to(ingested.lake, target_is_directory=True)  # home-relative paths
    with sqlite3.connect(ingested.home / "registry.db") as src, \
            sqlite3.connect(home / "registry.db") as dst:
        src.backup(dst)  # consistent, WAL included
    settings = HubSettings(home=home, landing=ingested.landing_dir,
                           registry_url=f"sqlite:///{home / 'registry.db'}")
    registry = open_registry(settings)
    rebuild_analyst_db(settings, registry, list(RESOURCES.values()))
    result = run_crosscheck(settings, registry)
    _assert_perfect(Path(result.flags_path), noisy_city / "truth" / "crosscheck.csv")
    assert result.reference_month == "202610"


@pytest.fixture(scope="module")
def second_city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipelines.citygen import generate_city

    out = tmp_path_factory.mktemp("city2")
    generate_city(out, persons=4000, seed=29)
    return out


def test_another_seed_through_dagster_and_the_cli(second_city: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch):
    settings = make_settings(tmp_path / "home", second_city / "landing", monkeypatch)
    assert run_ingest(settings).success
    assert run_job(settings, "crosscheck").success
    done = latest_run(Registry(settings.registry_url))
    truth = second_city / "truth" / "crosscheck.csv"
    _assert_perfect(Path(done.flags_path), truth)

    cli = CliRunner()
    home = ["--home", str(settings.home)]
    scored = cli.invoke(main, [*home, "crosscheck", "score", "--truth", str(truth)])
    assert scored.exit_code == 0, scored.output
    assert scored.output.splitlines()[-1].split()[-2:] == ["1.000", "1.000"]
    get_settings.cache_clear()
    summary = cli.invoke(main, [*home, "summary"])
    assert f"Cross-check (社会救助数据比对) run {done.run_id}" in summary.output
    assert "e.g. " in summary.output
