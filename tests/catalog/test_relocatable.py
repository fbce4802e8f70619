"""A hub home copied elsewhere works unchanged: the registry and the analysts' views name files
relative to the home, so nothing is rebuilt and a copy never reads the original's files.
Everything through the `hub` command, and the analysts' database through plain DuckDB."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3

import duckdb
import pytest

from tests.cli import clean_env, hub
from tests.pipelines.helpers import MEMBERS_HEADER

pytestmark = pytest.mark.slow  # two in-process Dagster runs of one resource


def deliver(home, batch: str, rows: list[str]) -> None:
    folder = home / "landing" / "mz.members"
    folder.mkdir(parents=True, exist_ok=True)
    text = "\n".join([MEMBERS_HEADER, *rows]) + "\n"
    (folder / f"{batch}.csv").write_bytes(text.encode("gbk"))


def ok(*args, env):
    result = hub(*args, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_a_copied_home_answers_queries_and_ingests(tmp_path):
    original = tmp_path / "original"
    ok("--home", original, "init", env=clean_env())
    deliver(original, "20261101T020000",
            ["C1,11010519491231002X,张三,本人", "C2,bad,李四", "C3,11010519491231002X,王五,子"])
    made = hub("materialize", "--resource", "mz.members", env=clean_env(home=original),
               timeout=600)
    assert made.returncode == 0, made.stderr[-3000:]
    # Not a terminal: the run's progress as plain lines, step by step.
    steps = re.findall(r"Materialising: (\d+)/(\d+) (\S+)", made.stderr)
    # Progress lines report the step finished last when they are written: under load two steps
    # may finish between lines, so the run is checked by its last line, not by each step.
    assert steps and steps[-1][0] == steps[-1][1], made.stderr
    assert re.search(r"Materialising: done in \d+\.\d s", made.stderr)

    moved = tmp_path / "elsewhere" / "hub"
    shutil.copytree(original, moved)
    views_before = hashlib.sha256((moved / "hub.duckdb").read_bytes()).hexdigest()
    # A copy beside its original reads its own files: the original's views are emptied.
    decoy = original / "lake" / "standardised" / "mz_members"
    for f in decoy.rglob("*.parquet"):
        f.write_bytes(b"not the copy's data")
    env = clean_env(home=moved)

    with sqlite3.connect(moved / "registry.db") as db:
        paths = db.execute("SELECT raw_path, accepted_path, quarantine_path "
                           "FROM batches").fetchall()
    assert paths and all(p and not p.startswith("/") for row in paths for p in row), paths

    items = "case_no,member_name"
    ok("grants", "provision", "--resource", "mz.members", "--department", "mz", "--items", items,
       "--purpose", "救助核查", "--legal-basis", "社会救助暂行办法", env=env)
    sql = "SELECT case_no, member_name FROM published.mz_members ORDER BY case_no"
    rows = json.loads(ok("sql", sql, "--subject", "analyst-1", "--department", "mz",
                         "--format", "json", env=env))
    assert [r["case_no"] for r in rows] == ["C1", "C3"]
    summary = ok("summary", env=env)
    assert "C2,bad,李四" in summary  # the quarantine example, read through the views
    entry = json.loads(ok("catalog", "show", "mz.members", env=env))
    assert entry["hub"]["rows"] == 2
    # Nothing was rebuilt for the new place: the views name files below `~`, the home.
    assert hashlib.sha256((moved / "hub.duckdb").read_bytes()).hexdigest() == views_before
    with duckdb.connect(str(moved / "hub.duckdb"), read_only=True,
                        config={"home_directory": str(moved)}) as con:
        views = " ".join(sql for sql, in con.execute("SELECT sql FROM duckdb_views()").fetchall())
        assert con.execute("SELECT count(*) FROM published.mz_members").fetchall() == [(2,)]
    assert "'~/lake/standardised/mz_members/" in views and str(tmp_path) not in views
    shutil.rmtree(original)

    # New deliveries land in the moved home and are ingested there.
    deliver(moved, "20261201T020000", ["C4,11010519491231002X,赵六,本人"])
    ok("materialize", "--resource", "mz.members", env=env)
    rows = json.loads(ok("sql", sql, "--subject", "analyst-1", "--department", "mz",
                         "--format", "json", env=env))
    assert [r["case_no"] for r in rows] == ["C4"]

    # A home whose views were built before they named files below `~` is rebuilt once.
    (moved / ".analyst-db.json").write_text(json.dumps({"home": "/somewhere/else"}))
    ok("catalog", "list", env=env)
    assert json.loads((moved / ".analyst-db.json").read_text()) == {"views": "home-relative"}
