"""Issue 19: `hub materialize` with the standardisation on a Spark cluster, as docs/spark-cluster.md
tells an operator to run it — submitted with `spark-submit` to a standalone master with a
worker (`spark://`), and as a client of a Spark Connect server (`sc://`), each started here from
the pyspark wheel's own launchers, as separate processes on random ports. The hub's batches
must be those of the DuckDB ingest of the same city: status, counts, rules, and the accepted
and quarantine files row for row.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from catalog import RESOURCES
from tests.cli import clean_env, hub
from tests.conftest import open_registry, row_differences

pytestmark = [pytest.mark.spark, pytest.mark.timeout(900)]

RESOURCE = RESOURCES["ga.vehicles"]  # one batch that breaks seven rules, duplicates included


def _spark_home() -> Path:
    pyspark = pytest.importorskip("pyspark")
    return Path(pyspark.__file__).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(args: list[str], log: Path, ready: str, env: dict[str, str],
           timeout: float = 240) -> subprocess.Popen:
    """A Spark daemon in its own process group, once its log says `ready` (a regex). It runs in
    the log's folder: a daemon's own session makes `spark-warehouse/` in its working
    directory, which would otherwise be the checkout."""
    with log.open("wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env,
                                   cwd=log.parent, start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if re.search(ready, log.read_text(errors="replace")):
            return process
        if process.poll() is not None:
            break
        time.sleep(0.5)
    _stop(process)
    raise AssertionError(f"{args[1]} did not start:\n{log.read_text(errors='replace')[-3000:]}")


def _stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture(scope="module")
def daemons_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """What Spark's launchers need: SPARK_HOME (the wheel), logs and scratch in the test's
    directories, never in the installed package."""
    home = _spark_home()
    scratch = tmp_path_factory.mktemp("spark_daemons")
    return {**os.environ, "SPARK_HOME": str(home), "SPARK_LOG_DIR": str(scratch / "logs"),
            "SPARK_LOCAL_DIRS": str(scratch / "local"), "SPARK_WORKER_DIR": str(scratch / "work"),
            "SPARK_NO_DAEMONIZE": "1"}


@pytest.fixture(scope="module")
def standalone(daemons_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[str]:
    """A standalone master and one worker of two cores: `spark://127.0.0.1:<port>`."""
    logs = tmp_path_factory.mktemp("standalone")
    spark_class = str(Path(daemons_env["SPARK_HOME"]) / "bin" / "spark-class")
    port = _free_port()
    master = _start([spark_class, "org.apache.spark.deploy.master.Master", "--host",
                     "127.0.0.1", "--port", str(port), "--webui-port", "0"],
                    logs / "master.log", r"I have been elected leader", daemons_env)
    url = f"spark://127.0.0.1:{port}"
    try:
        worker = _start([spark_class, "org.apache.spark.deploy.worker.Worker", "--host",
                         "127.0.0.1", "--webui-port", "0", "--cores", "2", "--memory", "2g",
                         "--work-dir", str(logs / "work"), url],
                        logs / "worker.log", r"Successfully registered with master", daemons_env)
        try:
            yield url
        finally:
            _stop(worker)
        # The hub's run was an application of this cluster, not a local session.
        assert "Registering app" in (logs / "master.log").read_text(errors="replace")
    finally:
        _stop(master)


@pytest.fixture(scope="module")
def connect_server(daemons_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
                   ) -> Iterator[str]:
    """A Spark Connect server (`local[2]` behind it): `sc://127.0.0.1:<port>`."""
    logs = tmp_path_factory.mktemp("connect")
    port = _free_port()
    submit = str(Path(daemons_env["SPARK_HOME"]) / "bin" / "spark-submit")
    server = _start([submit, "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
                     "--master", "local[2]", "--name", "hub-connect",
                     "--conf", f"spark.connect.grpc.binding.port={port}",
                     "--conf", "spark.ui.enabled=false", "spark-internal"],
                    logs / "connect.log", r"Spark Connect server started", daemons_env)
    try:
        yield f"sc://127.0.0.1:{port}"
    finally:
        _stop(server)


def _differences(one: Path, two: Path) -> list[tuple]:
    return row_differences(duckdb.connect(), f"SELECT * FROM read_parquet('{one}')",
                           f"SELECT * FROM read_parquet('{two}')")


def _materialise_on(master: str, noisy_city: Path, ingested, home: Path,
                    submit: bool = False) -> None:
    """`hub materialize --resource …` on `master` (through `spark-submit` when `submit`), then
    its batches compared with the DuckDB ingest's."""
    env = clean_env(home=home, landing=noisy_city / "landing", engine="spark",
                    spark_master=master, duckdb_memory_limit="2GB")
    assert hub("init", env=env).returncode == 0
    command = ["materialize", "--resource", RESOURCE.code]
    if submit:
        bin_dir = Path(sys.executable).parent
        app = subprocess.run([str(bin_dir / "hub-spark-app")], capture_output=True, text=True,
                             check=True).stdout.strip()
        env.update(SPARK_HOME=str(_spark_home()), PYSPARK_DRIVER_PYTHON=sys.executable,
                   PYSPARK_PYTHON=sys.executable)
        done = subprocess.run([str(bin_dir / "spark-submit"), "--master", master,
                               "--deploy-mode", "client", app, *command], env=env,
                              capture_output=True, text=True, timeout=800, check=False)
    else:
        done = hub(*command, env=env, timeout=800)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    duck = {b.batch_id: b for b in open_registry(ingested).batches(RESOURCE.code)}
    from catalog import HubSettings

    batches = open_registry(HubSettings(home=home, landing=noisy_city / "landing")).batches(
        RESOURCE.code)
    assert {b.batch_id for b in batches} == set(duck)
    for batch in batches:
        twin = duck[batch.batch_id]
        assert (batch.status, batch.rows_in, batch.rows_accepted, batch.quarantine_by_rule) == (
            twin.status, twin.rows_in, twin.rows_accepted, twin.quarantine_by_rule)
        assert len(batch.quarantine_by_rule) >= 5  # the noise reached the cluster's rules
        for name in ("accepted.parquet", "quarantine.parquet"):
            diff = _differences(Path(twin.accepted_path).parent / name,
                                Path(batch.accepted_path).parent / name)
            assert diff == [], (batch.batch_id, name, diff)


def test_hub_materialize_submitted_to_a_standalone_cluster(standalone, noisy_city, ingested,
                                                           tmp_path):
    _materialise_on(standalone, noisy_city, ingested, tmp_path / "home", submit=True)


def test_hub_materialize_through_spark_connect(connect_server, noisy_city, ingested, tmp_path):
    _materialise_on(connect_server, noisy_city, ingested, tmp_path / "home")
