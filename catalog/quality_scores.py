"""Quality scores in the catalog: GB/T 36344 dimensions per resource and data item, with history.

The `quality` package computes and records them after each validation run; the catalog only
stores and reads them (it imports no other hub package), so the directory shows how good each
resource is and whether it is getting worse.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Float, ForeignKey, Index, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from catalog.tables import Base, utcnow
from catalog.timefmt import beijing_iso

if TYPE_CHECKING:  # only annotated: the registry imports this module
    from catalog.registry import Registry

__all__ = ["Dimension", "QualityScore", "quality_summary", "record_scores", "score_history"]

RESOURCE_LEVEL = ""  # the `item` of a whole-resource score
_PLACES = 4  # scores are compared at this precision for the trend


class Dimension(enum.StrEnum):
    """GB/T 36344-2018 (数据质量评价指标) dimensions the hub measures, each a ratio in [0, 1]."""

    COMPLETENESS = "completeness"  # 完整性: required values present / records delivered
    VALIDITY = "validity"  # 规范性: values conforming to format, code list, check digit / judged
    ACCURACY = "accuracy"  # 准确性: plausible values (dates, amounts in range) / judged
    CONSISTENCY = "consistency"  # 一致性: records whose related items agree / judged
    UNIQUENESS = "uniqueness"  # 唯一性: records neither duplicate rows nor repeated keys / delivered
    TIMELINESS = "timeliness"  # 时效性: update cycle / age of the newest delivery, at most 1


class QualityScore(Base):
    """One score of one quality run: a resource (item "") or a data item, on one dimension."""

    __tablename__ = "quality_scores"
    __table_args__ = (Index("ix_quality_scores_resource_run", "resource_code", "measured_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_code: Mapped[str] = mapped_column(ForeignKey("resources.code"))
    run_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int | None] = mapped_column(Integer, doc="Publication version measured.")
    measured_at: Mapped[datetime] = mapped_column(default=utcnow)
    item: Mapped[str] = mapped_column(String(64), default=RESOURCE_LEVEL)
    dimension: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float)
    checked: Mapped[int] = mapped_column(Integer, default=0, doc="Values or records judged.")
    failed: Mapped[int] = mapped_column(Integer, default=0, doc="Of which did not pass.")


def record_scores(registry: Registry, scores: list[QualityScore]) -> None:
    with registry.session() as s:
        s.add_all(scores)


def score_history(registry: Registry, resource_code: str) -> list[QualityScore]:
    """Every recorded score of a resource, oldest run first."""
    with registry.session() as s:
        return list(s.scalars(select(QualityScore)
                              .where(QualityScore.resource_code == resource_code)
                              .order_by(QualityScore.measured_at, QualityScore.id)))


def _trend(previous: float | None, latest: float) -> dict:
    if previous is None:
        return {"previous": None, "latest": latest, "change": None, "direction": "new"}
    change = round(latest - previous, _PLACES)
    direction = "worse" if change < 0 else "better" if change > 0 else "steady"
    return {"previous": previous, "latest": latest, "change": change, "direction": direction}


def quality_summary(registry: Registry, resource_code: str, history: int = 10) -> dict | None:
    """The latest scores per dimension and per item, the trend against the run before, and the
    resource-level scores of the last `history` runs; None before the first quality run."""
    runs: dict[str, list[QualityScore]] = defaultdict(list)
    for score in score_history(registry, resource_code):
        runs[score.run_id].append(score)
    if not runs:
        return None
    ordered = list(runs.values())
    latest, previous = ordered[-1], (ordered[-2] if len(ordered) > 1 else [])

    def level(scores: list[QualityScore]) -> dict[str, float]:
        return {s.dimension: round(s.score, _PLACES) for s in scores if s.item == RESOURCE_LEVEL}

    items: dict[str, dict[str, float]] = defaultdict(dict)
    for s in latest:
        if s.item != RESOURCE_LEVEL:
            items[s.item][s.dimension] = round(s.score, _PLACES)
    now, before = level(latest), level(previous)
    return {
        "run_id": latest[0].run_id,
        "version": latest[0].version,
        "measured_at": beijing_iso(latest[0].measured_at),
        "scores": now,
        "items": dict(items),
        "trend": {dim: _trend(before.get(dim), value) for dim, value in now.items()},
        "history": [{"run_id": run[0].run_id, "version": run[0].version,
                     "measured_at": beijing_iso(run[0].measured_at), **level(run)}
                    for run in ordered[-history:]],
    }
