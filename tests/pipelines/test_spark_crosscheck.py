"""Issue 19: the social-assistance cross-check on Spark local[2] raises exactly what DuckDB does.

The noisy city, ingested and published once (`ingested`), is copied twice; the cross-check runs
on each copy, once on DuckDB and once with the Spark engine (the same SQL, through
`pipelines.spark_connection`), under the same run id. Flags (evidence included) and linkage
issues are compared as row sets; every statement sent to Spark parses on Spark and calls only
functions of the dialect's table. A last test runs the cross-check job through Dagster with
`HUB_ENGINE=spark`.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import duckdb
import pytest

from catalog import HubSettings
from catalog.sqlspark import SPARK_FUNCTIONS
from catalog.sqltext import sql_str
from pipelines.crosscheck import run_crosscheck
from tests.conftest import hub_settings, open_registry, run_job

pytestmark = [pytest.mark.spark, pytest.mark.timeout(1800)]

RUN_ID = "20260101T000000-parity00"


def _copy(ingested: HubSettings, target: Path, **values) -> HubSettings:
    shutil.copytree(ingested.home, target)
    return hub_settings(target, ingested.landing, **values)


@pytest.fixture(scope="module")
def crosschecked(ingested: HubSettings, tmp_path_factory: pytest.TempPathFactory, spark_engine):
    """The cross-check of the same published city on both engines: {engine: (result,
    seconds)}, and the statements sent to Spark."""
    root = tmp_path_factory.mktemp("spark_crosscheck")
    out, first = {}, len(spark_engine.emitted)
    for name, engine in (("duckdb", None), ("spark", spark_engine)):
        settings = _copy(ingested, root / name)
        started = time.perf_counter()
        result = run_crosscheck(settings, open_registry(settings), RUN_ID, engine=engine)
        out[name] = (result, time.perf_counter() - started)
    print(f"\ncross-check seconds: duckdb {out['duckdb'][1]:.1f}, "
          f"spark local[2] {out['spark'][1]:.1f}")
    return out, spark_engine.emitted[first:]


def _rows(path: str) -> list[tuple]:
    con = duckdb.connect()
    return [tuple(r) for r in con.execute(
        f"SELECT * FROM read_parquet({sql_str(path)}) ORDER BY ALL").fetchall()]


def _differences(one: list[tuple], two: list[tuple]) -> tuple[list, list]:
    a, b = set(one), set(two)
    return sorted(a - b)[:5], sorted(b - a)[:5]


def test_the_flags_are_identical_with_their_evidence(crosschecked):
    runs, _ = crosschecked
    duck, spark = runs["duckdb"][0], runs["spark"][0]
    ours, theirs = _rows(duck.flags_path), _rows(spark.flags_path)
    assert len(ours) == len(theirs) == duck.rows > 0
    assert ours == theirs, _differences(ours, theirs)
    assert (spark.raised, spark.suppressed, spark.reference_month, spark.salvaged) == (
        duck.raised, duck.suppressed, duck.reference_month, duck.salvaged)
    # the evidence is the JSON list both wrote, record by record
    evidence = [json.loads(row[9]) for row in ours]
    assert all(e and {"resource", "key", "detail"} <= set(e[0]) for e in evidence)
    assert len(duck.raised) >= 5, duck.raised  # most rules raise something in the noisy city


def test_the_linkage_issues_are_identical(crosschecked):
    runs, _ = crosschecked
    duck, spark = runs["duckdb"][0], runs["spark"][0]
    ours, theirs = _rows(duck.issues_path), _rows(spark.issues_path)
    assert ours, "the noisy city has unlinked records"
    assert ours == theirs, _differences(ours, theirs)
    assert spark.unlinked == duck.unlinked


def test_every_statement_parses_on_spark_and_uses_the_dialects_functions(crosschecked,
                                                                        spark_engine):
    """Read by Spark's own parser: every function it finds is in the dialect's table."""
    _, emitted = crosschecked
    assert emitted
    seen: set[str] = set()
    for statement in emitted:
        called = spark_engine.parsed_functions(statement)
        assert called <= SPARK_FUNCTIONS, (called - SPARK_FUNCTIONS, statement[:200])
        seen |= called
    assert {"ARRAY_SORT", "COLLECT_SET", "TO_JSON"} <= seen, seen


def test_the_crosscheck_job_runs_on_spark_through_dagster(crosschecked, ingested, tmp_path,
                                                          spark_engine):
    """`HUB_ENGINE=spark` reaches the cross-check through the `engine` resource (the
    `crosscheck` job, as `hub crosscheck run` starts it); it raises the DuckDB run's flags."""
    runs, _ = crosschecked
    settings = _copy(ingested, tmp_path / "home", engine="spark")
    assert run_job(settings, "crosscheck").success
    from catalog.reviews import latest_run

    done = latest_run(open_registry(settings))
    duck = runs["duckdb"][0]
    assert (done.raised, done.unlinked) == (duck.raised, duck.unlinked)
    drop_run = "* EXCLUDE (_batch_id, run_id)"
    con = duckdb.connect()
    ours = con.execute(f"SELECT {drop_run} FROM read_parquet({sql_str(duck.flags_path)}) "
                       f"ORDER BY ALL").fetchall()
    theirs = con.execute(f"SELECT {drop_run} FROM read_parquet({sql_str(done.flags_path)}) "
                         f"ORDER BY ALL").fetchall()
    assert ours == theirs
