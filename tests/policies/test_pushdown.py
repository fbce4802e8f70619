"""What the gateway's speed rests on (issue 5, ≤ 1.5× the unprotected query): DuckDB pushes
row filters and predicates on unmasked columns through the masked subquery into the Parquet
scan, computes only the masks the query uses, and masks are exact where they were made cheap.
If a DuckDB or sqlglot upgrade breaks one of these, the results stay right but the benchmark
(docs/bench-gateway.md) would fall behind: these tests say which assumption broke."""

from __future__ import annotations

import re

import duckdb
from sqlglot import exp

from policies import plan
from policies.connection import gateway_connection
from policies.masks import display_mask

_BOX = re.compile(r"╭─ ([A-Za-z_ ]+?) ─")


def test_birth_date_mask_is_the_first_of_january_of_every_date() -> None:
    """Every date from 0001-01-01 to 9999-12-31 (and NULL) masks as date_trunc('year') did."""
    mask = display_mask("birth_date", exp.column("d")).sql(dialect="duckdb")
    with duckdb.connect() as con:
        differing, total = con.execute(
            f"SELECT count(*) FILTER (WHERE ({mask}) IS DISTINCT FROM "
            "CAST(date_trunc('year', d) AS DATE)), count(*) FROM ("
            "SELECT DATE '0001-01-01' + CAST(i AS INTEGER) AS d FROM range(3652059) r(i) "
            "UNION ALL SELECT NULL)").fetchone()
    assert (differing, total) == (0, 3652060)


def _plan_text(settings, analyst, grants, sql: str) -> str:
    governed = plan(analyst, grants, sql, settings=settings)
    with gateway_connection(settings, governed.tables, tokens=governed.key_names) as con:
        rows = con.execute(f"EXPLAIN {governed.sql}").fetchall()
    return "\n".join(row[1] for row in rows)


def _scan(text: str) -> str:
    """The Parquet scan operator's box of an EXPLAIN text (the last one: the plan's leaf)."""
    start = text.rindex("READ_PARQUET")
    return text[start:text.index("╰", start)]


def test_row_filter_and_user_predicate_reach_the_parquet_scan(settings, analyst, grants) -> None:
    text = _plan_text(settings, analyst, grants,
                      "SELECT gender, count(*) FROM ga_population WHERE status = '正常' "
                      "GROUP BY gender")
    scan = _scan(text)
    assert "district_code" in scan and "441302" in scan  # the district officer's row filter
    assert "status" in scan and "正常" in scan  # the user's predicate on an unmasked column
    assert "name" not in scan and "address" not in scan  # unused columns are not read


def _operators(text: str) -> list[str]:
    return _BOX.findall(text)


def test_unmasked_columns_only_plan_as_the_unprotected_query(settings, analyst,
                                                             grants) -> None:
    """No mask is computed when the query uses none: same operators as the plain query with
    the district filter written out (token and display-mask projections are pruned)."""
    governed = _plan_text(settings, analyst, grants,
                          "SELECT gender, count(*) AS n FROM ga_population GROUP BY gender")
    with gateway_connection(settings, ["ga_population"]) as con:
        plain = con.execute("EXPLAIN SELECT gender, count(*) AS n FROM "
                            "hub.published.ga_population WHERE district_code = '441302' "
                            "GROUP BY gender").fetchall()[0][1]
    assert _operators(governed) == _operators(plain)


def test_masks_of_a_page_are_computed_after_the_limit(settings, analyst, grants) -> None:
    text = _plan_text(settings, analyst, grants,
                      "SELECT name, birth_date, household_id, address FROM ga_population "
                      "LIMIT 5")
    assert _operators(text)[-2:] == ["Limit", "Read Parquet"]
