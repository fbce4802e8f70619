"""Issue 19: the quality conditions on Spark local[2] measure exactly what they measure on DuckDB.

Each resource's suite (built as `run_quality` builds it) validates the current published version
of the ingested noisy city twice: through GX's SQL engine on DuckDB (`validate_files`) and
through GX's Spark execution engine on a Spark DataFrame of the same rows (`validate_on_spark`,
the hub's SQL-only expectations in their Spark form). Per expectation: success, rows judged and
rows failing are identical.
"""

from __future__ import annotations

import pytest

from catalog import HubSettings, delivered_resources
from quality.gxspark import validate_on_spark
from quality.runner import validate_files
from quality.service import current_files, read_with
from quality.suites import build_suite
from tests.conftest import open_registry, spark_functions_called

pytestmark = [pytest.mark.spark, pytest.mark.timeout(1800)]


@pytest.fixture(scope="module")
def measured(ingested: HubSettings, spark_engine):
    """Per resource: the checks of the DuckDB run and of the Spark run (name → (success,
    checked, unexpected)), and the statements sent to Spark."""
    registry = open_registry(ingested)
    first = len(spark_engine.emitted)
    out = {}
    for resource in delivered_resources():
        _, files = current_files(registry, resource)
        if not files:
            continue
        resource = read_with(resource, files)
        suite = build_suite(resource)
        ours = validate_files(ingested, resource, suite, files)
        theirs = validate_on_spark(spark_engine, ingested, resource, suite, files)
        out[resource.code] = tuple(
            {c.name: (c.success, c.checked, c.unexpected, c.error) for c in o.checks}
            for o in (ours, theirs))
    return out, spark_engine.emitted[first:]


def test_every_resource_is_measured(measured):
    out, _ = measured
    assert {code for code in out} == {r.code for r in delivered_resources()}
    failing = sum(1 for ours, _ in out.values() for v in ours.values() if v[2])
    assert failing > 0, "the noisy city fails some checks"


def test_the_metrics_are_identical(measured):
    out, _ = measured
    for code, (ours, theirs) in out.items():
        assert all(v[3] is None for v in ours.values()), (code, ours)
        assert theirs == ours, (code, {k: (ours.get(k), theirs.get(k))
                                       for k in ours.keys() | theirs.keys()
                                       if ours.get(k) != theirs.get(k)})


def test_every_statement_parses_on_spark_and_uses_the_dialects_functions(measured,
                                                                        spark_engine):
    _, emitted = measured
    spark_functions_called(spark_engine, emitted)


def test_the_asset_checks_validate_on_spark_through_dagster(noisy_city, ingested, tmp_path,
                                                            spark_engine):
    """`HUB_ENGINE=spark` reaches the quality checks of a Dagster run through the `engine`
    resource: GX validates on its Spark engine (the stored result names the Spark datasource),
    the checks pass or fail as on DuckDB, and the scores recorded are the DuckDB run's (but
    timeliness, which is measured against the clock)."""
    from catalog import RESOURCES
    from catalog.quality_scores import score_history
    from pipelines.assets import LAYERS, layer_key
    from quality.paths import quality_home
    from tests.conftest import hub_settings, run_ingest

    resource = RESOURCES["ga.vehicles"]
    settings = hub_settings(tmp_path / "home", noisy_city / "landing", engine="spark")
    result = run_ingest(settings, [layer_key(layer, resource) for layer in LAYERS])
    assert result.success
    verdicts = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert set(verdicts) == {"blocking_rules", "quality_warnings", "undeclared_personal_data"}
    stored = "\n".join(p.read_text() for p in (quality_home(settings)).rglob("*.json")
                       if "validations" in p.parts)
    assert f'"spark_{resource.table}"' in stored and f'"lake_{resource.table}"' not in stored

    def scores(of: HubSettings) -> set[tuple]:
        return {(s.version, s.item, s.dimension, s.score, s.checked, s.failed)
                for s in score_history(open_registry(of), resource.code)
                if s.dimension != "timeliness"}

    assert scores(settings) == scores(ingested)
