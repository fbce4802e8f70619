"""The lake as Iceberg tables (catalog.iceberg): read back with pyiceberg from a fresh catalog,
as another engine would, every table and every batch tag holds the rows of the hub's own views."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pyiceberg.catalog import load_catalog

from catalog import RESOURCES, HubSettings, Load, Publication, open_registry
from catalog.analystdb import standardised_columns
from catalog.iceberg import file_uri, sync_resource, tag_name
from catalog.lake import connect
from catalog.originals import shown_originals
from catalog.registry import Registry, registry_url
from catalog.sqltext import ident, sql_str
from tests.catalog.test_registry_postgres import POSTGRES_BIN, postgres_url  # noqa: F401
from tests.cli import clean_env, hub
from tests.conftest import run_ingest
from tests.pipelines.helpers import ingest

NEXT = "20261201T020000"  # a batch after the generated city's newest


def deliver_more(settings: HubSettings) -> None:
    """A new population snapshot (the newest one less its last rows) and a social-insurance
    month re-delivering 30 records of the month before with another contribution base."""
    def lines(code: str) -> list[bytes]:
        newest = max((settings.landing_dir / code).glob("2*"))
        return newest.read_bytes().splitlines(keepends=True)

    population = lines("ga.population")
    (settings.landing_dir / "ga.population" / f"{NEXT}.csv").write_bytes(
        b"".join(population[:-10]))
    insurance = lines("rs.social_insurance")
    again = [line.replace(b".00", b".50") for line in insurance[1:31]]
    (settings.landing_dir / "rs.social_insurance" / f"{NEXT}.csv").write_bytes(
        b"".join([insurance[0], *again]))


def superseded(settings: HubSettings) -> int:
    """Rows of earlier months whose key the newest month delivers again."""
    key = ", ".join(RESOURCES["rs.social_insurance"].key)
    with connect(settings, settings.analyst_db, read_only=True) as con:
        return con.execute(
            f"SELECT count(*) FROM history.rs_social_insurance WHERE _batch_id < ? AND ({key}) "
            f"IN (SELECT ({key}) FROM history.rs_social_insurance WHERE _batch_id = ?)",
            [NEXT, NEXT]).fetchone()[0]


def reader(settings: HubSettings):
    """The catalog as Spark or Trino would open it: its properties only, no hub code."""
    uri = registry_url(settings.registry_url).render_as_string(hide_password=False)
    return load_catalog("hub", type="sql", uri=uri, warehouse=f"file://{settings.home}/iceberg")


def published_codes(settings: HubSettings) -> list[str]:
    with open_registry(settings).session() as s:
        return sorted({p.resource_code for p in s.query(Publication)})


def assert_same_rows(settings: HubSettings, code: str, ice, view: str) -> None:
    """The Iceberg rows, originals restored as the views restore them, are the view's rows
    (as a multiset: every row as often)."""
    resource = RESOURCES[code]
    columns = list(standardised_columns(resource))
    shown = shown_originals(resource)
    present = set(ice.column_names)
    mine = ", ".join(shown[c] if c in shown and c in present
                     else ident(c) if c in present else f"NULL AS {ident(c)}" for c in columns)
    listed = ", ".join(ident(c) for c in columns)
    with connect(settings, settings.analyst_db, read_only=True) as con:
        con.register("ice", ice)
        a, b = f"SELECT {mine} FROM ice", f"SELECT {listed} FROM {view}"
        counts = con.execute(f"SELECT (SELECT count(*) FROM ({a})), (SELECT count(*) FROM ({b})),"
                             f" (SELECT count(*) FROM ({a} EXCEPT ALL {b})),"
                             f" (SELECT count(*) FROM ({b} EXCEPT ALL {a}))").fetchone()
    assert counts[0] == counts[1] and counts[2:] == (0, 0), (code, view, counts)


def published_batches(settings: HubSettings, code: str) -> list[str]:
    with connect(settings, settings.analyst_db, read_only=True) as con:
        return [b for (b,) in con.execute(
            "SELECT batch_id FROM meta.batches WHERE resource_code = ? AND status = 'published' "
            "ORDER BY batch_id", [code]).fetchall()]


def assert_mirrors(settings: HubSettings, code: str) -> None:
    """The table is the published view, and each batch's tag its `as of` view."""
    table = reader(settings).load_table(code)
    resource = RESOURCES[code]
    assert_same_rows(settings, code, table.scan().to_arrow(), f"published.{resource.table}")
    for batch in published_batches(settings, code):
        tagged = table.snapshot_by_name(tag_name(batch))
        assert tagged is not None, (code, batch)
        assert tagged.summary["hub.batch-id"] == batch
        assert_same_rows(settings, code, table.scan(snapshot_id=tagged.snapshot_id).to_arrow(),
                         f"history.{resource.table}_as_of_batch({sql_str(batch)})")


