"""freshness: a resource whose newest accepted data is older than its update cycle allows is
reported, more severely the more cycles it is late; a never-delivered one is HIGH."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete

from catalog import BatchStatus, Publication, resource
from catalog.audits import freshness
from catalog.findings import Severity
from catalog.registry import BatchRecord
from tests.audits.conftest import by_subject


def _last_accepted(registry, code: str):
    return max(b.delivered_at for b in registry.batches(code) if b.status is BatchStatus.PUBLISHED)


@pytest.mark.parametrize(("cycles", "severity"), [
    (0.5, None), (1.5, Severity.WARNING), (3, Severity.HIGH), (10, Severity.CRITICAL)])
def test_severity_grows_with_the_cycles_missed(city_settings, registry, cycles, severity):
    vehicles = resource("ga.vehicles")  # 每日
    last = _last_accepted(registry, vehicles.code)
    now = last + cycles * vehicles.update_cycle.period
    found = by_subject(freshness(city_settings, now)).get("resource:ga.vehicles")
    assert (found.severity if found else None) is severity
    if found:
        assert found.evidence["last_accepted_delivery"] == last.isoformat()
        assert f"{cycles * 24:.1f} hours" in found.message or f"{cycles:.1f} days" in found.message
    # ga.population is monthly: three days late for a daily resource is fresh for it
    population = _last_accepted(registry, "ga.population")
    if now - population < timedelta(days=31):
        assert "resource:ga.population" not in by_subject(freshness(city_settings, now))


def test_a_resource_with_no_accepted_data_is_high(city_settings, registry):
    with registry.session() as s:
        s.execute(delete(Publication).where(Publication.resource_code == "mz.members"))
        s.execute(delete(BatchRecord).where(BatchRecord.resource_code == "mz.members"))
    now = _last_accepted(registry, "ga.vehicles")
    result = freshness(city_settings, now)
    finding = by_subject(result)["resource:mz.members"]
    assert finding.severity is Severity.HIGH
    assert "no data accepted" in finding.message
    assert "resource:ga.vehicles" not in by_subject(result)
    assert "resource:hub.audit_findings" not in by_subject(result)  # not produced yet: not late
