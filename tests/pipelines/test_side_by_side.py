"""Two hub processes on one home at once: `hub materialize` for different resources side by
side (two runs, as the daemon may also run them), on a home whose Dagster instance is new."""

import os
import subprocess
import sys
import time

import duckdb
import pytest

from tests.pipelines.helpers import MEMBERS_HEADER

pytestmark = pytest.mark.slow

HUB = [sys.executable, "-c", "from catalog.cli import main; main()"]


def test_processes_making_a_new_homes_dagster_instance_at_once_all_succeed(tmp_path):
    """Dagster creates its SQLite tables as the instance is made; four processes released at
    the same moment (after their imports) race on them unless `hub_instance` serialises it."""
    home, go = tmp_path / "home", tmp_path / "go"
    home.mkdir()
    code = ("import os, sys, time\n"
            "from catalog import get_settings\n"
            "from pipelines.instance import hub_instance\n"
            "settings = get_settings()\n"
            f"open(os.path.join({str(tmp_path)!r}, 'ready-' + sys.argv[1]), 'w').close()\n"
            f"while not os.path.exists({str(go)!r}):\n"
            "    time.sleep(0.001)\n"
            "hub_instance(settings).get_runs(limit=1)\n")
    env = {**os.environ, "HUB_HOME": str(home), "DAGSTER_HOME": str(home / "dagster")}
    children = [subprocess.Popen([sys.executable, "-c", code, str(n)], env=env,
                                 stderr=subprocess.PIPE) for n in range(4)]
    deadline = time.monotonic() + 120  # every child imported, none has made the instance
    while time.monotonic() < deadline and len(list(tmp_path.glob("ready-*"))) < 4:
        time.sleep(0.05)
    assert not (home / "dagster").exists()
    go.touch()
    errors = [child.communicate(timeout=120)[1].decode() for child in children]
    assert [child.returncode for child in children] == [0, 0, 0, 0], errors


def test_two_materialize_processes_side_by_side_on_a_new_home(tmp_path):
    landing = tmp_path / "landing"
    members = landing / "mz.members"
    members.mkdir(parents=True)
    (members / "20261101T020000.csv").write_bytes(
        f"{MEMBERS_HEADER}\nMZ2026000001,441302199001011234,张三,本人\n".encode("gbk"))
    deaths = landing / "wj.deaths"
    deaths.mkdir()
    (deaths / "20261101T020000.jsonl").write_text(
        '{"certificate_no": "SW2026000001", "id_number": "441302199001011234", '
        '"name": "张三", "gender": null, "death_date": "2026-10-01", "place": null, '
        '"district_code": "441302"}\n', encoding="utf-8")
    home = tmp_path / "home"
    env = {**os.environ, "HUB_HOME": str(home), "HUB_LANDING": str(landing),
           "DAGSTER_HOME": str(home / "dagster")}
    subprocess.run([*HUB, "init"], env=env, check=True, capture_output=True, timeout=300)
    children = [subprocess.Popen([*HUB, "materialize", "--resource", code], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                for code in ("mz.members", "wj.deaths")]
    outputs = [child.communicate(timeout=600)[0].decode() for child in children]
    assert [child.returncode for child in children] == [0, 0], outputs
    con = duckdb.connect(str(home / "hub.duckdb"), read_only=True,
                         config={"home_directory": str(home)})
    try:
        for table in ("mz_members", "wj_deaths"):
            assert con.execute(f"SELECT count(*) FROM published.{table}").fetchall() == [(1,)], (
                table, outputs)
    finally:
        con.close()
