"""`hub dev` as a user starts it (`make dev` runs it): the installed script from a clean
environment, the Dagster UI answering GraphQL with the asset graph and the landing sensor
running, a delivery dropped into landing picked up by the real daemon and materialised, then
Ctrl-C (SIGINT to its PID) stopping it and every process it started."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.cli import HUB, clean_env, hub
from tests.live import free_port
from tests.pipelines.helpers import MEMBERS_HEADER

pytestmark = pytest.mark.slow

REPOSITORIES = """{ repositoriesOrError { ... on RepositoryConnection { nodes {
  name assetNodes { assetKey { path } }
  sensors { name sensorState { status ticks(limit: 20) { status error { message } } } } } } } }"""
MATERIALISED = """{ assetOrError(assetKey: {path: ["published", "mz_members"]}) {
  ... on Asset { assetMaterializations(limit: 1) { runId } } } }"""
RUNS = """{ runsOrError { ... on Runs { results { runId status jobName
  tags { key value } } } } }"""


def descendants(pid: int) -> set[int]:
    """Every process below `pid` (from /proc: no psutil in the lock)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def graphql(port: int, query: str) -> dict:
    response = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": query}, timeout=30)
    response.raise_for_status()
    return response.json()["data"]


def wait_for(what, timeout: float, interval: float = 2.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = what()
        except (httpx.HTTPError, KeyError, TypeError):
            value = None
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"not within {timeout:.0f} s: {what.__doc__}")


@pytest.fixture
def dev(tmp_path):
    """`hub dev` on a new hub (`hub init`), no venv on PATH; stopped as Ctrl-C would."""
    home = tmp_path / "home"
    assert hub("--home", home, "init", env=clean_env()).returncode == 0
    port = free_port()
    log = (tmp_path / "dev.log").open("w")
    process = subprocess.Popen([str(HUB), "dev", "--port", str(port)], env=clean_env(home=home),
                               cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    started: set[int] = set()
    try:
        yield home, port, process, started
    finally:
        started |= descendants(process.pid)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                pass
        deadline = time.monotonic() + 30
        while any(alive(p) for p in started) and time.monotonic() < deadline:
            time.sleep(0.5)
        left = {p for p in started | {process.pid} if alive(p)}
        for pid in left:  # never leave a server behind, even when the test fails
            os.kill(pid, signal.SIGKILL)
        log.close()
        assert process.returncode is not None, "hub dev outlived SIGINT"
        assert not left, f"processes outlived hub dev: {sorted(left)}"


def test_hub_dev_serves_the_graph_and_the_daemon_ingests_a_delivery(dev):
    home, port, process, started = dev

    def repository():
        """the Definitions are loaded, with the landing sensor running"""
        nodes = graphql(port, REPOSITORIES)["repositoriesOrError"]["nodes"]
        return nodes[0] if nodes and nodes[0]["sensors"] else None

    repo = wait_for(repository, timeout=240)
    assert process.poll() is None
    keys = {"/".join(a["assetKey"]["path"]) for a in repo["assetNodes"]}
    assert {"raw/mz_members", "standardised/mz_members", "published/mz_members"} <= keys
    sensors = {s["name"]: s["sensorState"] for s in repo["sensors"]}
    assert sensors["landing_sensor"]["status"] == "RUNNING"

    rows = ["C1,11010519491231002X,张三,本人", "C2,bad,李四"]
    folder = home / "landing" / "mz.members"
    folder.mkdir()
    (folder / "20261101T020000.csv.part").write_bytes(
        ("\n".join([MEMBERS_HEADER, *rows]) + "\n").encode("gbk"))
    (folder / "20261101T020000.csv.part").rename(folder / "20261101T020000.csv")

    def materialised():
        """the daemon's run materialised published/mz_members"""
        return graphql(port, MATERIALISED)["assetOrError"]["assetMaterializations"]

    wait_for(materialised, timeout=480, interval=5)
    started |= descendants(process.pid)

    def finished():
        """the daemon's run ended (its last steps, the checks, follow the publication)"""
        runs = graphql(port, RUNS)["runsOrError"]["results"]
        ours = [r for r in runs if {"key": "resource", "value": "mz.members"} in r["tags"]]
        done = ours and all(r["status"] in ("SUCCESS", "FAILURE", "CANCELED") for r in ours)
        return ours if done else None

    ours = wait_for(finished, timeout=240, interval=3)
    assert [(r["jobName"], r["status"]) for r in ours] == [("ingest_all", "SUCCESS")]
    ticks = graphql(port, REPOSITORIES)["repositoriesOrError"]["nodes"][0]["sensors"]
    landing = next(s for s in ticks if s["name"] == "landing_sensor")["sensorState"]["ticks"]
    assert landing and not [t for t in landing if t["status"] == "FAILURE"], landing
    assert (home / "hub.duckdb").exists()
