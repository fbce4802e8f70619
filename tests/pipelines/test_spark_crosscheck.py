"""Issue 19: the social-assistance cross-check on Spark local[2] raises exactly what DuckDB does.

The noisy city, ingested and published once (`ingested`), is copied twice; the cross-check runs
on each copy: on DuckDB, and through Dagster (the `crosscheck` job) with `HUB_ENGINE=spark`,
where the same SQL runs on Spark (`pipelines.spark_connection`). Flags (evidence included) and
linkage issues are compared as row sets; every statement sent to Spark parses on Spark and
calls only functions of the dialect's table. One Spark run serves every test (a cross-check
takes minutes on a loaded 2-core machine).
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import duckdb
import pytest

from catalog import HubSettings
from catalog.reviews import latest_run
from catalog.sqltext import sql_str
from pipelines import engine_resource
from pipelines.crosscheck import run_crosscheck
from tests.conftest import hub_settings, open_registry, run_job, spark_functions_called

pytestmark = [pytest.mark.spark, pytest.mark.timeout(1800)]

RUN_ID = "20260101T000000-parity00"
_NOT_RUN = "* EXCLUDE (_batch_id, run_id)"  # the run's own id differs


def _copy(ingested: HubSettings, target: Path, **values) -> HubSettings:
    shutil.copytree(ingested.home, target)
    return hub_settings(target, ingested.landing, **values)


@pytest.fixture(scope="module")
def crosschecked(ingested: HubSettings, tmp_path_factory: pytest.TempPathFactory, spark_engine):
    """The cross-check of the same published city on DuckDB (in process) and on Spark through
    the door: the `crosscheck` Dagster job (as `hub crosscheck run` starts it) with
    `HUB_ENGINE=spark`, its engine resource handed the session's engine so the statements it
    sends are kept. Returns (DuckDB result, the Spark run's record, seconds each, statements)."""
    root = tmp_path_factory.mktemp("spark_crosscheck")
    first = len(spark_engine.emitted)
    settings = _copy(ingested, root / "duckdb")
    started = time.perf_counter()
    duck = run_crosscheck(settings, open_registry(settings), RUN_ID)
    seconds = {"duckdb": time.perf_counter() - started}
    settings = _copy(ingested, root / "spark", engine="spark")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine_resource, "spark_engine_for", lambda engine, master: spark_engine)
        started = time.perf_counter()
        assert run_job(settings, "crosscheck").success
        seconds["spark"] = time.perf_counter() - started
    spark = latest_run(open_registry(settings))
    print(f"\ncross-check seconds: duckdb {seconds['duckdb']:.1f}, "
          f"spark local[2] through Dagster {seconds['spark']:.1f}")
    return duck, spark, seconds, spark_engine.emitted[first:]


def _rows(path: str) -> list[tuple]:
    con = duckdb.connect()
    return [tuple(r) for r in con.execute(
        f"SELECT {_NOT_RUN} FROM read_parquet({sql_str(path)}) ORDER BY ALL").fetchall()]


def _differences(one: list[tuple], two: list[tuple]) -> tuple[list, list]:
    a, b = set(one), set(two)
    return sorted(a - b)[:5], sorted(b - a)[:5]


def test_the_spark_run_went_through_the_engine(crosschecked):
    *_, emitted = crosschecked
    assert any("hub__published__ga_population" in s for s in emitted)


def test_the_flags_are_identical_with_their_evidence(crosschecked):
    duck, spark, *_ = crosschecked
    ours, theirs = _rows(duck.flags_path), _rows(spark.flags_path)
    assert len(ours) == len(theirs) == duck.rows > 0
    assert ours == theirs, _differences(ours, theirs)
    assert (spark.raised, spark.suppressed, spark.reference_month, spark.inputs) == (
        duck.raised, duck.suppressed, duck.reference_month, duck.inputs)
    # the evidence is the JSON list both wrote, record by record
    evidence = [json.loads(row[8]) for row in ours]
    assert all(e and {"resource", "key", "detail"} <= set(e[0]) for e in evidence)
    assert len(duck.raised) >= 5, duck.raised  # most rules raise something in the noisy city


def test_the_linkage_issues_are_identical(crosschecked):
    duck, spark, *_ = crosschecked
    con = duckdb.connect()
    ours, theirs = (con.execute(f"SELECT * EXCLUDE (run_id) FROM read_parquet({sql_str(p)}) "
                                f"ORDER BY ALL").fetchall()
                    for p in (duck.issues_path, spark.issues_path))
    assert ours, "the noisy city has unlinked records"
    assert ours == theirs, _differences(ours, theirs)
    assert spark.unlinked == duck.unlinked


def test_every_statement_parses_on_spark_and_uses_the_dialects_functions(crosschecked,
                                                                        spark_engine):
    """Read by Spark's own parser: every function it finds is in the dialect's table."""
    *_, emitted = crosschecked
    seen = spark_functions_called(spark_engine, emitted)
    assert {"ARRAY_SORT", "ARRAY_DISTINCT", "TO_JSON"} <= seen, seen
