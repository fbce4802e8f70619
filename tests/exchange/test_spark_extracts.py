"""Issue 19: prepared extracts computed on Spark local[2] hold exactly the DuckDB extract's rows.

Orders of the ingested noisy city (ID numbers and other identifiers tokenised, an ID list's
elements tokenised, names, addresses and birth dates masked for display) are extracted by DuckDB
and by Spark (`policies.extract(..., engine=...)`, what a prepared extract's run uses with
`HUB_ENGINE=spark`): same schema, same rows as row sets, token bytes included. Every statement
sent to Spark parses on Spark and calls only the dialect's functions. A last test goes through
the door: an order's extract is queued by the API, written by the Dagster run on Spark,
downloaded, and holds the DuckDB extract's rows.
"""

from __future__ import annotations

import io

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from catalog.formats import Encoded, encode
from exchange.clients import create_client
from pipelines.definitions import build_definitions
from pipelines.extracts import extract_sensor
from pipelines.hub_resource import HubResource
from policies import extract
from tests.conftest import spark_functions_called, table_differences
from tests.exchange.conftest import make_api

pytestmark = [pytest.mark.spark, pytest.mark.timeout(1800)]

PURPOSE = "人口结构统计分析"  # not an assistance check: identifiers tokenised, names masked
ORDERS = [
    ("ga.population", ["id_number", "name", "gender", "birth_date", "household_id",
                       "district_code", "address"]),
    ("zr.real_estate", ["certificate_no", "owner_id_number", "owner_name",
                        "co_owner_id_numbers", "area_m2", "location"]),
]
TOKENISED = {"ga.population": ["id_number", "household_id"],
             "zr.real_estate": ["certificate_no", "owner_id_number", "co_owner_id_numbers"]}


@pytest.fixture(scope="module")
def api(ingested, tmp_path_factory):
    """An API whose extracts of more than 10 rows are prepared by runs."""
    api = make_api(ingested, tmp_path_factory.mktemp("spark_extracts"),
                   extract_stream_max_rows=10)
    # the provider of zr.real_estate (自然资源) reviews its orders
    issued = create_client(api.hub.store, "zr-reviewer", "zr-reviewer test client", "zr",
                           ["reviewer"])
    api.secrets["zr-reviewer"] = ("zr-reviewer", issued.secret)
    return api


def _approved(api, code: str, items: list[str]) -> dict:
    order = api.order(resource=code, mode="extract", items=items, purpose=PURPOSE)
    provider = "reviewer" if code.startswith("ga.") else f"{code.split('.')[0]}-reviewer"
    for role in ("cdo", provider):
        response = api.http.post(f"/v1/orders/{order['id']}/review", headers=api.as_(role),
                                 json={"decision": "approve", "reason": "依法履职所需"})
        assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def extracted(api, spark_engine):
    """Each order's extract by DuckDB and by Spark: (code, DuckDB's, Spark's), statements."""
    first = len(spark_engine.emitted)
    out = []
    for code, items in ORDERS:
        order = _approved(api, code, items)
        grant = api.hub.grants.get_grant(order["grant_id"])
        out.append((code, extract(api.settings, grant).read_all(),
                    extract(api.settings, grant, engine=spark_engine).read_all()))
    return out, spark_engine.emitted[first:]


def test_the_rows_are_the_duckdb_extracts(extracted):
    pairs, _ = extracted
    for code, duck, spark in pairs:
        assert duck.num_rows > 10, code
        assert spark.schema == duck.schema, code
        assert table_differences(duck, spark) == [], code
        for column in TOKENISED[code]:
            assert column in duck.column_names, (code, column)
            ours, theirs = duck.column(column).to_pylist(), spark.column(column).to_pylist()
            assert sorted(map(repr, theirs)) == sorted(map(repr, ours)), (code, column)


def test_every_statement_parses_on_spark_and_uses_the_dialects_functions(extracted,
                                                                        spark_engine):
    pairs, emitted = extracted
    spark_functions_called(spark_engine, emitted)
    text = "\n".join(emitted)
    for code, _, spark in pairs:
        tokens = [v for v in spark.column(TOKENISED[code][0]).to_pylist() if v]
        assert tokens and not any(t in text for t in tokens[:50])


def _encoded(table: pa.Table, fmt: str) -> bytes:
    return b"".join(encode(table.to_reader(), fmt, Encoded()))


# (CSV has no form for a list: the ID list goes as Parquet)
@pytest.mark.parametrize(("fmt", "code", "items"), [("csv", *ORDERS[0]), ("parquet", *ORDERS[1])])
def test_a_prepared_extract_runs_on_spark_through_the_api(api, fmt, code, items):
    """Queued by the API, written by the Dagster run with `HUB_ENGINE=spark`, downloaded: the
    DuckDB extract's rows (CSV: the same lines, byte for byte, in another order)."""
    order = _approved(api, code, items)
    queued = api.http.get(f"/v1/orders/{order['id']}/extract?format={fmt}",
                          headers=api.as_("requester"))
    assert queued.status_code == 202, queued.text
    delivery = queued.json()["id"]
    spark_settings = api.settings.model_copy(update={"engine": "spark",
                                                     "spark_master": "local[2]"})
    with dg.build_sensor_context(resources={"hub": HubResource.from_settings(api.settings)}
                                 ) as context:
        [request] = list(extract_sensor(context).run_requests)
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("extract_orders", [request.partition_key])
    result = build_definitions(spark_settings).resolve_job_def(
        "extract_delivery").execute_in_process(
        instance=instance, partition_key=request.partition_key,
        asset_selection=list(request.asset_selection), run_config=request.run_config,
        raise_on_error=False)
    assert result.success
    download = api.http.get(f"/v1/deliveries/{delivery}/file", headers=api.as_("requester"))
    assert download.status_code == 200, download.text
    grant = api.hub.grants.get_grant(order["grant_id"])
    expected = extract(api.settings, grant).read_all()
    if fmt == "csv":
        ours = _encoded(expected, fmt).splitlines()
        theirs = download.content.splitlines()
        assert theirs[0] == ours[0] and sorted(theirs[1:]) == sorted(ours[1:])
    else:
        table = pq.read_table(io.BytesIO(download.content))
        assert table.schema.remove_metadata() == expected.schema.remove_metadata()
        assert table_differences(expected, table) == []