def data_files(table) -> set[str]:
    return set(table.inspect.data_files().column("file_path").to_pylist())


def test_every_table_and_batch_tag_reads_back_as_the_hub_views(ingested):
    codes = published_codes(ingested)
    assert len(codes) >= 10
    catalog = reader(ingested)
    assert sorted(f"{ns}.{t}" for (ns,) in catalog.list_namespaces()
                  for _, t in catalog.list_tables(ns)) == codes
    for code in codes:
        assert_mirrors(ingested, code)
        table = catalog.load_table(code)
        # Built over the lake's own accepted files, registered as they are.
        lake = file_uri(ingested.lake / "standardised" / RESOURCES[code].table) + "/"
        assert data_files(table) and all(f.startswith(lake) for f in data_files(table))
        assert table.properties["schema.name-mapping.default"]
        with open_registry(ingested).session() as s:
            version = max(p.version for p in s.query(Publication).filter_by(resource_code=code))
        assert table.properties["hub.publication-version"] == str(version)


def test_population_keeps_both_snapshots_of_its_history(ingested):
    """A snapshot resource delivered twice: the older batch is its tag, the newer is current."""
    table = reader(ingested).load_table("ga.population")
    batches = published_batches(ingested, "ga.population")
    assert len(batches) == 2 and len(table.snapshots()) == 2
    older, newer = (table.snapshot_by_name(tag_name(b)) for b in batches)
    assert newer.snapshot_id == table.current_snapshot().snapshot_id
    assert newer.parent_snapshot_id == older.snapshot_id
    assert str(newer.summary.operation) in ("Operation.OVERWRITE", "overwrite")


@pytest.mark.slow
def test_a_second_publication_adds_one_snapshot_and_hides_corrected_rows(settings):
    assert run_ingest(settings).success
    catalog = reader(settings)
    before = {c: len(catalog.load_table(c).snapshots()) for c in ("ga.population",
                                                                    "rs.social_insurance")}
    deliver_more(settings)  # a new population snapshot; a month re-delivering keys
    assert run_ingest(settings).success
    corrected = superseded(settings)
    assert corrected > 0
    catalog = reader(settings)
    for code, count in before.items():
        table = catalog.load_table(code)
        assert len(table.snapshots()) == count + 1, code
        assert_mirrors(settings, code)
    insurance = catalog.load_table("rs.social_insurance")
    assert RESOURCES["rs.social_insurance"].load is Load.APPEND
    newest = insurance.current_snapshot()
    # The corrected keys' older rows are hidden by position deletes, no file rewritten.
    assert int(newest.summary["added-position-deletes"]) == corrected
    assert str(newest.summary.operation) in ("Operation.OVERWRITE", "overwrite")


