"""The whole door as a department meets it: `hub clients create` and `hub serve` run as the
operator runs them (the venv's `hub` in subprocesses with a clean environment), then the
client, from a profile file, orders a resource and reads it into pandas and Arrow."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from hubclient import HubClient

from tests.client.conftest import write_profile
from tests.exchange.conftest import api_settings
from tests.live import hub_serving

HUB = Path(sys.executable).with_name("hub")


def _env(settings, home: Path) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
            "HUB_HOME": str(settings.home), "HUB_LANDING": str(settings.landing_dir),
            "HUB_REGISTRY_URL": settings.registry_url}


def test_a_department_reads_its_grant_from_hub_serve(ingested, tmp_path):
    settings = api_settings(ingested, tmp_path / "api")  # a private copy of the registry
    env = _env(settings, tmp_path)
    created = subprocess.run(
        [str(HUB), "clients", "create", "mz-reader", "--name", "民政局数据使用系统",
         "--department", "mz", "--role", "requester"],
        env=env, capture_output=True, text=True, timeout=120, check=False)
    assert created.returncode == 0, created.stderr
    secret = json.loads(created.stdout)["client_secret"]

    with hub_serving(HUB, env, tmp_path / "serve.log") as endpoint:
        profile = write_profile(tmp_path / "profile", endpoint, "mz-reader",
                                client_secret=secret)
        with HubClient.from_profile(profile) as hub:
            order = hub.place_order(
                "sj.enterprises", mode="extract", items=["uscc", "name", "status"],
                purpose="市场主体信用监管", legal_basis="《企业信息公示暂行条例》第十四条",
                valid_until=date.today() + timedelta(days=30), quota_calls=5)
            frame = hub.load_as_pandas(order)
            table = hub.load_as_arrow(order)
            assert {"uscc", "name", "status"} <= set(frame.columns)
            assert len(frame) == table.num_rows > 0
            assert frame.equals(table.to_pandas())
            manifests = hub.deliveries(order)
            assert [m["rows"] for m in manifests] == [table.num_rows] * 2
            assert hub.order(order)["calls_used"] == 2
