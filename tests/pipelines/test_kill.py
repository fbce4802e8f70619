"""SIGKILL during a materialisation never exposes a partial or unlisted file, and the rerun
reaches exactly the state of an uninterrupted run."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from catalog import RESOURCES

pytestmark = pytest.mark.slow

HUB = [sys.executable, "-c", "from catalog.cli import main; main()"]
# A snapshot with history (GB18030 CSV), an append resource (three monthly batches) and a
# JSON Lines resource: every step and kill point, at a fraction of the whole city's run time.
KILL_RESOURCES = ("ga.population", "rs.social_insurance", "wj.deaths")


def hub_env(home: Path, landing: Path) -> dict[str, str]:
    return {**os.environ, "HUB_HOME": str(home), "HUB_LANDING": str(landing),
            "DAGSTER_HOME": str(home / "dagster"), "HUB_DUCKDB_MEMORY_LIMIT": "2GB",
            # Small chunks: many chunks indexed and read, so the kill points below are wide
            # enough to hit.
            "HUB_INGEST_CHUNK_BYTES": "65536"}


def materialize(home: Path, landing: Path) -> None:
    subprocess.run([*HUB, "materialize"], env=hub_env(home, landing), check=True,
                   capture_output=True, timeout=600)


def copy_landing(city: Path, target: Path) -> Path:
    for code in KILL_RESOURCES:
        shutil.copytree(city / "landing" / code, target / code)
    return target


def published_state(home: Path) -> dict[str, tuple]:
    """Row count and an order-independent checksum of every published and quarantine view."""
    state = {}
    con = duckdb.connect(str(home / "hub.duckdb"), read_only=True,
                         config={"home_directory": str(home)})
    try:
        for resource in map(RESOURCES.get, KILL_RESOURCES):
            for schema in ("published", "quarantine", "history"):
                state[f"{schema}.{resource.table}"] = con.execute(
                    f"SELECT count(*), sum(hash(to_json(t))) FROM {schema}.{resource.table} t"
                ).fetchall()[0]
    finally:
        con.close()
    return state


def assert_readers_see_only_complete_files(home: Path) -> None:
    """Whatever a reader can open is complete: every view of every layer reads in full."""
    db = home / "hub.duckdb"
    if not db.exists():
        return
    con = duckdb.connect(str(db), read_only=True, config={"home_directory": str(home)})
    try:
        views = con.execute("SELECT schema_name, view_name FROM duckdb_views() "
                            "WHERE NOT internal").fetchall()
        assert views
        for schema, view in views:
            con.execute(f"SELECT * FROM {schema}.{view}").fetchall()
        listed = con.execute("SELECT count(*) FROM meta.batches").fetchall()[0][0]
        assert listed >= 0
    finally:
        con.close()


def file_kept(home: Path) -> bool:
    """A delivered file kept under its SHA-256 (`lake/delivered/<sha256>`), its batch not yet
    indexed or listed."""
    return any(p for p in (home / "lake" / "delivered").glob("*") if not p.name.startswith("."))


def staged_index(home: Path) -> bool:
    """The raw step writing a batch's index of lines (it replaced the raw parts, issue 18)."""
    return any((home / "lake" / "_staging").glob("*/index.parquet"))


def raw_promoted(home: Path) -> bool:
    return any((home / "lake" / "raw").glob("*/*"))


def one_pass_running(home: Path) -> bool:
    """A batch indexed and a staging directory still empty: the one pass reading kept files
    into its table, before any file of the batch is written."""
    return raw_promoted(home) and any(
        d.is_dir() and not any(d.iterdir()) for d in (home / "lake" / "_staging").glob("*"))


def standardise_staged(home: Path) -> bool:
    return any((home / "lake" / "_staging").glob("*/accepted.parquet"))


def analyst_db_building(home: Path) -> bool:
    return any(home.glob(".hub.duckdb.*"))


def second_publication(home: Path) -> bool:
    return len(list((home / "lake" / "standardised").glob("*/*"))) >= 3


KILL_POINTS = {
    "delivered-file-kept": file_kept,
    "raw-index-being-written": staged_index,
    "raw-batch-promoted": raw_promoted,
    "one-pass-running": one_pass_running,
    "standardised-being-written": standardise_staged,
    "analyst-db-being-built": analyst_db_building,
    "midway-through-resources": second_publication,
}


@pytest.fixture(scope="module")
def reference(noisy_city, tmp_path_factory) -> dict[str, tuple]:
    home = tmp_path_factory.mktemp("reference")
    materialize(home, copy_landing(noisy_city, home / "landing"))
    return published_state(home)


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_kill_at(point, noisy_city, tmp_path, reference):
    home = tmp_path / "home"
    home.mkdir()  # a hub home is made on purpose (`hub init`); the CLI never invents one
    landing = copy_landing(noisy_city, tmp_path / "landing")
    process = subprocess.Popen([*HUB, "materialize"], env=hub_env(home, landing),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    reached = KILL_POINTS[point]
    deadline = time.monotonic() + 300
    while not reached(home) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    assert process.poll() is None, f"the run finished before {point} was seen"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert_readers_see_only_complete_files(home)
    materialize(home, landing)
    assert published_state(home) == reference
