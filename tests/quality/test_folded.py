"""Issue 18: the quality gate judged from the standardisation pass's counts agrees with Great
Expectations validating the accepted file, check by check, passing and failing."""

from __future__ import annotations

import shutil
from dataclasses import astuple, replace
from pathlib import Path

import pytest

from catalog import delivered_resources, resource
from catalog.lake import PASS_COUNTS, connect
from catalog.sqltext import sql_str
from pipelines.ingest import ingest_raw, standardise
from pipelines.ingest.standardise import _pass_counts
from quality.folded import folded_outcome
from quality.runner import validate_files
from quality.suites import build_suite
from tests.conftest import hub_settings, open_registry

pytestmark = pytest.mark.slow


def _verdicts(outcome) -> list[tuple]:
    """What the gate reads of each check (GX's samples aside)."""
    return [astuple(replace(c, samples=[], rows=[], error=None)) for c in outcome.checks]


@pytest.fixture(scope="module")
def city(noisy_city: Path, tmp_path_factory: pytest.TempPathFactory):
    settings = hub_settings(tmp_path_factory.mktemp("folded"), noisy_city / "landing")
    registry = open_registry(settings)
    for res in delivered_resources():
        ingest_raw(settings, registry, res)
        standardise(settings, registry, res)
    return settings, registry


def test_every_batch_of_the_city_gets_the_verdicts_gx_gives(city):
    settings, registry = city
    judged = 0
    for res in delivered_resources():
        for batch in registry.batches(res.code):
            if not batch.accepted_path:
                continue
            accepted = Path(batch.accepted_path)
            # No floor, a floor it passes, and one it fails (a snapshot shrunk below half).
            for current in (None, batch.rows_accepted, 10 * batch.rows_accepted):
                suite = build_suite(res, blocking_only=True, current_rows=current)
                folded = folded_outcome(res, suite, accepted)
                assert folded is not None, (res.code, batch.batch_id)
                expected = validate_files(settings, res, suite, [accepted])
                assert _verdicts(folded) == _verdicts(expected), (res.code, batch.batch_id)
                assert folded.rows == expected.rows
                judged += 1
    assert judged >= 3 * len(delivered_resources())


def test_failing_keys_and_missing_values_get_the_verdicts_gx_gives(city, tmp_path):
    """Rows the pass would never accept (a repeated key, a required name missing in 5 %)."""
    settings, registry = city
    members = resource("mz.members")
    batch = next(b for b in registry.batches(members.code) if b.accepted_path)
    bad = tmp_path / "accepted.parquet"
    source = f"read_parquet({sql_str(batch.accepted_path)})"
    with connect(settings) as con:
        con.execute(
            "CREATE TEMP TABLE std AS SELECT * EXCLUDE (member_name), CASE WHEN _record_no % 20 = 0 "
            f"THEN NULL ELSE member_name END AS member_name, []::VARCHAR[] AS _rules FROM "
            f"(SELECT * FROM {source} UNION ALL (SELECT * FROM {source} LIMIT 3))")
        con.execute(f"COPY (SELECT * EXCLUDE (_rules) FROM std) TO {sql_str(str(bad))} "
                    "(FORMAT parquet)")
        (tmp_path / PASS_COUNTS).write_text(__import__("json").dumps(_pass_counts(con, members)))
    suite = build_suite(members, blocking_only=True, current_rows=batch.rows_accepted)
    folded = folded_outcome(members, suite, bad)
    expected = validate_files(settings, members, suite, [bad])
    assert {c.rule for c in expected.blocking_failures} == {"key_unique", "required_present"}
    assert _verdicts(folded) == _verdicts(expected)


def test_without_counts_the_gate_asks_gx(city, tmp_path):
    _, registry = city
    res = resource("mz.members")
    batch = next(b for b in registry.batches(res.code) if b.accepted_path)
    copy = tmp_path / "accepted.parquet"
    shutil.copy(batch.accepted_path, copy)
    assert folded_outcome(res, build_suite(res, blocking_only=True), copy) is None
