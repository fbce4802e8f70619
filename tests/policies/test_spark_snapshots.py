"""Issue 19: grant snapshots built on Spark local[2] hold exactly the DuckDB build's rows.

Grants of every kind of mask over the ingested noisy city (tokens of ID numbers and other
identifiers, tokens of each element of an ID list, the display masks of names, addresses and
birth dates, a district's row filter, an aggregate grant's person column) are built by DuckDB,
then by Spark (`HUB_ENGINE=spark`'s path, `policies.sparkforms`) into the same place; the two
files hold the same rows (as row sets: token bytes included), columns, types and metadata. Every
statement sent to Spark parses on Spark, calls only the dialect's functions, and holds neither
the grant's key nor a token. A last test builds through the door, `hub grants materialise`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from catalog import open_registry
from policies import GrantStore, Principal, grant_key
from policies.builds import materialise
from policies.masks import token
from policies.snapshots import recorded
from tests.conftest import spark_functions_called, table_differences
from tests.exchange.conftest import api_settings

pytestmark = [pytest.mark.spark, pytest.mark.timeout(1800)]

DISTRICT_OFFICER = Principal("analyst-1", "hub", frozenset({"analyst"}), "441302")
CITYWIDE = Principal("analyst-2", "hub", frozenset({"analyst"}))
# (principal, resource, mode, items): every mask kind, with and without a row filter
GRANTS = [
    (DISTRICT_OFFICER, "ga.population", "query",
     ["id_number", "name", "gender", "birth_date", "household_id", "district_code", "address",
      "status"]),
    (DISTRICT_OFFICER, "zr.real_estate", "query",
     ["certificate_no", "owner_id_number", "owner_name", "co_owner_id_numbers", "area_m2",
      "district_code", "location"]),
    (DISTRICT_OFFICER, "ga.population", "aggregate",
     ["id_number", "gender", "district_code", "birth_date"]),
    (CITYWIDE, "ga.vehicles", "query",
     ["plate_number", "owner_id_number", "owner_name", "vehicle_type", "status"]),
]
TOKENISED = {"ga.population": ["id_number", "household_id"],
             "zr.real_estate": ["certificate_no", "owner_id_number", "co_owner_id_numbers"],
             "ga.vehicles": ["plate_number", "owner_id_number"]}


def _provision(store: GrantStore, code: str, mode: str, items: list[str]):
    return store.provision_grant(
        resource_code=code, department="hub", items=items, purpose="统计分析",
        legal_basis="惠州市政务数据共享管理办法", mode=mode,
        valid_until=datetime.now(UTC) + timedelta(days=30))


@pytest.fixture(scope="module")
def hub(ingested, tmp_path_factory):
    """The ingested city with a private registry (its grants are this module's)."""
    settings = api_settings(ingested, tmp_path_factory.mktemp("spark_snapshots"))
    return settings, GrantStore(open_registry(settings))


@pytest.fixture(scope="module")
def built(hub, spark_engine):
    """Each grant's snapshot built by DuckDB, then (the file removed) by Spark: (grant,
    DuckDB's table, Spark's table, metadata of each) and the statements sent to Spark."""
    settings, store = hub
    first = len(spark_engine.emitted)
    out = []
    for principal, code, mode, items in GRANTS:
        grant = _provision(store, code, mode, items)
        duck = materialise(settings, principal, grant)
        duck_table, duck_meta = pq.read_table(duck.path), recorded(duck.path)
        duck.path.unlink()
        spark = materialise(settings, principal, grant, engine=spark_engine)
        assert spark.path == duck.path and spark.rows == duck.rows, code
        out.append((grant, duck_table, pq.read_table(spark.path), duck_meta,
                    recorded(spark.path)))
    return out, spark_engine.emitted[first:]


def _types(table: pa.Table) -> list[tuple[str, pa.DataType]]:
    return [(f.name, f.type) for f in table.schema]


def test_the_rows_columns_and_metadata_are_the_duckdb_builds(built):
    pairs, _ = built
    assert len(pairs) == len(GRANTS)
    for grant, duck, spark, duck_meta, spark_meta in pairs:
        assert duck.num_rows > 0, grant.resource_code
        assert _types(spark) == _types(duck), grant.resource_code
        assert spark_meta == duck_meta, grant.resource_code
        assert table_differences(duck, spark) == [], grant.resource_code


def test_the_tokens_are_byte_identical_and_the_grants(built, hub):
    """Token columns hold the same strings (as a multiset), each the grant's HMAC of a value."""
    settings, _ = hub
    pairs, _ = built
    for grant, duck, spark, _, _ in pairs:
        for column in TOKENISED[grant.resource_code]:
            if column not in duck.column_names:
                continue
            ours, theirs = duck.column(column).to_pylist(), spark.column(column).to_pylist()
            assert sorted(map(repr, theirs)) == sorted(map(repr, ours)), column
            assert any(v is not None for v in theirs), column
    # the district officer's ID-number tokens are the grant key's HMAC of the published numbers
    grant, _, spark, _, _ = pairs[0]
    key = grant_key(settings.secret_key.get_secret_value(), grant.id)
    with duckdb.connect() as con:
        con.execute("ATTACH ? AS hub (READ_ONLY)", [str(settings.analyst_db)])
        con.execute("SET home_directory = ?", [str(settings.home)])
        numbers = [r[0] for r in con.execute(
            "SELECT id_number FROM hub.published.ga_population WHERE district_code = '441302' "
            "AND id_number IS NOT NULL").fetchall()]
    assert sorted(token(key, n) for n in numbers) == sorted(
        v for v in spark.column("id_number").to_pylist() if v is not None)


def test_every_statement_parses_on_spark_and_uses_the_dialects_functions(built, hub,
                                                                        spark_engine):
    """Read by Spark's own parser; and no statement carries a key or a token."""
    settings, _ = hub
    pairs, emitted = built
    seen = spark_functions_called(spark_engine, emitted)
    assert {"LEFT", "REPEAT", "DAYOFYEAR", "TRANSFORM", "TRY_ELEMENT_AT", "EXPLODE"} <= seen
    secret = settings.secret_key.get_secret_value()
    text = "\n".join(emitted)
    for grant, _, spark, _, _ in pairs:
        key = grant_key(secret, grant.id)
        assert key.hex() not in text and key.hex().upper() not in text and secret not in text
        tokens = [v for v in spark.column(TOKENISED[grant.resource_code][0]).to_pylist() if v]
        assert tokens and not any(t in text for t in tokens[:50])


def test_an_unknown_function_is_refused_not_sent(hub, spark_engine):
    """A token call left unresolved never reaches Spark: the dialect refuses it."""
    from catalog import resource
    from catalog.sqlspark import SparkSQLError, to_spark
    from policies.binding import bind_grant
    from policies.policy import default_policy
    from policies.snapshots import snapshot_select

    _, store = hub
    grant = _provision(store, "ga.population", "query", ["id_number", "gender"])
    select = snapshot_select(bind_grant(CITYWIDE, grant, resource("ga.population"),
                                        default_policy()))
    with pytest.raises(SparkSQLError, match="__HUB_TOKEN"):
        to_spark(select)


def test_hub_grants_materialise_builds_on_spark(hub, tmp_path):
    """The door: `HUB_ENGINE=spark hub grants materialise` (a subprocess, its own Spark session)
    writes the file DuckDB writes, rows and tokens alike."""
    settings, store = hub
    grant = _provision(store, "ga.population", "query",
                       ["id_number", "name", "birth_date", "district_code", "address"])
    duck = materialise(settings, DISTRICT_OFFICER, grant)
    expected = pq.read_table(duck.path)
    duck.path.unlink()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(HUB_HOME=str(settings.home), HUB_LANDING=str(settings.landing_dir),
               HUB_REGISTRY_URL=settings.registry_url, HUB_LANGUAGE="en",
               HUB_ENGINE="spark", HUB_SPARK_MASTER="local[1]")
    done = subprocess.run(
        [str(Path(sys.executable).parent / "hub"), "grants", "materialise", "--subject", "analyst-1",
         "--department", "hub", "--district", "441302", "--grant", grant.id],
        check=False, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    [line] = [json.loads(x) for x in done.stdout.splitlines() if x.startswith("{")]
    assert (line["grant"], line["snapshot"], line["rows"]) == (
        grant.id, duck.path.name, expected.num_rows)
    theirs = pq.read_table(duck.path)
    assert _types(theirs) == _types(expected)
    assert table_differences(expected, theirs) == []


def test_tokens_of_rows_with_a_null_list_or_value(hub, spark_engine):
    """A row whose ID list is NULL (or empty, or holding a NULL) still has its other values
    tokenised; NULL stays NULL, as DuckDB's token function leaves it."""
    from sqlglot import exp

    from policies.masks import register_tokens, token_expression
    from policies.sparkforms import _with_tokens

    settings, _ = hub
    rows = ("SELECT * FROM (VALUES ('a', NULL), ('b', ['x', 'z']), (NULL, []), "
            "('c', [NULL, 'y'])) t(v, l)")
    select = exp.select(
        token_expression(exp.column("v"), "hub_k").as_("v"),
        token_expression(exp.column("l"), "hub_k", is_list=True).as_("l"),
    ).from_(exp.maybe_parse(rows, dialect="duckdb").subquery("s"))
    keys = {"hub_k": "grt_spark_null_lists"}
    with duckdb.connect() as con:
        register_tokens(con, settings.secret_key.get_secret_value(), keys)
        ours = sorted(map(repr, con.execute(select.sql(dialect="duckdb")).fetchall()))
    views: list[str] = []
    tree = _with_tokens(spark_engine, select.copy(), settings, keys, views)
    theirs = sorted(repr((r["v"], r["l"])) for r in spark_engine.sql(tree).collect())
    for view in views:
        spark_engine.spark.catalog.dropTempView(view)
    assert theirs == ours
