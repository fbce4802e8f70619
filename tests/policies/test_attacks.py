"""Attacks on the gateway: what must be refused (with which code), and what is accepted but
must not reveal anything beyond the masked, district-filtered rows. Every query runs on both
read paths (`gateway`: inline masked forms, and the grants' materialised snapshots)."""

from __future__ import annotations

import pytest

from policies import PolicyError, execute, plan
from tests.policies.conftest import DISTRICT, make_settings

REFUSED = [
    ("SELECT * FROM read_csv('/etc/passwd')", "file_access"),
    ("SELECT * FROM read_parquet('{lake}/standardised/ga_population/*/*.parquet')", "file_access"),
    ("SELECT * FROM read_text('/etc/passwd')", "file_access"),
    ("SELECT * FROM glob('/*')", "file_access"),
    ("SELECT * FROM '/etc/passwd'", "file_access"),
    ("SELECT * FROM '{lake}/standardised/ga_population/20261101T020000/accepted.parquet'",
     "file_access"),
    ("SELECT * FROM query_table('ga_population')", "file_access"),
    ("SELECT query('SELECT 1')", "secret_access"),
    ("SELECT json_execute_serialized_sql('{{}}')", "secret_access"),
    ("SELECT current_setting('allowed_directories')", "secret_access"),
    ("SELECT getvariable('x')", "secret_access"),
    ("SELECT stats(name) FROM ga_population", "secret_access"),
    ("SELECT current_query()", "secret_access"),
    ("SELECT setseed(0.5)", "function_not_allowed"),
    ("SELECT * FROM duckdb_settings()", "secret_access"),
    ("SELECT * FROM duckdb_tables", "unknown_table"),
    ("SELECT * FROM information_schema.tables", "unknown_table"),
    ("SELECT * FROM raw.ga_population", "unknown_table"),
    ("SELECT * FROM meta.secrets", "unknown_table"),
    ("SELECT * FROM main.ga_population", "unknown_table"),
    ("SELECT * FROM hub.raw.ga_population", "unknown_table"),
    ("SELECT * FROM temp.published.ga_population", "unknown_table"),
    ("SELECT * FROM published.ga_population AT (VERSION => 1)", "not_allowed"),
    ("SELECT * FROM ga_population PIVOT (count(*) FOR gender IN ('男'))", "not_allowed"),
    ("ATTACH '/tmp/x.duckdb' AS x", "not_a_query"),
    ("DETACH hub", "not_a_query"),
    ("PRAGMA database_list", "not_a_query"),
    ("SET enable_external_access = true", "not_a_query"),
    ("RESET lock_configuration", "not_a_query"),
    ("COPY (SELECT * FROM ga_population) TO '/tmp/out.csv'", "not_a_query"),
    ("EXPORT DATABASE '/tmp/x'", "syntax_error"),
    ("INSTALL httpfs", "not_a_query"),
    ("LOAD httpfs", "not_a_query"),
    ("CREATE TABLE t AS SELECT * FROM ga_population", "not_a_query"),
    ("CREATE MACRO m(x) AS x", "not_a_query"),
    ("INSERT INTO ga_population VALUES (1)", "not_a_query"),
    ("DELETE FROM ga_population", "not_a_query"),
    ("CALL pragma_version()", "not_a_query"),
    ("DESCRIBE ga_population", "not_a_query"),
    ("SUMMARIZE ga_population", "not_a_query"),
    ("EXPLAIN SELECT 1", "not_a_query"),
    ("PIVOT ga_population ON gender USING count(*)", "not_a_query"),
    ("SELECT 1 INTO t", "not_a_query"),
    ("SELECT 1; SELECT 2", "multiple_statements"),
    ("SELECT 1; DROP TABLE ga_population", "multiple_statements"),
    ("SELECT name FROM ga_population; -- comment\nATTACH 'x'", "multiple_statements"),
    ("", "syntax_error"),
    ("-- only a comment", "syntax_error"),
    ("SELEC 1", "syntax_error"),
    ("SELECT 'unclosed", "syntax_error"),
    ("SELECT $1", "secret_access"),
    ("SELECT ?", "secret_access"),
    ("SELECT $hub_k0_i", "secret_access"),
    ("SELECT __hub_person FROM ga_population", "reserved_identifier"),
    ("SELECT * FROM __hub_cte_0", "reserved_identifier"),
    ("WITH ga_population AS (SELECT 1 AS x) SELECT * FROM ga_population", "cte_shadows_table"),
    ('WITH "GA_Population" AS (SELECT 1 AS x) SELECT * FROM ga_population', "cte_shadows_table"),
    ("WITH x AS (SELECT 1) SELECT * FROM (WITH wj_deaths AS (SELECT 2) SELECT * FROM wj_deaths)",
     "cte_shadows_table"),
    ("SELECT * FROM ga_vehicles", "denied"),
    ("SELECT * FROM mz_recipients", "no_grant"),
    ("SELECT * FROM ga_population, LATERAL (SELECT 1)", "not_allowed"),
    # text sqlglot keeps verbatim (an unknown type's name) must never reach DuckDB as SQL
    ('SELECT CAST(1 AS "INT) AS x, (SELECT count(*) FROM standardised.ga_population) --") '
     "FROM ga_population", "unread_text"),
    ('SELECT name::"VARCHAR) FROM standardised.ga_population --" FROM ga_population',
     "unread_text"),
    ('SELECT TRY_CAST(name AS main."x") FROM ga_population', "unread_text"),
    ("SELECT CAST(name AS my_type) FROM ga_population", "unread_text"),
    ("SELECT CAST(name AS ENUM('a', 'b')) FROM ga_population", "unread_text"),
    ('SELECT CAST(name AS STRUCT(a "INT, length($hub_k0_i) AS k --")) FROM ga_population',
     "unread_text"),
    ("SELECT $hub_k0_o FROM ga_population", "secret_access"),
    ("SELECT getvariable('hub_k0_i') FROM ga_population", "secret_access"),
    ("SELECT __hub_token_hub_k0('4413') FROM ga_population", "secret_access"),
    ("SELECT * FROM ga_population x(a, b) JOIN LATERAL (SELECT a) y ON true", "not_allowed"),
]


