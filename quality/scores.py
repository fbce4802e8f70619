"""GB/T 36344 scores of a resource's current version, per data item and for the whole resource.

Every score is `1 - failed / checked` over what a dimension judges (see `catalog.quality_scores
.Dimension`): the GX checks of the published rows plus ingestion's rules, so a missing value or
an unreadable date counts whether it was kept or not. An ingestion rule judged the item in every
row it read: the rows it quarantined (checked and failed) and the published rows (checked and
passed) — never only the failures, or an item whose one failing rule is ingestion's would score 0.
Timeliness is the update cycle divided by the age of the newest delivery, at most 1.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from pathlib import Path

from catalog import BatchRecord, HubSettings, Publication, Resource
from catalog.lake import connect
from catalog.quality_scores import RESOURCE_LEVEL, Dimension, QualityScore
from catalog.registry import utcnow
from quality.runner import ValidationOutcome

__all__ = ["QUARANTINE_DIMENSIONS", "compute_scores", "quarantine_counts", "timeliness"]

D = Dimension
# Ingestion's quarantine rules (pipelines.ingest) by the dimension they fail; any other rule is
# a broken record (field count, quotes, encoding), a matter of validity.
QUARANTINE_DIMENSIONS = {
    "missing_required": D.COMPLETENESS,
    "invalid_date": D.VALIDITY, "invalid_month": D.VALIDITY, "invalid_number": D.VALIDITY,
    "negative_amount": D.ACCURACY, "amount_out_of_range": D.ACCURACY,
    "duplicate_row": D.UNIQUENESS, "duplicate_key": D.UNIQUENESS,
}
_STRUCTURE_RULES = {"column_present"}  # gate-only: one verdict per column, not a ratio of values


def quarantine_counts(settings: HubSettings, batches: list[BatchRecord]) -> list[tuple]:
    """(batch_id, rule, item, rows) of the quarantined rows of these batches."""
    files = [b.quarantine_path for b in batches if b.quarantine_path and Path(b.quarantine_path).exists()]
    if not files:
        return []
    with connect(settings) as con:
        return con.execute(
            "SELECT _batch_id, _rule, coalesce(_item, ''), count(*) FROM read_parquet(?) "
            "GROUP BY ALL ORDER BY ALL", [files]).fetchall()


def timeliness(resource: Resource, batches: list[BatchRecord], now: datetime | None = None) -> float:
    delivered = [b.delivered_at for b in batches]
    if not delivered:
        return 0.0
    now = now or utcnow()
    last = max(delivered)
    age = (now - last).total_seconds()
    period = resource.update_cycle.period.total_seconds()
    return 1.0 if age <= period else period / age


def _judged_by_gx(outcome: ValidationOutcome, item: str, dimension: str) -> bool:
    return any(c.item == item and c.dimension == dimension and c.rule not in _STRUCTURE_RULES
               for c in outcome.checks)


def _published_values(outcome: ValidationOutcome, item: str) -> int:
    """The item's values in the published rows: what the item's GX checks judged (nulls are
    not judged), or every published row when no check counts values of it."""
    counts = [c.checked for c in outcome.checks
              if c.item == item and c.rule not in _STRUCTURE_RULES]
    return max(counts, default=outcome.rows)


def compute_scores(resource: Resource, outcome: ValidationOutcome, quarantined: list[tuple],
                   batches: list[BatchRecord], publication: Publication | None, run_id: str,
                   now: datetime | None = None) -> list[QualityScore]:
    """Scores per (item, dimension) that something judged, and per dimension for the resource."""
    tally: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for check in outcome.checks:
        if check.rule in _STRUCTURE_RULES:
            continue
        bucket = tally[(check.item or RESOURCE_LEVEL, check.dimension)]
        bucket[0] += check.checked
        bucket[1] += check.unexpected
    judged_by_ingestion: set[tuple[str, str]] = set()
    for _batch, rule, item, rows in quarantined:
        key = (item, QUARANTINE_DIMENSIONS.get(rule, D.VALIDITY).value)
        tally[key][0] += rows
        tally[key][1] += rows
        if item != RESOURCE_LEVEL:
            judged_by_ingestion.add(key)
    for item, dimension in judged_by_ingestion:
        if not _judged_by_gx(outcome, item, dimension):
            tally[(item, dimension)][0] += _published_values(outcome, item)
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (_item, dimension), (checked, failed) in tally.items():
        totals[dimension][0] += checked
        totals[dimension][1] += failed
    measured = now or utcnow()
    version = publication.version if publication else None

    def score(item: str, dimension: str, checked: int, failed: int) -> QualityScore:
        return QualityScore(resource_code=resource.code, run_id=run_id, version=version,
                            measured_at=measured, item=item, dimension=dimension,
                            score=1.0 - failed / checked if checked else 1.0,
                            checked=checked, failed=failed)

    scores = [score(item, dim, *counts) for (item, dim), counts in sorted(tally.items())
              if item != RESOURCE_LEVEL]
    scores += [score(RESOURCE_LEVEL, dim, *counts) for dim, counts in sorted(totals.items())]
    fresh = timeliness(resource, batches, measured)
    scores.append(QualityScore(resource_code=resource.code, run_id=run_id, version=version,
                               measured_at=measured, item=RESOURCE_LEVEL,
                               dimension=D.TIMELINESS.value, score=fresh, checked=1,
                               failed=int(fresh < 1.0)))
    return scores
