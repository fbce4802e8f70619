"""A noisy generated city through the Dagster job: nothing lost, for all ten resources."""

import json
from collections import Counter

import dagster as dg
import pytest

from catalog import BatchStatus, delivered_resources
from catalog.lake import connect
from pipelines.definitions import defs
from pipelines.sensors import landing_sensor
from tests.conftest import open_registry, run_ingest
from tests.pipelines.helpers import query

pytestmark = pytest.mark.slow

# Noise kinds the generator plants that the contract says cannot be accepted, and the rule the
# hub quarantines them under. Two independent implementations must agree exactly.
STRUCTURAL = {
    ("unbalanced_quote",): ("csv_unbalanced_quote",),
    ("duplicate_row",): ("duplicate_exact",),
    ("duplicate_key",): ("duplicate_key_conflict",),
    # A truncated final line is short of fields, or cut inside a multi-byte character.
    ("field_count", "invalid_encoding"): ("csv_field_count", "csv_truncated_final_line",
                                          "csv_invalid_bytes"),
}


def test_every_delivered_record_is_accepted_or_quarantined(ingested, noisy_city):
    manifest = json.loads((noisy_city / "truth" / "manifest.json").read_text())
    registry = open_registry(ingested)
    batches = {(b.resource_code, b.batch_id): b for r in delivered_resources()
               for b in registry.batches(r.code)}
    assert {f["resource"] for f in manifest["files"]} == {r.code for r in delivered_resources()}
    for delivered in manifest["files"]:
        batch = batches[(delivered["resource"], delivered["batch_id"])]
        assert batch.status is BatchStatus.PUBLISHED, batch.reason
        assert batch.rows_in == delivered["records"], delivered["path"]
        assert batch.rows_in == batch.rows_accepted + batch.rows_quarantined
        for rules, kinds in STRUCTURAL.items():
            planted = sum(delivered["noise"].get(kind, 0) for kind in kinds)
            held = sum(batch.quarantine_by_rule.get(rule, 0) for rule in rules)
            assert held == planted, (delivered["path"], rules)


def test_lake_rows_match_the_registry(ingested):
    registry = open_registry(ingested)
    with connect(ingested, ingested.analyst_db, read_only=True) as con:
        for resource in delivered_resources():
            code = resource.code
            for batch in registry.batches(code):
                t = resource.table
                accepted, = con.execute(f"SELECT count(*) FROM standardised.{t} "
                                        "WHERE _batch_id = ?", [batch.batch_id]).fetchall()[0]
                held, = con.execute(f"SELECT count(*) FROM quarantine.{t} WHERE _batch_id = ?",
                                    [batch.batch_id]).fetchall()[0]
                raw, = con.execute(f"SELECT count(*) FROM raw.{t} WHERE _batch_id = ?",
                                   [batch.batch_id]).fetchall()[0]
                assert (raw, accepted, held) == (
                    batch.rows_in, batch.rows_accepted, batch.rows_quarantined), (code, batch.batch_id)


def test_every_quarantined_row_keeps_its_original_text_and_rule(ingested):
    for resource in delivered_resources():
        missing = query(ingested, f"SELECT count(*) FROM quarantine.{resource.table} "
                                  "WHERE _record IS NULL OR _rule IS NULL OR _record_no IS NULL")
        assert missing == [(0,)], resource.code


def test_snapshot_history_and_as_of(ingested):
    versions = query(ingested, "SELECT DISTINCT _batch_id FROM history.ga_population ORDER BY 1")
    assert versions == [("20261001T020000",), ("20261101T020000",)]
    assert query(ingested, "SELECT DISTINCT _batch_id FROM published.ga_population") == [
        ("20261101T020000",)]
    october = query(ingested, "SELECT DISTINCT _batch_id FROM "
                              "history.ga_population_as_of(TIMESTAMP '2026-10-15 00:00:00')")
    assert october == [("20261001T020000",)]
    by_batch = query(ingested, "SELECT count(*) FROM "
                               "history.ga_population_as_of_batch('20261001T020000')")
    registry = open_registry(ingested)
    assert by_batch == [(registry.batches("ga.population")[0].rows_accepted,)]
    assert query(ingested, "SELECT count(*) FROM "
                           "history.ga_population_as_of(TIMESTAMP '2020-01-01 00:00:00')") == [(0,)]


def test_append_resource_keeps_every_month_and_the_latest_value_per_key(ingested):
    periods = {p for p, in query(ingested, "SELECT DISTINCT period "
                                           "FROM published.rs_social_insurance")}
    assert {"202608", "202609", "202610"} <= periods
    assert max(periods) == "202610"
    batches = query(ingested, "SELECT count(DISTINCT _batch_id) FROM published.rs_social_insurance")
    assert batches == [(3,)]
    duplicates = query(ingested, "SELECT count(*) FROM (SELECT id_number, employer_uscc, "
                                 "insurance_type, period FROM published.rs_social_insurance "
                                 "GROUP BY ALL HAVING count(*) > 1)")
    assert duplicates == [(0,)]


def test_definitions_describe_every_asset():
    graph = defs.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    assert len(keys) >= 3 * len(delivered_resources())
    for resource in delivered_resources():
        code = resource.code
        for layer in ("raw", "standardised", "published"):
            node = graph.get(dg.AssetKey([layer, resource.table]))
            assert node.description
            assert node.owners == [f"team:{resource.provider.code}"]
            assert node.group_name == resource.provider.code
            assert node.metadata["resource_code"] == code


def test_sensor_requests_runs_for_new_batches_only(settings):
    from pipelines.hub_resource import HubResource

    hub = HubResource.from_settings(settings)
    with dg.build_sensor_context(resources={"hub": hub}) as context:
        requests = list(landing_sensor(context))
    delivered = {r.code for r in delivered_resources()}
    assert {r.tags["resource"] for r in requests} == delivered
    assert run_ingest(settings, [dg.AssetKey([layer, "mz_members"])
                                 for layer in ("raw", "standardised", "published")]).success
    with dg.build_sensor_context(resources={"hub": hub}) as context:
        requests = list(landing_sensor(context))
    assert "mz.members" not in {r.tags["resource"] for r in requests}
    assert len(requests) == len(delivered) - 1


def test_rerun_with_nothing_new_changes_nothing(ingested):
    registry = open_registry(ingested)
    before = [(p.resource_code, p.version) for r in delivered_resources()
              for p in registry.publications(r.code)]
    assert sorted(Counter(code for code, _ in before).values()) == [1] * len(delivered_resources())