def _run(settings, analyst, grants, sql):
    return execute(settings, plan(analyst, grants, sql, settings=settings))


@pytest.mark.parametrize(("sql", "code"), REFUSED, ids=[s[:50] for s, _ in REFUSED])
def test_refused(gateway, analyst, grants, sql, code) -> None:
    sql = sql.format(lake=gateway.lake)
    with pytest.raises(PolicyError) as caught:
        _run(gateway, analyst, grants, sql)
    assert caught.value.code == code
    assert str(gateway.home) not in caught.value.message


def test_refused_before_any_engine_call(settings, analyst, grants) -> None:
    """Refusals come from `plan`; none of them needs data."""
    with pytest.raises(PolicyError):
        plan(analyst, grants, "SELECT * FROM read_csv('/etc/passwd')", settings=settings)


ACCEPTED = [
    "SELECT * FROM ga_population",
    "SELECT * FROM published.ga_population",
    "SELECT p FROM ga_population p",
    "SELECT to_json(p) FROM ga_population AS p",
    "SELECT json_extract_string(to_json(p), '$.name') FROM ga_population p",
    "SELECT struct_pack(a := name, b := id_number, c := address) FROM ga_population",
    "SELECT name || '', upper(name), reverse(name), substr(name, 1, 5), left(address, 40) "
    "FROM ga_population",
    "SELECT regexp_extract(address, '(\\d+)号', 1) AS n FROM ga_population",
    "SELECT DISTINCT name FROM ga_population",
    "SELECT name, count(*) FROM ga_population GROUP BY name",
    "SELECT name, row_number() OVER (PARTITION BY id_number ORDER BY name) FROM ga_population",
    "SELECT * FROM ga_population p1 JOIN ga_population p2 USING (id_number)",
    "SELECT * FROM ga_population p JOIN wj_deaths d ON p.id_number = d.id_number",
    "WITH x AS (SELECT * FROM ga_population) SELECT * FROM x UNION ALL SELECT * FROM x",
    "SELECT list(address), string_agg(name, ','), max(id_number) FROM ga_population",
    "SELECT * FROM (SELECT * FROM (SELECT * FROM ga_population) a) b",
    "SELECT (SELECT max(name) FROM ga_population) AS m",
    "SELECT co_owner_id_numbers, unnest(co_owner_id_numbers) FROM zr_real_estate",
    "SELECT location, owner_id_number FROM zr_real_estate",
    "SELECT * FROM ga_population /* ; ATTACH 'x' */ -- ; DROP",
    "SELECT COLUMNS('.*') FROM ga_population",
    "SELECT * EXCLUDE (name) FROM ga_population",
    "SELECT * FROM ga_population WHERE district_code <> '441302'",
    "SELECT * FROM ga_population WHERE id_number LIKE '4413%' OR name LIKE '%伟%'",
    "SELECT min(birth_date), max(birth_date), count(DISTINCT birth_date) FROM ga_population",
    # safe SQL the gateway used to refuse (issue 14, item 6)
    "WITH RECURSIVE r AS (SELECT id_number, name, 1 AS d FROM ga_population UNION ALL "
    "SELECT id_number, name, d + 1 FROM r WHERE d < 3) SELECT * FROM r",
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5) "
    "SELECT i, name FROM n, ga_population",
    "SELECT * FROM hub.published.ga_population",
    "SELECT * FROM ga_population USING SAMPLE 50 ROWS",
    "SELECT * FROM ga_population AS p TABLESAMPLE RESERVOIR (20 ROWS) REPEATABLE (7)",
]


