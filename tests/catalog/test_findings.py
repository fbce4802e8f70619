"""The standing list of audit findings: raised once, acknowledged, resolved when gone."""

from __future__ import annotations

import pytest

from catalog import Registry
from catalog.findings import (
    Finding,
    FindingError,
    FindingStatus,
    Severity,
    acknowledge,
    findings,
    latest_reports,
    record_report,
)


@pytest.fixture
def registry(tmp_path):
    return Registry(f"sqlite:///{tmp_path / 'registry.db'}")


def _f(subject: str, severity: Severity = Severity.WARNING, message: str = "m") -> Finding:
    return Finding(audit="freshness", severity=severity, subject=subject, message=message)


def test_a_recurring_finding_is_kept_once_with_its_latest_message(registry):
    record_report(registry, "freshness", [_f("resource:a", message="3 days late")])
    record_report(registry, "freshness", [_f("resource:a", Severity.HIGH, "9 days late")])
    [row] = findings(registry)
    assert (row.message, row.severity) == ("9 days late", "high")
    assert row.first_report_id != row.last_report_id
    assert latest_reports(registry)["freshness"].counts == {"high": 1}


def test_gone_findings_are_resolved_and_acknowledged_ones_not_raised_again(registry):
    record_report(registry, "freshness", [_f("resource:a"), _f("resource:b")])
    a, _b = sorted(findings(registry), key=lambda r: r.subject)
    acknowledge(registry, a.id, "cdo", "Provider on holiday; agreed delay.")
    record_report(registry, "freshness", [_f("resource:a")])
    assert findings(registry) == []
    statuses = {r.subject: r.status for r in findings(registry, status=None)}
    assert statuses == {"resource:a": FindingStatus.ACKNOWLEDGED,
                        "resource:b": FindingStatus.RESOLVED}
    record_report(registry, "freshness", [])
    assert {r.status for r in findings(registry, status=None)} == {FindingStatus.RESOLVED}


def test_acknowledging_needs_a_note_and_an_open_finding(registry):
    record_report(registry, "freshness", [_f("resource:a")])
    [row] = findings(registry)
    with pytest.raises(FindingError) as error:
        acknowledge(registry, row.id, "cdo", "  ")
    assert error.value.code == "invalid"
    with pytest.raises(FindingError) as error:
        acknowledge(registry, row.id + 100, "cdo", "note")
    assert error.value.code == "not_found"
    acknowledge(registry, row.id, "cdo", "note")
    with pytest.raises(FindingError):
        acknowledge(registry, row.id, "cdo", "again")


def test_findings_of_another_audit_are_refused(registry):
    with pytest.raises(ValueError):
        record_report(registry, "quality", [_f("resource:a")])
