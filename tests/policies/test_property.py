"""The gateway's defining property: every accepted query returns exactly what the same SQL
returns on a database holding only the permitted, masked, filtered data.

The reference database (`tests.policies.reference`) is built independently of the rewriter:
masks and filters are applied in Python to the raw rows, and the user's SQL runs on it as is.
"""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from policies import PolicyError, execute, plan
from tests.policies.reference import reference_database


@pytest.fixture(scope="module")
def reference(settings, raw, grants):
    con = reference_database(raw, grants, settings.secret_key.get_secret_value())
    yield con
    con.close()


POP_COLUMNS = ["name", "gender", "birth_date", "household_id", "id_number", "district_code",
               "address", "status", "relation_to_head", "_record_no"]
LITERALS = ["'张*'", "'女'", "'正常'", "'441302'", "'441303'", "DATE '1980-01-01'",
            "'惠州市某区江北街道***'", "100", "'户主'"]


@st.composite
def predicate(draw, alias):
    column = draw(st.sampled_from(POP_COLUMNS))
    kind = draw(st.sampled_from(["cmp", "like", "null", "in"]))
    col = f"{alias}.{column}"
    if kind == "cmp":
        op = draw(st.sampled_from(["=", "<>", "<", ">="]))
        return f"CAST({col} AS VARCHAR) {op} CAST({draw(st.sampled_from(LITERALS))} AS VARCHAR)"
    if kind == "like":
        return f"CAST({col} AS VARCHAR) LIKE '{draw(st.sampled_from(['%*%', '张%', '4413%', '%街道%', '19%']))}'"
    if kind == "null":
        return f"{col} IS {draw(st.sampled_from(['', 'NOT ']))}NULL"
    return f"{col} IN ({', '.join(draw(st.lists(st.sampled_from(LITERALS[:5]), min_size=1, max_size=3)))})"


@st.composite
def query(draw):
    shape = draw(st.sampled_from(["select", "group", "join", "cte", "union", "window", "sub"]))
    where = draw(st.lists(predicate("p"), max_size=2))
    cond = f" WHERE {' AND '.join(where)}" if where else ""
    cols = draw(st.lists(st.sampled_from(POP_COLUMNS), min_size=1, max_size=4, unique=True))
    sel = ", ".join(f"p.{c}" for c in cols)
    if shape == "select":
        return f"SELECT {sel} FROM ga_population p{cond}"
    if shape == "group":
        fn = draw(st.sampled_from(["count(*)", "count(DISTINCT p.id_number)", "min(p.name)",
                                   "max(p.birth_date)", "string_agg(DISTINCT p.gender, ',' ORDER BY p.gender)"]))
        return f"SELECT {sel}, {fn} AS agg FROM ga_population p{cond} GROUP BY ALL"
    if shape == "join":
        on = draw(st.sampled_from(["p.id_number = d.id_number", "p.name = d.name",
                                   "p.district_code = d.district_code AND p.gender = '男'"]))
        return (f"SELECT {sel}, d.death_date FROM ga_population p JOIN wj_deaths d ON {on}"
                f"{cond}")
    if shape == "cte":
        return (f"WITH p AS (SELECT * FROM published.ga_population) SELECT {sel} FROM p{cond}")
    if shape == "union":
        op = draw(st.sampled_from(["UNION", "UNION ALL", "EXCEPT", "INTERSECT"]))
        return (f"SELECT p.name, p.id_number FROM ga_population p{cond} {op} "
                f"SELECT d.name, d.id_number FROM wj_deaths d")
    if shape == "window":
        return (f"SELECT {sel}, count(*) OVER (PARTITION BY p.name) AS w FROM ga_population p"
                f"{cond}")
    return (f"SELECT {sel} FROM ga_population p WHERE p.id_number IN (SELECT d.id_number FROM "
            f"wj_deaths d){' AND ' + ' AND '.join(where) if where else ''}")


def _bag(table) -> list[tuple]:
    return sorted(tuple(map(repr, row.values())) for row in table.to_pylist())


@hsettings(max_examples=120, deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sql=query())
def test_governed_equals_permitted_data(gateway, analyst, grants, reference, sql) -> None:
    """On both read paths: inline masked forms and the grants' materialised snapshots."""
    try:
        governed = execute(gateway, plan(analyst, grants, sql, settings=gateway))
    except PolicyError as error:  # refusals are fine; a refusal is not a leak
        assert error.code in {"invalid_query"}, (sql, error.code)
        event("refused")
        return
    try:
        expected = reference.sql(sql).to_arrow_table()
    except duckdb.ConversionException:
        # A literal that cannot be cast (`_record_no IN ('张*')`) fails only when a row reaches
        # it; the gateway's plan filtered every row out first, so its answer must be empty.
        assert governed.num_rows == 0, sql
        event("reference conversion error")
        return
    event("rows" if expected.num_rows else "empty")
    assert _bag(governed) == _bag(expected), sql