def _secrets(raw) -> set[str]:
    population = raw["ga.population"].to_pylist()
    values = set()
    for row in population:
        values |= {row["id_number"], row["name"], row["address"], row["household_id"]}
    for row in raw["zr.real_estate"].to_pylist():
        values |= {row["owner_id_number"], row["location"], *row["co_owner_id_numbers"]}
    return {v for v in values if v and len(v) >= 2}


def _cells(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _cells(v)
    elif isinstance(value, list):
        for v in value:
            yield from _cells(v)
    elif value is not None:
        yield str(value)


@pytest.mark.parametrize("sql", ACCEPTED, ids=[s[:50] for s in ACCEPTED])
def test_accepted_reveals_nothing(gateway, analyst, grants, raw, sql) -> None:
    table = _run(gateway, analyst, grants, sql)
    secrets = _secrets(raw)
    text = "\x00".join(c for row in table.to_pylist() for v in row.values() for c in _cells(v))
    assert [s for s in secrets if s in text] == []
    for index, name in enumerate(table.column_names):
        if name == "district_code":
            assert set(table.column(index).to_pylist()) <= {DISTRICT}


def test_probing_a_real_id_number_finds_nothing(gateway, analyst, grants, raw) -> None:
    target = next(r for r in raw["ga.population"].to_pylist() if r["district_code"] == DISTRICT)
    sql = (f"SELECT count(*) AS n FROM ga_population WHERE id_number = '{target['id_number']}' "
           f"OR name = '{target['name']}' OR address = '{target['address']}'")
    assert _run(gateway, analyst, grants, sql).to_pylist() == [{"n": 0}]


def test_only_the_district_is_counted(gateway, analyst, grants, raw) -> None:
    expected = sum(r["district_code"] == DISTRICT for r in raw["ga.population"].to_pylist())
    table = _run(gateway, analyst, grants, "SELECT count(*) AS n FROM ga_population")
    assert table.to_pylist() == [{"n": expected}]


def test_original_columns_are_absent(gateway, analyst, grants) -> None:
    for column in ("name_orig", "name_norm", "id_number_orig", "address_orig", "ethnicity"):
        with pytest.raises(PolicyError) as caught:
            _run(gateway, analyst, grants, f"SELECT {column} FROM ga_population")
        assert caught.value.to_dict() == {"error": {
            "code": "invalid_query",
            "message": f"column {column} is not available to this query"}}


def test_query_length_limit(settings, analyst, grants) -> None:
    sql = "SELECT 1" + " " * settings.gateway_max_query_chars
    with pytest.raises(PolicyError) as caught:
        plan(analyst, grants, sql, settings=settings)
    assert caught.value.code == "query_too_long"


@pytest.mark.parametrize("sql", [
    "SELECT " + "(" * 60 + "1" + ")" * 60,
    "SELECT " + "abs(" * 60 + "1" + ")" * 60,
    "SELECT 1 FROM " + "(SELECT 1 FROM " * 45 + "ga_population" + ") t" * 45,
    "SELECT " + " + ".join(["1"] * 2000),
])
def test_depth_limit(settings, analyst, grants, sql) -> None:
    with pytest.raises(PolicyError) as caught:
        plan(analyst, grants, sql, settings=settings)
    assert caught.value.code == "too_deep"


def _limited(gateway, **limits):
    return make_settings(gateway.home, gateway_snapshots=gateway.gateway_snapshots, **limits)


def test_long_query_is_interrupted(gateway, analyst, grants) -> None:
    limited = _limited(gateway, gateway_timeout_seconds=0.5)
    sql = ("SELECT count(*) FROM ga_population a, ga_population b, ga_population c, "
           "ga_population d, ga_population e")
    with pytest.raises(PolicyError) as caught:
        _run(limited, analyst, grants, sql)
    assert caught.value.to_dict() == {"error": {"code": "timeout", "message": (
        "the query ran longer than the gateway allows and was interrupted")}}


def test_memory_limit(gateway, analyst, grants) -> None:
    limited = _limited(gateway, gateway_memory_limit="32MB", gateway_timeout_seconds=60)
    sql = ("SELECT list(a.address || b.address || c.address) FROM ga_population a, "
           "ga_population b, ga_population c")
    with pytest.raises(PolicyError) as caught:
        _run(limited, analyst, grants, sql)
    assert caught.value.code in {"memory_limit"}


def test_row_limit_refuses_rather_than_cuts(gateway, analyst, grants) -> None:
    limited = _limited(gateway, gateway_max_rows=10)
    with pytest.raises(PolicyError) as caught:
        _run(limited, analyst, grants, "SELECT * FROM ga_population")
    assert caught.value.code == "too_many_rows"
    assert _run(limited, analyst, grants, "SELECT * FROM ga_population LIMIT 10").num_rows == 10


def test_runtime_errors_carry_no_values(gateway, analyst, grants, raw) -> None:
    with pytest.raises(PolicyError) as caught:
        _run(gateway, analyst, grants, "SELECT CAST(relation_to_head AS INTEGER) FROM "
             "ga_population")
    assert caught.value.to_dict() == {"error": {"code": "invalid_query", "message": (
        "a value could not be converted to the requested type")}}


def test_snapshot_files_cannot_be_read_by_path(gateway, analyst, grants) -> None:
    """No query names a snapshot file (its own grant's or another's), or the views over them."""
    snapshots = sorted((gateway.home / "grants").rglob("*.parquet"))
    if gateway.gateway_snapshots == "manual":
        assert snapshots
    for path in snapshots:
        for sql, code in ((f"SELECT * FROM read_parquet('{path}')", "file_access"),
                          (f"SELECT * FROM '{path}'", "file_access"),
                          (f"SELECT * FROM ga_population JOIN '{path}' USING (id_number)",
                           "file_access"),
                          ("SELECT * FROM __hub_snapshot_0", "reserved_identifier"),
                          ("SELECT * FROM temp.main.ga_population", "unknown_table")):
            with pytest.raises(PolicyError) as caught:
                _run(gateway, analyst, grants, sql)
            assert caught.value.code == code, sql
            assert str(gateway.home) not in caught.value.message
