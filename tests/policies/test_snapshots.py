"""Per-grant materialised snapshots: the same results as the inline masked form, tokens of the
grant's key only, invalidated by a new publication, a new policy, revocation or expiry, and
never visible half-written."""

from __future__ import annotations

import json
import logging
import os
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import partial

import duckdb
import pyarrow.parquet as pq
import pytest

import policies.builds as building
from catalog import open_registry
from policies import (
    GrantStore,
    PolicyError,
    Principal,
    default_policy,
    execute,
    grant_key,
    plan,
    snapshots,
)
from policies.builds import materialise, wait_for_builds
from policies.connection import gateway_connection
from policies.masks import token
from policies.rewrite import GatewayDuckDB, read_snapshots
from policies.snapshots import REVOKED, Resolution, prepare_views, prune_snapshots, recorded
from tests.policies.conftest import DISTRICT, POPULATION_ITEMS, make_settings, provision
from tests.policies.lake import build_lake

ANALYST = Principal("analyst-1", "hub", frozenset({"analyst"}), DISTRICT)
CITYWIDE = Principal("analyst-2", "hub", frozenset({"analyst"}))
QUERIES = [
    ("SELECT district_code, gender, year(birth_date) AS y, count(*) AS n FROM ga_population "
     "GROUP BY ALL ORDER BY ALL"),
    "SELECT status, count(*) AS n FROM ga_population WHERE status <> '正常' GROUP BY status",
    ("SELECT count(*) AS households FROM (SELECT household_id FROM ga_population "
     "GROUP BY household_id HAVING count(*) >= 1)"),
    "SELECT name, gender, birth_date, address, id_number FROM ga_population ORDER BY ALL",
    ("SELECT p.name, p.id_number, d.death_date FROM ga_population p JOIN wj_deaths d "
     "ON p.name = d.name AND p.district_code = d.district_code"),
]


class Lake:
    """A private lake (some tests publish again, revoke or expire): settings per read path."""

    def __init__(self, home, people) -> None:
        self.settings = make_settings(home)
        self.raw = build_lake(self.settings, people)
        registry = open_registry(self.settings)
        self.store = GrantStore(registry, settings=self.settings)
        self.inline = make_settings(home, gateway_snapshots="off")
        self.manual = make_settings(home, gateway_snapshots="manual")
        self.auto = make_settings(home, gateway_snapshots="auto")

    def grant(self, code="ga.population", items=POPULATION_ITEMS, **kw):
        return provision(self.store, code, items, **kw)

    def run(self, settings, grants, sql, principal=ANALYST, **kw):
        return execute(settings, plan(principal, grants, sql, settings=settings, **kw))

    def snapshots(self):
        return sorted((self.settings.home / "grants").rglob("*.parquet"))

    def publish_again(self, version: int, rows: int) -> None:
        """A new version of ga.population (its first `rows` rows), in a new analysts' database
        renamed over the old one, as `catalog.analystdb` publishes."""
        new = self.settings.lake / "standardised" / "ga_population" / f"v{version}"
        new.mkdir(parents=True)
        pq.write_table(self.raw["ga.population"].slice(0, rows), new / "accepted.parquet")
        building_db = self.settings.analyst_db.with_name("next.duckdb")
        with duckdb.connect(str(building_db)) as con:
            con.execute("CREATE SCHEMA published")
            con.execute("CREATE SCHEMA meta")
            con.execute("CREATE VIEW published.ga_population AS SELECT * FROM "
                        f"read_parquet('{new / 'accepted.parquet'}')")
            con.execute("CREATE TABLE meta.publications AS SELECT 'ga.population' AS "
                        f"resource_code, CAST({version} AS BIGINT) AS version")
        os.replace(building_db, self.settings.analyst_db)


@pytest.fixture
def own(tmp_path, people) -> Lake:
    return Lake(tmp_path / "home", people)


