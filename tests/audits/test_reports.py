"""file_report: a report file, the standing findings and a catalogued batch per audit run; the
catalog's current version holds the newest report of every audit."""

from __future__ import annotations

import json
from datetime import datetime

import duckdb
import pytest

from catalog import HubSettings, open_registry
from catalog.audit_plugins import reports_dir
from catalog.audit_reports import file_report
from catalog.directory import describe
from catalog.findings import AuditResult, Finding, FindingStatus, Severity, acknowledge, findings
from catalog.resources import AUDIT_FINDINGS, resource


@pytest.fixture
def hub(tmp_path):
    settings = HubSettings(home=tmp_path / "home")
    settings.home.mkdir()
    registry = open_registry(settings)
    yield settings, registry
    registry.dispose()


def _audit(name: str, *subjects: str):
    """An audit that finds one warning per subject (a plugin as `hub.audits` loads one)."""

    def run(settings: HubSettings, now: datetime) -> AuditResult:
        """A test audit: one warning per planted subject."""
        return AuditResult([Finding(name, Severity.WARNING, s, f"{s} is wrong") for s in subjects],
                           {"things": len(subjects)}, f"{len(subjects)} wrong")

    return run


def test_a_report_is_a_file_a_standing_list_and_a_catalogued_batch(hub):
    settings, registry = hub
    filed = file_report(settings, registry, "alpha", _audit("alpha", "x:1", "x:2"), run_id="r1")
    document = json.loads(filed.path.read_text())
    assert filed.path.parent == reports_dir(settings) / "alpha"
    assert (document["audit"], document["run_id"], document["checked"], document["counts"]) == (
        "alpha", "r1", {"things": 2}, {"warning": 2})
    assert document["description"] == "A test audit: one warning per planted subject."
    assert sorted(f["subject"] for f in document["findings"]) == ["x:1", "x:2"]
    assert filed.report.report_path == str(filed.path)
    assert {f.subject for f in findings(registry, audit="alpha")} == {"x:1", "x:2"}

    entry = describe(registry, resource(AUDIT_FINDINGS))["hub"]
    assert (entry["versions"], entry["rows"]) == (1, 2)
    [batch] = entry["batches"]
    assert batch["files"] == [str(filed.path.relative_to(settings.home))]
    assert batch["batch_id"].endswith("-alpha")


def test_the_current_version_holds_the_newest_report_of_each_audit(hub):
    settings, registry = hub
    first = file_report(settings, registry, "alpha", _audit("alpha", "x:1", "x:2"))
    file_report(settings, registry, "beta", _audit("beta", "y:1"))
    [ack] = [f for f in findings(registry, audit="alpha") if f.subject == "x:1"]
    acknowledge(registry, ack.id, "cdo", "known, being fixed")
    third = file_report(settings, registry, "alpha", _audit("alpha", "x:1"))
    current = registry.current_publication(AUDIT_FINDINGS)
    assert current.version == third.version == 3
    batch_of = {b.files[0]: b.batch_id for b in registry.batches(AUDIT_FINDINGS)}
    home = settings.home
    assert len(current.batch_ids) == 2
    assert batch_of[str(third.path.relative_to(home))] in current.batch_ids
    assert batch_of[str(first.path.relative_to(home))] not in current.batch_ids
    assert current.rows == 2  # x:1 (acknowledged) and y:1
    files = [b.accepted_path for b in registry.batches(AUDIT_FINDINGS)
             if b.batch_id in current.batch_ids]
    with duckdb.connect() as con:
        rows = con.execute("SELECT audit, subject, severity, status, report_id FROM "
                           "read_parquet(?) ORDER BY audit", [files]).fetchall()
    assert rows == [("alpha", "x:1", "warning", FindingStatus.ACKNOWLEDGED, third.report.id),
                    ("beta", "y:1", "warning", "open", rows[1][4])]
    assert [f.subject for f in findings(registry, audit="alpha", status=FindingStatus.RESOLVED)
            ] == ["x:2"]


def test_an_audit_must_report_under_its_own_name(hub):
    settings, registry = hub
    with pytest.raises(ValueError, match="must belong to audit 'alpha'"):
        file_report(settings, registry, "alpha", _audit("beta", "y:1"))
    with pytest.raises(ValueError, match="not an audit name"):
        file_report(settings, registry, "Alpha-1", _audit("Alpha-1"))
