"""Generated queries against the gateway (issue 14, item 7): every accepted query answers
exactly what the reference database of permitted data answers; everything else is refused.

A bounded, deterministic run of the grammar (`tests/policies/sqlgen.py`) on both read paths,
the replay of every query ever found leaking (`fixtures/gateway_leaks.sql`), and the attacks
of issue 14 spelled out. The long run is `bench/gateway_fuzz.py`.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings

from policies import PolicyError, execute, plan
from policies.allowlist import FUNCTIONS as ALLOWLISTED
from tests.policies.conftest import make_settings, materialise_all
from tests.policies.fuzzworld import World, secrets_of, substitute
from tests.policies.oracle import Tally, read_leaks
from tests.policies.reference import reference_database
from tests.policies.sqlgen import queries
from tests.policies.sqlvocab import AGGREGATES, FUNCTIONS, WINDOWS, Generated

EXAMPLES_PER_PATH = 150  # per read path (inline, snapshot): 300 generated queries per run
MIN_ACCEPTED = 0.20  # a grammar that drifts into refused text proves nothing


@pytest.fixture(scope="module")
def world(settings, raw, analyst, grants) -> World:
    """Both read paths over the session's lake: inline masks, and the grants' snapshots."""
    materialise_all(settings, analyst, grants)
    paths = {"inline": make_settings(settings.home, gateway_snapshots="off"),
             "snapshot": make_settings(settings.home, gateway_snapshots="manual")}
    reference = reference_database(raw, grants, settings.secret_key.get_secret_value())
    yield World(settings, analyst, grants, reference, paths,
                secrets_of(settings, raw, grants, reference))
    reference.close()


def test_the_grammar_calls_every_allowlisted_function() -> None:
    generated = set(FUNCTIONS) | set(AGGREGATES) | set(WINDOWS)
    assert sorted(set(ALLOWLISTED) - generated) == []


def _findings(tally: Tally) -> str:
    return "\n".join(f"{v.outcome} {v.code}: {sql!r}\n    {v.detail[:400]}"
                     for sql, v in tally.findings)


@pytest.mark.parametrize("path", ["inline", "snapshot"])
def test_generated_queries_leak_nothing(world, path) -> None:
    tally = Tally()

    @hsettings(max_examples=EXAMPLES_PER_PATH, deadline=None, derandomize=True, database=None,
               phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(generated=queries())
    def run(generated: Generated) -> None:
        world.check(generated, path, tally)

    run()
    print(tally.report())
    assert tally.generated == EXAMPLES_PER_PATH
    assert not tally.findings, _findings(tally)
    assert tally.outcomes["match"] >= MIN_ACCEPTED * tally.generated, tally.report()


def test_the_regression_file_is_read() -> None:
    leaks = read_leaks()
    assert leaks and all(sql.strip() for _, sql in leaks)


@pytest.mark.parametrize("path", ["inline", "snapshot"])
def test_every_query_once_found_leaking_is_refused_or_exact(world, path) -> None:
    tally = Tally()
    for _, sql in read_leaks():
        world.check(Generated(sql, frozenset(), True), path, tally)
    assert not tally.findings, _findings(tally)


# -- issue 14, spelled out: text sqlglot keeps verbatim, printed back as SQL ------------------
def _injected(carrier: str, payload: str) -> str:
    return f"SELECT name, {carrier.format(payload)} FROM ga_population LIMIT 1"


_CAST = 'CAST(1 AS main."INT), {} AS leak, CAST(1 AS INT")'
SECRETS_BY_INJECTION = {
    # the per-grant HMAC key, bound as $hub_k0_i / $hub_k0_o, read back (inline masking)
    "hmac key": _injected(_CAST, "(SELECT hex($hub_k0_i))"),
    "hmac key length": _injected(_CAST, "(SELECT octet_length($hub_k0_o))"),
    "citywide row count": _injected(_CAST, "(SELECT count(*) FROM hub.published.ga_population)"),
    "other districts' rows": _injected(
        _CAST, "(SELECT list(name || id_number || address) FROM hub.published.ga_population "
               "WHERE district_code <> '441302')"),
    "raw schema": _injected(_CAST, "(SELECT count(*) FROM hub.raw.ga_population)"),
    "lake file by read_parquet": _injected(
        _CAST, "(SELECT count(*) FROM "
               "read_parquet('@LAKE@/standardised/ga_population/*/*.parquet'))"),
    "lake file by path": _injected(
        _CAST, "(SELECT count(*) FROM '@LAKE@/standardised/ga_population/20261101T020000/"
               "accepted.parquet')"),
    "meta table": _injected(_CAST, "(SELECT s FROM hub.meta.secrets)"),
    "settings": _injected(_CAST, "current_setting('allowed_directories')"),
    ":: cast": _injected('1::main."INT), {} AS leak, CAST(1 AS INT"',
                         "(SELECT count(*) FROM hub.published.ga_population)"),
    "TRY_CAST": _injected('TRY_CAST(1 AS main."INT), {} AS leak, CAST(1 AS INT")',
                          "(SELECT count(*) FROM hub.published.ga_population)"),
    "quoted type sqlglot does not know": _injected(
        'CAST(1 AS "varint), {} AS leak, CAST(1 AS INT")',
        "(SELECT count(*) FROM hub.published.ga_population)"),
    "catalog-qualified type": _injected('CAST(1 AS hub.main."INT), {} AS leak, CAST(1 AS INT")',
                                        "(SELECT count(*) FROM hub.published.ga_population)"),
    "array of an unknown type": _injected(
        'CAST(1 AS main."INT), {} AS leak, CAST([1] AS INT"[])',
        "(SELECT count(*) FROM hub.published.ga_population)"),
    "map of an unknown type": _injected(
        'CAST(NULL AS MAP(VARCHAR, main."INT)), {} AS leak, CAST(NULL AS MAP(INT, INT"))',
        "(SELECT count(*) FROM hub.published.ga_population)"),
    "in WHERE": "SELECT name FROM ga_population WHERE CAST(1 AS main.\"INT) = 1 AND (SELECT "
                "count(*) FROM hub.published.ga_population) = 600 AND CAST(1 AS INT\") = 1",
    "in arithmetic": "SELECT name, CAST(1 AS main.\"INT) + octet_length($hub_k0_i) + CAST(0 AS "
                     "INT\") AS n FROM ga_population LIMIT 1",
    # not only type names: type parameters and EXTRACT's field are kept as text too
    "decimal scale": _injected('CAST(1 AS DECIMAL(10, "2)), {} AS leak, CAST(1 AS DECIMAL(10, 2"))',
                               "(SELECT count(*) FROM hub.published.ga_population)"),
    "decimal precision": _injected(
        'CAST(1 AS DECIMAL("10)), {} AS leak, CAST(1 AS DECIMAL(10", 2))',
        "(SELECT count(*) FROM hub.published.ga_population)"),
    "timestamp precision": _injected(
        'CAST(NULL AS TIMESTAMP("3)), {} AS leak, CAST(NULL AS TIMESTAMP(3"))',
        "(SELECT hex($hub_k0_i))"),
    "date_add unit (a string literal)": _injected(
        "date_add(birth_date, 1, 'day, {} AS leak, 1')",
        "(SELECT count(*) FROM hub.published.ga_population)"),
    "EXTRACT field": _injected(
        "EXTRACT(\"year FROM birth_date), {} AS leak, EXTRACT(year\" FROM birth_date)",
        "(SELECT list(name) FROM hub.published.ga_population WHERE district_code <> '441302')"),
}


@pytest.mark.parametrize("sql", list(SECRETS_BY_INJECTION.values()),
                         ids=list(SECRETS_BY_INJECTION))
def test_spliced_text_is_refused_on_every_read_path(world, sql) -> None:
    answered = {}
    for path, settings in world.paths.items():
        try:
            table = execute(settings, plan(world.analyst, world.grants,
                                           substitute(sql, settings), settings=settings))
        except PolicyError:
            continue
        answered[path] = table.slice(0, 1).to_pylist()
    assert answered == {}


@pytest.mark.parametrize("path", ["inline", "snapshot"])
def test_errors_are_no_oracle_on_other_districts(world, path) -> None:
    """A predicate that fails only on rows of other districts neither fails nor counts: the
    district filter runs before anything the analyst wrote."""
    settings = world.paths[path]
    probe = ("SELECT count(*) AS n FROM ga_population WHERE CAST(CASE WHEN district_code "
             "{} THEN 'x' ELSE '1' END AS INTEGER) = 1")
    answers = [execute(settings, plan(world.analyst, world.grants, probe.format(cond),
                                      settings=settings)).to_pylist()
               for cond in ("= '441303'", "= '999999'", "<> '441302'")]
    assert answers[0] == answers[1] == answers[2] == [{"n": 200}]