def _bag(table) -> list[tuple]:
    return sorted(tuple(map(repr, row.values())) for row in table.to_pylist())


def _reads(caplog) -> list[str]:
    """The snapshot files queries read since the log was last cleared."""
    reads = [r.args[2] for r in caplog.records if r.name == "policies.snapshots"]
    caplog.clear()
    return reads


@pytest.fixture(autouse=True)
def _log(caplog):
    caplog.set_level(logging.DEBUG, logger="policies.snapshots")


@pytest.mark.parametrize("principal", [ANALYST, CITYWIDE], ids=["district", "citywide"])
@pytest.mark.parametrize("sql", QUERIES, ids=[q[:40] for q in QUERIES])
def test_snapshot_gives_the_inline_results(own, caplog, principal, sql) -> None:
    grants = [own.grant(), own.grant("wj.deaths", ["id_number", "name", "death_date",
                                                   "district_code"])]
    built = [materialise(own.settings, principal, g) for g in grants]
    assert all(b is not None and b.rows > 0 for b in built)
    inline = own.run(own.inline, grants, sql, principal)
    assert _reads(caplog) == []
    snapshot = own.run(own.manual, grants, sql, principal)
    assert len(_reads(caplog)) == len({t for t in ("ga_population", "wj_deaths") if t in sql})
    assert _bag(snapshot) == _bag(inline) and snapshot.schema == inline.schema
    assert inline.num_rows > 0


def test_tokens_are_the_grants_across_paths_and_differ_between_grants(own, caplog) -> None:
    one, other = own.grant(), own.grant(department="hub", purpose="人口统计")
    sql = "SELECT id_number, household_id FROM ga_population ORDER BY ALL"
    for grant in (one, other):
        materialise(own.settings, ANALYST, grant)
    inline = own.run(own.inline, [one], sql)
    snapshot = own.run(own.manual, [one], sql)
    assert len(_reads(caplog)) == 1 and snapshot.to_pylist() == inline.to_pylist()
    key = grant_key(own.settings.secret_key.get_secret_value(), one.id)
    assert sorted(snapshot.column("id_number").to_pylist()) == sorted(
        token(key, r["id_number"]) for r in own.raw["ga.population"].to_pylist()
        if r["district_code"] == DISTRICT)
    theirs = own.run(own.manual, [other], sql, grant_ids=[other.id])
    assert len(_reads(caplog)) == 1
    assert set(theirs.column("id_number").to_pylist()).isdisjoint(
        snapshot.column("id_number").to_pylist())
    assert set(theirs.column("household_id").to_pylist()).isdisjoint(
        snapshot.column("household_id").to_pylist())


def test_aggregate_snapshot_keeps_the_group_size_without_raw_identifiers(own, caplog) -> None:
    principal = Principal("stat-1", "wj", frozenset({"analyst"}))
    grant = own.grant(items=["gender", "birth_date", "district_code", "status", "id_number"],
                      mode="aggregate", department="wj")
    built = materialise(own.settings, principal, grant)
    stored = pq.read_table(built.path)
    ids = set(own.raw["ga.population"].column("id_number").to_pylist())
    assert ids.isdisjoint(stored.column("__hub_person").to_pylist())
    limited = {m: make_settings(own.settings.home, gateway_snapshots=m, min_group_size=45)
               for m in ("off", "manual")}
    sql = ("SELECT district_code, status, year(birth_date) > 1980 AS young, count(*) AS n "
           "FROM ga_population GROUP BY ALL")
    inline = own.run(limited["off"], [grant], sql, principal)
    assert _reads(caplog) == []
    snapshot = own.run(limited["manual"], [grant], sql, principal)
    assert len(_reads(caplog)) == 1
    assert _bag(snapshot) == _bag(inline)
    truth = Counter((r["district_code"], r["status"], r["birth_date"].year > 1980)
                    for r in own.raw["ga.population"].to_pylist())
    kept = {g: n for g, n in truth.items() if n >= 45}
    assert {(r["district_code"], r["status"], r["young"]): r["n"]
            for r in snapshot.to_pylist()} == kept and 0 < len(kept) < len(truth)


