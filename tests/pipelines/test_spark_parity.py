"""Issue 19: the standardisation on Spark local[2] accepts and quarantines exactly what DuckDB does.

Every raw batch of every resource of the noisy generated city is standardised by the hub's
DuckDB path (`standardise_batch`) and by its Spark path (`spark_standardise_batch`, the same
sqlglot expressions generated in the hub's Spark dialect); accepted rows and the quarantine
(rule by rule, original record included) are compared as row sets, and so are the pass counts
the quality gate reads. Every statement sent to Spark parses on Spark and calls only functions
of the dialect's table. A last test runs one resource's family through Dagster with
`HUB_ENGINE=spark` and compares it with the DuckDB ingest of the same city.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from catalog import RESOURCES, delivered_resources
from catalog.lake import PASS_COUNTS, connect
from catalog.sqlfunctions import register_fallbacks, unregister_functions
from catalog.sqltext import ident, sql_str
from pipelines.assets import LAYERS, layer_key
from pipelines.ingest import ingest_raw
from pipelines.ingest.spark_standardise import decode_batch, spark_standardise_batch
from pipelines.ingest.standardise import standardise_batch
from tests.conftest import (
    hub_settings,
    open_registry,
    row_differences,
    run_ingest,
    spark_functions_called,
)

pytestmark = [pytest.mark.spark, pytest.mark.timeout(3600)]  # one fixture runs every batch


@pytest.fixture(scope="module")
def compared(noisy_city: Path, tmp_path_factory: pytest.TempPathFactory, spark_engine):
    """Every raw batch of the city standardised on both engines: (resource, batch id,
    results and directories of DuckDB, then of Spark)."""
    root = tmp_path_factory.mktemp("spark_parity")
    settings = hub_settings(root / "home", noisy_city / "landing")
    registry = open_registry(settings)
    first = len(spark_engine.emitted)
    pairs = []
    for resource in delivered_resources():
        ingest_raw(settings, registry, resource)
        for batch in registry.batches(resource.code):
            if not batch.raw_path:
                continue
            out = root / resource.table / batch.batch_id
            duck, spark = out / "duckdb", out / "spark"
            duck.mkdir(parents=True)
            spark.mkdir()
            with connect(settings) as con:
                register_fallbacks(con)
                try:
                    ours = standardise_batch(con, resource, Path(batch.raw_path), duck,
                                             batch.layout)
                finally:
                    unregister_functions(con)
                decoded = decode_batch(con, resource, Path(batch.raw_path),
                                       out / "decoded.parquet", batch.layout)
            theirs = spark_standardise_batch(spark_engine, resource, decoded, spark)
            pairs.append((resource, batch.batch_id, ours, duck, theirs, spark))
    return pairs, spark_engine.emitted[first:]


def _columns(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    return [r[0] for r in con.execute(
        f"DESCRIBE SELECT * FROM read_parquet({sql_str(str(path))})").fetchall()]


def _differences(con: duckdb.DuckDBPyConnection, one: Path, two: Path) -> list[tuple]:
    """Rows in one file and not the other (each way, duplicates counted), at most five each."""
    cols = ", ".join(ident(c) for c in _columns(con, one))
    a = f"SELECT {cols} FROM read_parquet({sql_str(str(one))})"
    b = f"SELECT {cols} FROM read_parquet({sql_str(str(two))})"
    return row_differences(con, a, b)


def test_every_resource_is_compared(compared):
    pairs, _ = compared
    assert {r.code for r, *_ in pairs} == {r.code for r in delivered_resources()}
    assert sum(ours.quarantined for _, _, ours, *_ in pairs) > 0


@pytest.mark.parametrize("name", ["accepted.parquet", "quarantine.parquet"])
def test_rows_are_identical(compared, name):
    pairs, _ = compared
    con = duckdb.connect()
    for resource, batch_id, _, duck, _, spark in pairs:
        assert _columns(con, spark / name) == _columns(con, duck / name), resource.code
        diff = _differences(con, duck / name, spark / name)
        assert diff == [], (resource.code, batch_id, diff)


def test_counts_and_rules_are_identical(compared):
    pairs, _ = compared
    for resource, batch_id, ours, duck, theirs, spark in pairs:
        assert (theirs.rows_in, theirs.accepted, theirs.quarantined, theirs.by_rule) == (
            ours.rows_in, ours.accepted, ours.quarantined, ours.by_rule), (resource.code, batch_id)
        assert json.loads((spark / PASS_COUNTS).read_text()) == json.loads(
            (duck / PASS_COUNTS).read_text()), (resource.code, batch_id)


def test_every_statement_parses_on_spark_and_uses_the_dialects_functions(compared,
                                                                        spark_engine):
    """Read by Spark's own parser: every function it finds is in the dialect's table."""
    _, emitted = compared
    seen = spark_functions_called(spark_engine, emitted)
    assert {"TRY_ELEMENT_AT", "SIZE", "ROW_NUMBER"} <= seen, seen


def test_the_standardised_step_runs_on_spark_through_dagster(noisy_city, ingested,
                                                             tmp_path, spark_engine):
    """`HUB_ENGINE=spark` reaches the step through the `engine` resource (one resource's
    family, through Dagster); its batches are those of the DuckDB ingest of the same city."""
    resource = RESOURCES["ga.population"]
    settings = hub_settings(tmp_path / "home", noisy_city / "landing", engine="spark")
    assert run_ingest(settings, [layer_key(layer, resource) for layer in LAYERS]).success
    duck = {b.batch_id: b for b in open_registry(ingested).batches(resource.code)}
    batches = open_registry(settings).batches(resource.code)
    assert batches
    con = duckdb.connect()
    for batch in batches:
        twin = duck[batch.batch_id]
        assert (batch.status, batch.rows_accepted, batch.quarantine_by_rule) == (
            twin.status, twin.rows_accepted, twin.quarantine_by_rule), batch.batch_id
        for name in ("accepted.parquet", "quarantine.parquet"):
            diff = _differences(con, Path(twin.accepted_path).parent / name,
                                Path(batch.accepted_path).parent / name)
            assert diff == [], (batch.batch_id, name, diff)
