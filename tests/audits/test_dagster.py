"""The audits in Dagster and the shell: an asset, a job and a schedule per installed audit,
materialising one records a report; `hub audits run|findings|ack|list`."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest
from click.testing import CliRunner

from catalog import get_settings
from catalog.audit_plugins import discover
from catalog.cli import main
from catalog.findings import latest_reports
from catalog.lake import connect
from pipelines.audits import AUDITS_GROUP, audit_key
from pipelines.definitions import defs
from pipelines.hub_resource import HubResource
from tests.audits.conftest import private_home
from tests.exchange.conftest import api_settings

AUDITS = {"audit_chain", "overdue_reviews", "expired_grants", "usage_anomalies", "freshness",
          "catalog_completeness", "undeclared_personal_data", "quality_regressions",
          "gateway_bypass_attempts"}


@pytest.fixture
def private(ingested, tmp_path: Path):
    """The ingested city with a private registry and a private home, as settings."""
    settings = private_home(api_settings(ingested, tmp_path / "registry"), tmp_path / "home")
    settings.home.mkdir(parents=True, exist_ok=True)
    return settings.model_copy(update={"duckdb_memory_limit": "2GB"})


@pytest.fixture
def hub_env(private, monkeypatch):
    """`private` as the process's settings, as the `hub` command reads them."""
    for name, value in (("HOME", private.home), ("LANDING", private.landing_dir),
                        ("REGISTRY_URL", private.registry_url), ("DUCKDB_MEMORY_LIMIT", "2GB")):
        monkeypatch.setenv(f"HUB_{name}", str(value))
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def test_every_installed_audit_has_an_asset_a_job_and_a_schedule():
    installed = discover()
    assert set(installed) == AUDITS
    graph = defs.resolve_asset_graph()
    for name, run in installed.items():
        node = graph.get(audit_key(name))
        assert (node.group_name, node.owners) == (AUDITS_GROUP, ["team:hub"])
        assert node.description == run.__doc__.splitlines()[0]
        schedule = defs.resolve_schedule_def(f"audit_{name}_schedule")
        assert (schedule.job_name, schedule.cron_schedule, schedule.execution_timezone) == (
            f"audit_{name}", run.cron, "Asia/Shanghai")
    assert defs.resolve_schedule_def("audit_audit_chain_schedule").cron_schedule == "5 * * * *"
    every = set(defs.resolve_job_def("audits").asset_layer.executable_asset_keys)
    assert every == {audit_key(name) for name in AUDITS}
    ingest = set(defs.resolve_job_def("ingest_all").asset_layer.executable_asset_keys)
    assert not ingest & every  # ingesting never runs the audits


def test_every_audit_is_documented():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for name in discover():
        assert f"| `{name}` |" in readme, name


def test_materialising_an_audit_asset_records_and_catalogues_a_report(private):
    hub = HubResource.from_settings(private)
    result = dg.materialize([defs.get_assets_def(audit_key("catalog_completeness"))],
                            resources={"hub": hub}, instance=dg.DagsterInstance.ephemeral())
    assert result.success
    [event] = result.get_asset_materialization_events()
    metadata = {k: v.value for k, v in event.materialization.metadata.items()}
    report = latest_reports(hub.registry)["catalog_completeness"]
    assert metadata["report_id"] == report.id
    assert metadata["findings"] == sum(report.counts.values()) > 0
    assert metadata["findings_info"] == report.counts["info"]
    assert metadata["report"] == report.report_path
    document = json.loads(Path(report.report_path).read_text())
    assert len(document["findings"]) == metadata["findings"]
    assert document["checked"] == report.checked and report.checked["resources"] >= 12
    with connect(private, private.analyst_db, read_only=True) as con:
        rows = con.execute("SELECT count(*), count(DISTINCT audit) FROM "
                           "published.hub_audit_findings").fetchone()
    assert rows == (metadata["findings"], 1)


def test_the_cli_runs_lists_and_acknowledges(hub_env):
    runner = CliRunner()
    ran = runner.invoke(main, ["audits", "run", "freshness", "quality_regressions"])
    assert ran.exit_code == 3, ran.output  # daily resources 4 cycles late: critical findings
    assert " at critical or above" in ran.output and "open finding" in ran.output
    assert "== freshness: " in ran.output and "== quality_regressions: 0 regressions" in ran.output
    assert "resource:ga.vehicles" in ran.output  # the city's deliveries are old by now

    listed = runner.invoke(main, ["audits", "findings", "--json", "--audit", "freshness"])
    rows = json.loads(listed.output)
    assert rows and {r["status"] for r in rows} == {"open"}
    first = rows[0]
    acked = runner.invoke(main, ["audits", "ack", str(first["id"]), "--note", "已通知部门",
                                 "--by", "cdo-wang"])
    assert acked.exit_code == 0 and "acknowledged" in acked.output
    again = runner.invoke(main, ["audits", "ack", str(first["id"]), "--note", "again"])
    assert again.exit_code == 1 and "not open" in again.output
    every = json.loads(runner.invoke(main, ["audits", "findings", "--json", "--all"]).output)
    [mine] = [r for r in every if r["id"] == first["id"]]
    assert (mine["status"], mine["acknowledged_by"], mine["note"]) == (
        "acknowledged", "cdo-wang", "已通知部门")

    overview = runner.invoke(main, ["audits", "list"])
    assert "freshness" in overview.output and "never run" in overview.output  # audit_chain
    unknown = runner.invoke(main, ["audits", "run", "nosuch"])
    assert unknown.exit_code == 2 and "no audit 'nosuch'" in unknown.output
