"""Aggregate-only grants: groups of fewer than k persons are suppressed, and only query shapes
that cannot single a person out are accepted."""

from __future__ import annotations

from collections import Counter

import pytest

from policies import PolicyError, Principal, execute, plan
from tests.policies.conftest import make_settings, provision

CITYWIDE = Principal("stat-1", "hub", frozenset({"analyst"}))


@pytest.fixture(scope="module")
def aggregate_grant(store):
    return [provision(store, "ga.population", ["gender", "birth_date", "district_code",
                                               "status", "id_number"],
                      mode="aggregate", department="hub")]


def _run(settings, grants, sql):
    return execute(settings, plan(CITYWIDE, grants, sql, settings=settings))


@pytest.mark.parametrize("k", [1, 5, 40])
def test_groups_below_k_are_suppressed(settings, raw, aggregate_grant, k) -> None:
    limited = make_settings(settings.home, min_group_size=k)
    sql = "SELECT district_code, year(birth_date) AS y, count(*) AS n FROM ga_population GROUP BY ALL"
    got = {(r["district_code"], r["y"]): r["n"] for r in _run(limited, aggregate_grant, sql).to_pylist()}
    truth = Counter((r["district_code"], r["birth_date"].year)
                    for r in raw["ga.population"].to_pylist())
    assert got == {g: n for g, n in truth.items() if n >= k}


def test_a_single_person_is_never_counted(settings, raw, aggregate_grant) -> None:
    person = raw["ga.population"].to_pylist()[0]
    sql = f"SELECT count(*) AS n FROM ga_population WHERE birth_date = DATE '{person['birth_date']}'"
    assert _run(settings, aggregate_grant, sql).num_rows == 0


def test_whole_population_counts(settings, raw, aggregate_grant) -> None:
    sql = "SELECT count(*) AS n, count(DISTINCT gender) AS g FROM ga_population"
    assert _run(settings, aggregate_grant, sql).to_pylist() == [
        {"n": raw["ga.population"].num_rows, "g": 2}]


@pytest.mark.parametrize("sql", [
    "SELECT * FROM ga_population",
    "SELECT gender FROM ga_population",
    "SELECT min(birth_date) FROM ga_population",
    "SELECT max(id_number) FROM ga_population GROUP BY gender",
    "SELECT gender, sum(CASE WHEN id_number = 'x' THEN 1 ELSE 0 END) FROM ga_population GROUP BY gender",
    "SELECT gender, count(*) FILTER (WHERE status = '注销') FROM ga_population GROUP BY gender",
    "SELECT gender, count(*) OVER () FROM ga_population GROUP BY gender",
    "SELECT g, count(*) FROM (SELECT gender AS g FROM ga_population) GROUP BY g",
    "WITH x AS (SELECT 1) SELECT count(*) FROM ga_population",
    "SELECT count(*) FROM ga_population a JOIN ga_population b USING (gender)",
    "SELECT gender, list(birth_date) FROM ga_population GROUP BY gender",
    "SELECT gender, histogram(status) FROM ga_population GROUP BY gender",
    "SELECT count(*) FROM ga_population UNION ALL SELECT count(*) FROM ga_population",
])
def test_revealing_shapes_are_refused(settings, aggregate_grant, sql) -> None:
    with pytest.raises(PolicyError) as caught:
        plan(CITYWIDE, aggregate_grant, sql, settings=settings)
    assert caught.value.code == "aggregate_only"
