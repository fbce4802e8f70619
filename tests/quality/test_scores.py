"""GB/T 36344 scores: exact ratios from checks and quarantine, stored with history and trend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from catalog import BatchRecord, BatchStatus, Publication, Registry, resource
from catalog.quality_scores import quality_summary, record_scores
from quality.runner import CheckOutcome, ValidationOutcome
from quality.scores import compute_scores, timeliness

NOW = datetime(2026, 11, 21, tzinfo=UTC)


def _check(name, item, dimension, checked, unexpected, blocking=False):
    return CheckOutcome(name=name, rule=name.split(":")[0], item=item, dimension=dimension,
                        blocking=blocking, success=not unexpected, checked=checked,
                        unexpected=unexpected, description=name)


def _batch(delivered: datetime) -> BatchRecord:
    return BatchRecord(resource_code="ga.population", batch_id="b1", files=[], sha256="x",
                       size_bytes=1, delivered_at=delivered, status=BatchStatus.PUBLISHED)


def _outcome(invalid_ids: int) -> ValidationOutcome:
    return ValidationOutcome("ga.population", "ga.population", 1000, [
        _check("column_present:id_number", "id_number", "validity", 1, 0, True),
        _check("id_valid:id_number", "id_number", "validity", 1000, invalid_ids),
        _check("district_known:district_code", "district_code", "validity", 1000, 5),
        _check("gender_matches_id:gender", "gender", "consistency", 1000, 10),
        _check("key_unique", None, "uniqueness", 1000, 0, True),
    ])


def test_scores_combine_checks_and_quarantine_exactly():
    quarantined = [("b1", "invalid_date", "birth_date", 20), ("b1", "duplicate_row", "", 10),
                   ("b1", "missing_required", "name", 5)]
    scores = compute_scores(resource("ga.population"), _outcome(20), quarantined,
                            [_batch(NOW - timedelta(days=3))], None, "r1", NOW)
    by = {(s.item, s.dimension): (s.checked, s.failed, round(s.score, 6)) for s in scores}
    assert by[("id_number", "validity")] == (1000, 20, 0.98)
    # Ingestion judged birth_date in all 1020 rows it read: 1000 published, 20 quarantined.
    assert by[("birth_date", "validity")] == (1020, 20, round(1 - 20 / 1020, 6))
    assert by[("name", "completeness")] == (1005, 5, round(1 - 5 / 1005, 6))
    assert by[("", "validity")] == (3020, 45, round(1 - 45 / 3020, 6))
    assert by[("", "uniqueness")] == (1010, 10, round(1 - 10 / 1010, 6))
    assert by[("", "completeness")] == (1005, 5, round(1 - 5 / 1005, 6))
    assert by[("", "consistency")] == (1000, 10, 0.99)
    assert by[("", "timeliness")] == (1, 0, 1.0)
    assert ("id_number", "uniqueness") not in by


def test_timeliness_is_cycle_over_age():
    population = resource("ga.population")  # monthly: 31 days
    assert timeliness(population, [_batch(NOW - timedelta(days=62))], NOW) == 0.5
    assert timeliness(population, [_batch(NOW - timedelta(days=1))], NOW) == 1.0
    assert timeliness(population, [], NOW) == 0.0


def test_history_and_trend_show_a_regression(tmp_path):
    registry = Registry(f"sqlite:///{tmp_path / 'registry.db'}")
    registry.sync_declarations([resource("ga.population")])
    batches = [_batch(NOW)]
    publication = Publication(resource_code="ga.population", version=3, batch_ids=["b1"], rows=1)
    record_scores(registry, compute_scores(resource("ga.population"), _outcome(0), [], batches,
                                           publication, "r1", NOW))
    record_scores(registry, compute_scores(resource("ga.population"), _outcome(50), [], batches,
                                           publication, "r2", NOW + timedelta(hours=1)))
    summary = quality_summary(registry, "ga.population")
    assert summary["run_id"] == "r2"
    assert summary["version"] == 3
    assert summary["scores"]["validity"] == round(1 - 55 / 2000, 4)
    assert summary["items"]["id_number"] == {"validity": 0.95}
    assert summary["trend"]["validity"] == {"previous": 0.9975, "latest": 0.9725,
                                            "change": -0.025, "direction": "worse"}
    assert summary["trend"]["consistency"]["direction"] == "steady"
    assert [h["run_id"] for h in summary["history"]] == ["r1", "r2"]
    assert quality_summary(registry, "ga.vehicles") is None
