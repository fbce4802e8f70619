"""A noisy generated city, ingested through Dagster with the asset checks and the gate: its
problems show in the catalog's scores, the Data Docs and the departments' feedback files; a
blocking failure keeps the previous version current."""

from __future__ import annotations

import csv
import json

import dagster as dg
import pytest
from click.testing import CliRunner

import catalog.cli
from catalog import BatchStatus, delivered_resources, resource
from catalog.directory import describe
from catalog.quality_scores import score_history
from quality import data_docs_index
from quality.cli import register
from quality.feedback import ACCEPTED, HEADER, QUARANTINED, feedback_path
from quality.service import current_files
from tests.conftest import open_registry, run_ingest
from tests.pipelines.helpers import query

pytestmark = pytest.mark.slow


def test_every_published_resource_was_checked_and_scored(ingested):
    registry = open_registry(ingested)
    for declared in delivered_resources():
        scored = {s.dimension for s in score_history(registry, declared.code) if not s.item}
        assert {"validity", "uniqueness", "timeliness"} <= scored, declared.code


def test_noisy_population_shows_its_problems_in_the_catalog(ingested):
    entry = describe(open_registry(ingested), resource("ga.population"))
    quality = entry["hub"]["quality"]
    assert quality["version"] == entry["hub"]["current_version"]
    for dimension in ("validity", "consistency", "uniqueness"):
        assert 0.9 < quality["scores"][dimension] < 1.0, dimension
    assert quality["items"]["id_number"]["validity"] < 1.0
    assert quality["items"]["gender"]["consistency"] < 1.0
    assert quality["items"]["district_code"]["validity"] < 1.0


def test_data_docs_show_each_resource(ingested):
    index = data_docs_index(ingested)
    html = index.read_text(encoding="utf-8")
    for declared in delivered_resources():
        assert declared.code in html
    pages = list((index.parent / "validations").rglob("*.html"))
    assert len(pages) >= len(delivered_resources())


def test_feedback_file_lists_every_problem_record_of_the_batch(ingested):
    registry = open_registry(ingested)
    population = resource("ga.population")
    (batch,), _files = current_files(registry, population)
    path = feedback_path(ingested, population, batch.batch_id)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == [str(column) for column in HEADER]  # in the hub's language (English here)
    lines = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert sum(1 for line in lines if line["outcome"] == QUARANTINED) == batch.rows_quarantined
    scores = {(s.item, s.dimension): s for s in score_history(registry, population.code)
              if s.run_id == describe(registry, population)["hub"]["quality"]["run_id"]}
    invalid = [line for line in lines if line["rule"] == "id_valid"]
    assert len(invalid) == scores[("id_number", "validity")].failed > 0
    assert all(line["outcome"] == ACCEPTED and line["key"].startswith("id_number=")
               and line["original value"] and line["data item name"] == "公民身份号码"
               for line in invalid)
    quarantined_ids = {r[0] for r in query(
        ingested, "SELECT _record_no FROM quarantine.ga_population WHERE _batch_id = ?",
        [batch.batch_id])}
    assert {int(line["line"]) for line in lines if line["outcome"] == QUARANTINED} == quarantined_ids


def test_cli_scores_and_feedback(ingested, monkeypatch):
    monkeypatch.setenv("HUB_HOME", str(ingested.home))
    register(catalog.cli.main)  # what the `hub.cli` entry point does for the installed `hub`
    runner = CliRunner()
    result = runner.invoke(catalog.cli.main, ["quality", "scores", "ga.population"])
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.output)["scores"]) == {
        "accuracy", "completeness", "consistency", "timeliness", "uniqueness", "validity"}
    result = runner.invoke(catalog.cli.main, ["quality", "feedback", "--department", "ga"])
    assert result.exit_code == 0
    assert "ga.population-" in result.output and "problem records" in result.output
    result = runner.invoke(catalog.cli.main, ["quality", "scores", "no.such"])
    assert result.exit_code != 0


def test_blocking_failure_keeps_the_previous_version_current(settings):
    population = resource("ga.population")
    keys = [["raw", population.table], ["standardised", population.table],
            ["published", population.table]]
    selection = [dg.AssetKey(k) for k in keys]
    assert run_ingest(settings, selection).success
    registry = open_registry(settings)
    before = registry.current_publication(population.code)
    source = max((settings.landing_dir / population.code).glob("*.csv"))
    lines = source.read_bytes().split(b"\n")
    truncated = b"\n".join(lines[: len(lines) // 10]) + b"\n"
    (settings.landing_dir / population.code / "20261201T020000.csv").write_bytes(truncated)

    result = run_ingest(settings, selection)

    after = registry.current_publication(population.code)
    assert (after.version, after.batch_ids) == (before.version, before.batch_ids)
    batch = {b.batch_id: b for b in registry.batches(population.code)}["20261201T020000"]
    assert batch.status is BatchStatus.REJECTED
    assert batch.reason.startswith("quality gate: row_count_floor failed for 1 of 1")
    assert query(settings, "SELECT DISTINCT _batch_id FROM published.ga_population") == [
        (before.batch_ids[0],)]
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {"blocking_rules": True, "quality_warnings": False,
                      "undeclared_personal_data": True}
