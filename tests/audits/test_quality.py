"""undeclared_personal_data and quality_regressions, on the ingested city's published data and
its recorded GB/T 36344 scores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from catalog import BatchStatus, Publication, resource
from catalog.findings import Severity
from catalog.quality_scores import QualityScore, record_scores, score_history
from catalog.registry import BatchRecord, utcnow
from quality.audits import quality_regressions, undeclared_personal_data
from quality.service import current_files


def _publish_with_mobiles_in_brand(registry, tmp_path: Path) -> None:
    """A new current version of ga.vehicles whose `brand` holds mobile numbers."""
    vehicles = resource("ga.vehicles")
    _batches, files = current_files(registry, vehicles)
    planted = tmp_path / "planted.parquet"
    phone = "'13' || lpad(((row_number() OVER ()) * 7919 % 1000000000)::VARCHAR, 9, '0')"
    with duckdb.connect() as con:
        con.execute(f"COPY (SELECT * REPLACE ({phone} AS brand, {phone} AS brand_orig) FROM "
                    f"read_parquet(?)) TO '{planted}' (FORMAT parquet)", [[str(f) for f in files]])
    current = registry.current_publication(vehicles.code)
    with registry.session() as s:
        s.add(BatchRecord(resource_code=vehicles.code, batch_id="29990101T000000", files=[],
                          sha256="planted", size_bytes=planted.stat().st_size,
                          delivered_at=utcnow(), status=BatchStatus.PUBLISHED, rows_in=1,
                          rows_accepted=1, accepted_path=str(planted)))
        s.add(Publication(resource_code=vehicles.code, version=current.version + 1,
                          batch_ids=["29990101T000000"], rows=1))


def test_undeclared_mobile_numbers_in_published_data_are_reported(city_settings, registry,
                                                                   tmp_path):
    before = undeclared_personal_data(city_settings, datetime.now(UTC))
    assert not [f for f in before.findings if f.key == "brand:mobile"]
    assert before.checked["resources"] == 10

    _publish_with_mobiles_in_brand(registry, tmp_path)
    after = undeclared_personal_data(city_settings, datetime.now(UTC))
    [finding] = [f for f in after.findings if f.key == "brand:mobile"]
    assert (finding.severity, finding.subject) == (Severity.WARNING, "resource:ga.vehicles")
    assert finding.evidence["columns"] == ["brand", "brand_orig"]
    assert finding.evidence["share"] == 1.0 and "*" in finding.evidence["example"]
    assert "declares it none, not phone" in finding.message


def _rerun(registry, code: str, changes: dict[str, float]) -> None:
    """A quality run of the next version: the latest scores, some dimensions changed."""
    history = score_history(registry, code)
    latest = [s for s in history if s.run_id == history[-1].run_id]
    version = latest[0].version + 1
    later = latest[0].measured_at + timedelta(days=1)
    record_scores(registry, [QualityScore(
        resource_code=code, run_id="planted", version=version, measured_at=later, item=s.item,
        dimension=s.dimension, score=s.score - changes.get(s.dimension, 0.0) * (s.item == ""),
        checked=s.checked, failed=s.failed) for s in latest])


def test_a_score_drop_from_the_previous_version_is_reported(city_settings, registry):
    assert quality_regressions(city_settings, datetime.now(UTC)).findings == []  # one version

    _rerun(registry, "ga.population", {"validity": 0.08, "completeness": 0.02,
                                       "uniqueness": 0.005, "timeliness": 0.5})
    result = quality_regressions(city_settings, datetime.now(UTC))
    found = {f.key: f for f in result.findings}
    assert {k: (f.severity, f.subject) for k, f in found.items()} == {
        "validity": (Severity.HIGH, "resource:ga.population"),
        "completeness": (Severity.WARNING, "resource:ga.population"),
    }  # uniqueness fell less than the threshold; timeliness is the freshness audit's
    assert round(found["validity"].evidence["drop"], 4) == 0.08
    assert result.checked == {"resources_with_two_versions": 1}