def test_a_new_publication_replaces_the_snapshot(own, caplog) -> None:
    grant = own.grant()
    first = materialise(own.settings, ANALYST, grant).path
    own.publish_again(version=2, rows=300)
    sql = "SELECT count(*) AS n, count(DISTINCT id_number) AS ids FROM ga_population"
    expected = sum(r["district_code"] == DISTRICT
                   for r in own.raw["ga.population"].slice(0, 300).to_pylist())
    assert own.run(own.manual, [grant], sql).to_pylist() == [{"n": expected, "ids": expected}]
    assert _reads(caplog) == [] and first.exists()  # stale: not read, not yet replaced
    second = materialise(own.settings, ANALYST, grant).path
    assert second.name.startswith("v2-") and not first.exists()
    assert own.run(own.manual, [grant], sql).to_pylist() == [{"n": expected, "ids": expected}]
    assert _reads(caplog) == [second.name]


def test_a_new_policy_version_replaces_the_snapshot(own, caplog) -> None:
    grant = own.grant()
    old = materialise(own.settings, ANALYST, grant).path
    newer = default_policy().model_copy(update={"version": "2099.1.1+000000000000"})
    sql = "SELECT count(*) AS n FROM ga_population"
    counted = execute(own.manual, plan(ANALYST, [grant], sql, settings=own.manual, policy=newer))
    assert _reads(caplog) == [] and old.exists()
    new = materialise(own.settings, ANALYST, grant, policy=newer).path
    assert new != old and not old.exists() and "2099.1.1" in new.name
    again = execute(own.manual, plan(ANALYST, [grant], sql, settings=own.manual, policy=newer))
    assert _reads(caplog) == [new.name] and again.to_pylist() == counted.to_pylist()


def test_revoking_a_grant_deletes_its_snapshots(own) -> None:
    grant, kept = own.grant(), own.grant(purpose="人口统计")
    for g in (grant, kept):
        materialise(own.settings, ANALYST, g)
        materialise(own.settings, CITYWIDE, g)
    assert len(own.snapshots()) == 4
    own.store.revoke_grant(grant.id, "order revoked")
    assert [p.parent.parent.name for p in own.snapshots()] == [kept.id, kept.id]
    assert (own.settings.home / "grants" / grant.id / REVOKED).exists()
    with pytest.raises(PolicyError) as caught:
        materialise(own.settings, ANALYST, own.store.get_grant(grant.id))
    assert caught.value.code == "grant_inactive"
    binding = plan(ANALYST, [grant], "SELECT 1 FROM ga_population",
                   settings=own.manual).bindings[0]  # planned before the revocation
    assert building.build(own.settings, binding, default_policy().version) is None
    assert [p.parent.parent.name for p in own.snapshots()] == [kept.id, kept.id]


def test_expired_and_unknown_grants_lose_their_snapshots(own) -> None:
    grant, kept = own.grant(), own.grant(valid_until=datetime.now(UTC) + timedelta(days=90))
    for g in (grant, kept):
        materialise(own.settings, ANALYST, g)
    assert own.store.expire_due(at=datetime.now(UTC) + timedelta(days=45)) == 1
    assert [p.parent.parent.name for p in own.snapshots()] == [kept.id]
    assert prune_snapshots(own.settings, []) == [kept.id] and own.snapshots() == []


