"""The gateway refuses the verbatim-text leak class by each of its two checks on its own
(issue 14): the first reads every node and argument of sqlglot's tree; the second reads
DuckDB's own parse of the SQL that would run. Each test switches one check off and shows
the other still refuses; then the second check is tried on hand-made final SQL."""

from __future__ import annotations

import pytest

from policies import PolicyError, execute, plan
from policies.errors import SECURITY_CODES
from policies.parsecheck import check_engine_parse

# Text sqlglot keeps verbatim and prints back, where DuckDB reads it as SQL.
LEAKS = [
    'SELECT CAST(1 AS "foo) AS x, (SELECT count(*) FROM standardised.ga_population) --") '
    "FROM ga_population",
    'SELECT CAST(name AS "foo) AS x, * FROM read_parquet(\'/etc/passwd\') --") '
    "FROM ga_population",
    'SELECT CAST(1 AS "foo) AS x, id_number FROM hub.published.ga_population --") '
    "FROM ga_population",
    'SELECT CAST(1 AS "foo) AS x, length($hub_k0_i) AS k --") FROM ga_population',
    'SELECT CAST(1 AS "foo) AS x, current_setting(\'allowed_directories\') --") '
    "FROM ga_population",
    'SELECT 1::"foo) AS x FROM hub.raw.ga_population UNION SELECT 1::INT --" '
    "FROM ga_population",
]


def _run(settings, analyst, grants, sql):
    return execute(settings, plan(analyst, grants, sql, settings=settings))


@pytest.mark.parametrize("sql", LEAKS)
def test_both_checks_on(settings, analyst, grants, sql) -> None:
    with pytest.raises(PolicyError) as caught:
        _run(settings, analyst, grants, sql)
    assert caught.value.code in SECURITY_CODES


@pytest.mark.parametrize("sql", LEAKS)
def test_second_check_alone_refuses(settings, analyst, grants, sql, monkeypatch) -> None:
    """With the first check off, the rewritten SQL carries the fragment; DuckDB's parse shows
    it, and the second check refuses before anything runs."""
    monkeypatch.setattr("policies.engine.check_query", lambda query, max_depth: None)
    monkeypatch.setattr("policies.checker._check_quoted_names_read", lambda *a: None)
    with pytest.raises(PolicyError) as caught:
        _run(settings, analyst, grants, sql)
    assert caught.value.code == "parser_disagreement"


@pytest.mark.parametrize("sql", LEAKS)
def test_first_check_alone_refuses(settings, analyst, grants, sql, monkeypatch) -> None:
    monkeypatch.setattr("policies.engine.check_engine_parse", lambda sql, protected: None)
    with pytest.raises(PolicyError) as caught:
        _run(settings, analyst, grants, sql)
    assert caught.value.code == "unread_text"


MASKED = ("SELECT \"name\" FROM hub.published.ga_population "
          "WHERE \"district_code\" IN ('441302')")


@pytest.mark.parametrize(("final", "why"), [
    (f"SELECT name FROM ({MASKED}) AS p", None),
    (f"SELECT name FROM ({MASKED}) AS p TABLESAMPLE 10 ROWS", None),
    (f"WITH __hub_cte_0 AS (SELECT * FROM ({MASKED}) AS p) SELECT * FROM __hub_cte_0", None),
    (f"SELECT upper(name) || '*' FROM ({MASKED}) AS p ORDER BY 1 LIMIT 3", None),
    # a masked read altered (its row filter cut off) is no longer the rewriter's
    ("SELECT name FROM (SELECT \"name\" FROM hub.published.ga_population) AS p", "table"),
    (f"SELECT name FROM ({MASKED} OR true) AS p", "table"),
    ("SELECT * FROM hub.published.ga_population", "table"),
    ("SELECT * FROM standardised.ga_population", "table"),
    ("SELECT * FROM ga_population", "table"),
    ("SELECT * FROM '/etc/passwd'", "table"),
    ("WITH x AS (SELECT 1) SELECT * FROM x", "WITH"),
    ("SELECT * FROM read_parquet('x.parquet')", "function"),
    (f"SELECT $1 FROM ({MASKED}) AS p", "expression"),
    (f"SELECT current_setting('threads') FROM ({MASKED}) AS p", "function"),
    (f"SELECT main.upper(name) FROM ({MASKED}) AS p", "function"),
    (f"SELECT CAST(name AS foo) FROM ({MASKED}) AS p", "type"),
    (f"SELECT CAST(name AS main.varchar) FROM ({MASKED}) AS p", "type"),
    (f"SELECT name COLLATE nocase FROM ({MASKED}) AS p", "expression"),
    (f"SELECT * FROM ({MASKED}) AS p AT (VERSION => 1)", "table"),
    ("SELECT 1; SELECT 2", "one query"),
    ("SELECT 'unclosed", "parse"),
])
def test_second_check_reads_duckdb_tree(final: str, why: str | None) -> None:
    if why is None:
        check_engine_parse(final, [MASKED])
        return
    with pytest.raises(PolicyError) as caught:
        check_engine_parse(final, [MASKED])
    assert caught.value.code == "parser_disagreement"