@pytest.mark.slow
def test_a_failed_iceberg_step_leaves_the_publication_and_the_sync_catches_up(settings):
    # A file where the table's metadata directory belongs: a real failure of the Iceberg step.
    blocker = settings.home / "iceberg" / "ga" / "population"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("in the way")
    result = run_ingest(settings)
    assert result.success  # the publication does not depend on its Iceberg copy
    (events,) = [e for e in result.get_asset_materialization_events()
                 if e.asset_key.path == ["published", "ga_population"]]
    assert events.materialization.metadata["iceberg"].value.startswith(
        "ga.population: not brought up to date (")
    with connect(settings, settings.analyst_db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM published.ga_population").fetchone()[0] > 0
    assert ("ga", "population") not in reader(settings).list_tables("ga")

    env = clean_env(home=settings.home, landing=settings.landing_dir, language="en")
    failed = hub("iceberg", "sync", "--json", env=env)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    blocker.unlink()
    caught_up = hub("iceberg", "sync", "--json", env=env)
    assert caught_up.returncode == 0, caught_up.stderr
    rows = {r["table"]: r for r in map(json.loads, caught_up.stdout.splitlines())}
    assert rows["ga.population"]["snapshots_added"] == 2 and not rows["ga.population"]["error"]
    assert all(r["snapshots_added"] == 0 for t, r in rows.items() if t != "ga.population")
    assert_mirrors(settings, "ga.population")

    again = hub("iceberg", "sync", "--json", env=env)  # idempotent: nothing more to do
    assert again.returncode == 0, again.stderr
    assert all(r["snapshots_added"] == 0 and not r["rebuilt"]
               for r in map(json.loads, again.stdout.splitlines()))


@pytest.mark.slow
def test_a_moved_home_rebuilds_its_tables_where_they_now_are(settings, tmp_path):
    assert run_ingest(settings).success
    moved = tmp_path / "moved"
    shutil.move(settings.home, moved)
    env = clean_env(home=moved, landing=settings.landing_dir, language="en")
    assert hub("catalog", "list", env=env).returncode == 0  # the views follow the home
    synced = hub("iceberg", "sync", "--json", env=env)
    assert synced.returncode == 0, synced.stderr
    assert all(r["rebuilt"] for r in map(json.loads, synced.stdout.splitlines()) if r["version"])
    table = reader(HubSettings(home=moved, landing=settings.landing_dir)).load_table(
        "rs.social_insurance")
    assert all(f.startswith(file_uri(moved) + "/") for f in data_files(table))
    assert Path(table.location().removeprefix("file://")).is_relative_to(moved)


@pytest.mark.skipif(not (POSTGRES_BIN / "initdb").exists(),
                    reason="PostgreSQL 15 server binaries are not installed")
def test_the_catalog_lives_in_a_postgresql_registry(settings, postgres_url):  # noqa: F811
    settings.registry_url = postgres_url
    registry = Registry(postgres_url)
    registry.sync_declarations(list(RESOURCES.values()))
    ingest(settings, registry, "mz.members")
    synced = sync_resource(settings, registry, RESOURCES["mz.members"])
    assert (synced.version, synced.snapshots, synced.error) == (1, 1, "")
    with registry.engine.connect() as con:  # pyiceberg's tables beside the hub's
        assert con.exec_driver_sql("SELECT table_namespace, table_name FROM iceberg_tables "
                                   "WHERE catalog_name = 'hub'").all() == [("mz", "members")]
    assert_mirrors(settings, "mz.members")
    registry.dispose()


def test_a_batch_published_before_one_mirrored_rebuilds_the_history(settings):
    """A snapshot resource's late batch (an older batch id) changes "as of" in the past: the
    table is rebuilt from the registry, every tag as the views say."""
    registry = open_registry(settings)
    members = RESOURCES["mz.members"]
    ingest(settings, registry, members.code)
    first = sync_resource(settings, registry, members)
    assert (first.snapshots, first.rebuilt) == (1, False)
    newest = max((settings.landing_dir / members.code).glob("2*"))
    lines = newest.read_bytes().splitlines(keepends=True)
    late = newest.with_name("20261015T020000" + newest.suffix)
    late.write_bytes(b"".join(lines[:-5]))
    ingest(settings, registry, members.code)
    assert published_batches(settings, members.code) == ["20261015T020000", newest.stem]
    again = sync_resource(settings, registry, members)
    assert (again.snapshots, again.rebuilt) == (2, True)
    assert_mirrors(settings, members.code)
    assert sync_resource(settings, registry, members).snapshots == 0


def test_what_hub_iceberg_properties_prints_opens_the_catalog(ingested):
    shown = hub("iceberg", "properties", env=clean_env(home=ingested.home, language="en"))
    assert shown.returncode == 0, shown.stderr
    properties = dict(line.split("=", 1) for line in shown.stdout.splitlines())
    assert properties["warehouse"] == file_uri(ingested.home / "iceberg")
    catalog = load_catalog(properties.pop("name"), **properties)
    assert catalog.load_table("ga.population").scan().to_arrow().num_rows == len(
        reader(ingested).load_table("ga.population").scan().to_arrow())


def test_as_of_a_time_is_the_tag_of_the_newest_batch_delivered_by_then(ingested):
    """The hub's `_as_of(ts)` (by delivery) maps to a tag through `hub.delivered-at`."""
    from datetime import datetime, timedelta

    table = reader(ingested).load_table("rs.social_insurance")
    delivered = sorted((datetime.fromisoformat(s.summary["hub.delivered-at"]), s.snapshot_id)
                       for s in table.snapshots() if "hub.delivered-at" in s.summary)
    assert len(delivered) == 3
    for at, _ in delivered:
        moment = at + timedelta(hours=1)
        chosen = [s for w, s in delivered if w <= moment][-1]
        assert_same_rows(ingested, "rs.social_insurance",
                         table.scan(snapshot_id=chosen).to_arrow(),
                         f"history.rs_social_insurance_as_of(TIMESTAMPTZ '{moment.isoformat()}')")