def test_a_snapshot_is_invisible_until_complete(own, caplog, monkeypatch) -> None:
    """At the last moment before the rename the staged file is whole but the final one does
    not exist: a query then reads inline, with the same result."""
    grant = own.grant()
    sql = "SELECT household_id, count(*) AS n FROM ga_population GROUP BY ALL ORDER BY ALL"
    expected = own.run(own.inline, [grant], sql).to_pylist()
    seen = {}
    real = building.fsync_path

    def look_then_fsync(path):
        if path.suffix == ".parquet" and not seen:
            seen["staged rows"] = pq.read_metadata(path).num_rows
            seen["final"] = list((own.settings.home / "grants" / grant.id).rglob("*.parquet"))
            seen["result"] = own.run(own.manual, [grant], sql).to_pylist()
            seen["reads"] = _reads(caplog)
        real(path)

    monkeypatch.setattr(building, "fsync_path", look_then_fsync)
    built = materialise(own.settings, ANALYST, grant)
    assert seen == {"staged rows": built.rows, "final": [], "result": expected, "reads": []}
    assert own.run(own.manual, [grant], sql).to_pylist() == expected
    assert _reads(caplog) == [built.path.name]


def test_a_build_killed_before_the_rename_leaves_nothing(own, caplog, monkeypatch) -> None:
    grant = own.grant()

    def crash(path):
        raise KeyboardInterrupt

    monkeypatch.setattr(building, "fsync_path", crash)
    with pytest.raises(KeyboardInterrupt):
        materialise(own.settings, ANALYST, grant)
    monkeypatch.undo()
    staging = own.settings.home / "grants" / "_staging"
    assert own.snapshots() == [] and list(staging.iterdir()) == []
    sql = "SELECT count(*) AS n FROM ga_population"
    assert own.run(own.manual, [grant], sql).to_pylist() == own.run(
        own.inline, [grant], sql).to_pylist()
    assert _reads(caplog) == []


