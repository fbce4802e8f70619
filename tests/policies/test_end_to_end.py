"""A district analyst explores a generated, ingested city through `hub sql`: masked, filtered."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from catalog.cli import main as hub_main
from policies.cli import register

if "sql" not in hub_main.commands:
    register(hub_main)


@pytest.mark.slow
def test_district_analyst_on_an_ingested_city(ingested, monkeypatch) -> None:
    monkeypatch.setenv("HUB_HOME", str(ingested.home))
    monkeypatch.setenv("HUB_LANDING", str(ingested.landing))
    runner = CliRunner()
    out = runner.invoke(hub_main, [
        "grants", "provision", "--resource", "ga.population", "--department", "hub",
        "--items", "id_number,name,district_code,address,status", "--purpose", "人口分析",
        "--legal-basis", "惠州市政务数据共享管理办法", "--subject", "e2e"])
    assert out.exit_code == 0, out.output
    out = runner.invoke(hub_main, [
        "sql", "--subject", "e2e", "--department", "hub", "--district", "441303",
        "--format", "json", "SELECT district_code, name, id_number, address "
        "FROM published.ga_population ORDER BY id_number LIMIT 50"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output.splitlines()[0])
    assert len(rows) == 50
    assert {r["district_code"] for r in rows} == {"441303"}
    assert all(r["name"].endswith("*") and r["address"].endswith("***") for r in rows)
    assert all(len(r["id_number"]) == 32 and set(r["id_number"]) <= set("0123456789abcdef")
               for r in rows)