def test_a_file_that_does_not_record_its_key_is_not_read(own, caplog) -> None:
    """A truncated file, or another grant's snapshot copied into place, is never read."""
    grant, other = own.grant(), own.grant(purpose="人口统计")
    path = materialise(own.settings, ANALYST, grant).path
    theirs = materialise(own.settings, ANALYST, other).path
    sql = "SELECT id_number FROM ga_population ORDER BY ALL"
    expected = own.run(own.inline, [grant], sql, grant_ids=[grant.id]).to_pylist()
    key, whole = recorded(path), path.read_bytes()
    for damaged in (theirs.read_bytes(), whole[: len(whole) // 2]):
        path.write_bytes(damaged)
        assert recorded(path) in (recorded(theirs), None) and recorded(path) != key
        assert own.run(own.manual, [grant], sql, grant_ids=[grant.id]).to_pylist() == expected
        assert _reads(caplog) == []


def test_auto_mode_builds_in_the_background(own, caplog) -> None:
    grant = own.grant()
    sql = "SELECT gender, count(*) AS n FROM ga_population GROUP BY ALL ORDER BY ALL"
    first = own.run(own.auto, [grant], sql)
    assert _reads(caplog) == []
    assert wait_for_builds(60) and len(own.snapshots()) == 1
    assert own.run(own.auto, [grant], sql) == first
    assert _reads(caplog) == [own.snapshots()[0].name]
    assert own.run(own.manual, [grant], sql) == first and len(own.snapshots()) == 1


def test_the_engine_cannot_open_another_grants_snapshot(own) -> None:
    """Below the checker: the locked connection may read only its own snapshot's file."""
    mine, theirs = own.grant(), own.grant(purpose="人口统计")
    materialise(own.settings, ANALYST, mine)
    other = materialise(own.settings, ANALYST, theirs).path
    governed = plan(ANALYST, [mine], "SELECT 1 FROM ga_population", settings=own.manual,
                    grant_ids=[mine.id])
    found = Resolution()
    prepare = partial(prepare_views, settings=own.manual, bindings=governed.bindings,
                      policy_version=governed.policy_version, into=found)
    with gateway_connection(own.manual, governed.tables, prepare=prepare) as con:
        assert list(found.reads) == ["ga.population"]
        for sql in (f"SELECT * FROM read_parquet('{other}')", f"SELECT * FROM '{other}'",
                    f"SELECT * FROM read_parquet('{other.parent}/*.parquet')"):
            with pytest.raises(duckdb.PermissionException):
                con.execute(sql).fetchall()
        with pytest.raises(duckdb.Error):
            con.execute("SET allowed_paths = ?", [[str(other)]])


def test_cli_materialises_and_expiry_deletes(own, monkeypatch) -> None:
    from click.testing import CliRunner

    from catalog.cli import main as hub_main
    from policies.cli import register

    if "sql" not in hub_main.commands:
        register(hub_main)
    monkeypatch.setenv("HUB_HOME", str(own.settings.home))
    monkeypatch.setenv("HUB_LANDING", str(own.settings.landing))
    grant = own.grant(valid_until=datetime.now(UTC) + timedelta(seconds=3))
    own.grant("ga.vehicles", ["plate_number"])  # denied to analysts by the policy
    runner = CliRunner()
    out = runner.invoke(hub_main, ["grants", "materialise", "--subject", "analyst-1",
                                   "--department", "hub", "--district", DISTRICT],
                        catch_exceptions=False)
    assert out.exit_code == 0, out.output
    lines = sorted((json.loads(line) for line in out.stdout.splitlines()),
                   key=lambda line: line["resource"])
    assert lines[0]["grant"] == grant.id and lines[0]["rows"] == 200
    assert lines[0]["snapshot"] == own.snapshots()[0].name
    assert lines[1]["error"]["code"] == "denied"
    time.sleep(3)
    out = runner.invoke(hub_main, ["grants", "expire"], catch_exceptions=False)
    assert out.output.splitlines() == ["1 grant expired",
                                       "snapshots of 0 unusable grants deleted"]
    assert own.snapshots() == []


def test_a_snapshot_read_computes_no_token(own) -> None:
    """What the speed rests on: the query over a snapshot hashes nothing and reads the file
    through a view; the audited SQL stays the inline form."""
    grant = own.grant()
    governed = plan(ANALYST, [grant], "SELECT household_id FROM ga_population p",
                    settings=own.manual)
    sql = read_snapshots(governed.tree, {"ga.population": "__hub_snapshot_0"}).sql(
        dialect=GatewayDuckDB)
    assert sql == "SELECT household_id FROM (SELECT * FROM __hub_snapshot_0) AS p"
    assert "__HUB_TOKEN_HUB_K0(" in governed.sql


def test_a_grant_revoked_during_a_build_keeps_no_snapshot(own, monkeypatch) -> None:
    grant = own.grant()
    real = building.fsync_path

    def revoke_then_fsync(path):
        if path.suffix == ".parquet":  # written, not yet renamed into place
            own.store.revoke_grant(grant.id, "order revoked")
        real(path)

    monkeypatch.setattr(building, "fsync_path", revoke_then_fsync)
    assert materialise(own.settings, ANALYST, grant) is None
    assert own.snapshots() == []
    assert [p.name for p in (own.settings.home / "grants" / grant.id).iterdir()] == [REVOKED]


def test_a_snapshot_deleted_before_the_read_falls_back_inline(own, monkeypatch) -> None:
    """A build of a newer publication, or a revocation, may delete a file a query has just
    made its view over: the query then reads the inline form."""
    grant = own.grant()
    path = materialise(own.settings, ANALYST, grant).path
    sql = "SELECT household_id, count(*) AS n FROM ga_population GROUP BY ALL ORDER BY ALL"
    expected = own.run(own.inline, [grant], sql)
    real = snapshots.prepare_views

    def prepare_then_delete(con, **kw):
        files = real(con, **kw)
        assert files == [path]
        path.unlink()
        return files

    monkeypatch.setattr(snapshots, "prepare_views", prepare_then_delete)
    assert own.run(own.manual, [grant], sql) == expected
