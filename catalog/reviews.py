"""Review state of the social-assistance cross-check: reviewers' decisions on flags and the runs.

Both the pipelines (to suppress dismissed flags whose evidence is unchanged) and the sharing
API (to show and record reviews) use it, so it lives in the catalog, on the registry database.
Reviews are append-only: the latest decision on a flag is its state, older ones are history.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Index, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column

from catalog.errors import CodedError
from catalog.i18n import _
from catalog.tables import Base, HomePath, utcnow

if TYPE_CHECKING:  # only annotated: the registry imports this module, and every command
    import duckdb  # loads the registry's models: no DuckDB at start

    from catalog.registry import Registry

__all__ = [
    "CrosscheckRun",
    "FlagKey",
    "FlagReview",
    "ReviewDecision",
    "ReviewError",
    "dismissed_fingerprints",
    "flags_of_case",
    "latest_reviews",
    "latest_run",
    "record_run",
    "review_flag",
    "review_stats",
]

FLAGS_VIEW = "published.mz_crosscheck_flags"
FLAG_COLUMNS = ("case_no", "rule", "id_number", "name", "district_code", "assistance_type",
                "severity", "reason", "evidence", "fingerprint", "reference_month",
                "review_status", "run_id")
MAX_NOTE = 2000


class ReviewDecision(enum.StrEnum):
    """A reviewer's verdict on a cross-check flag (not an access decision: `policies.Decision`)."""

    CONFIRMED = "confirmed"  # the doubt is real: civil affairs acts on the case
    DISMISSED = "dismissed"  # checked and explained: not raised again while evidence is unchanged


@dataclass(frozen=True)
class FlagKey:
    """A flag's identity across runs: one (case, rule, member ID number)."""

    case_no: str
    rule: str
    id_number: str


class ReviewError(CodedError):
    """A review that cannot be recorded: `code` is stable (one of `CODES`)."""

    CODES = {"not_found": 404, "invalid_review": 422}
    SENTENCES = True


class FlagReview(Base):
    """One reviewer's decision on one flag, with the evidence fingerprint it was made on."""

    __tablename__ = "crosscheck_reviews"
    __table_args__ = (Index("ix_crosscheck_reviews_flag", "case_no", "rule", "id_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_no: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(32))
    id_number: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text)
    reviewer: Mapped[str] = mapped_column(String(128))
    run_id: Mapped[str] = mapped_column(String(64))
    reviewed_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def key(self) -> FlagKey:
        return FlagKey(self.case_no, self.rule, self.id_number)


class CrosscheckRun(Base):
    """One cross-check run: what it read, what it raised per rule, what it could not link."""

    __tablename__ = "crosscheck_runs"

    run_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    finished_at: Mapped[datetime] = mapped_column(default=utcnow)
    reference_month: Mapped[str | None] = mapped_column(String(6))
    policy_version: Mapped[str] = mapped_column(String(64))
    flags_path: Mapped[str] = mapped_column(HomePath)
    issues_path: Mapped[str] = mapped_column(HomePath)
    rows: Mapped[int] = mapped_column(Integer)
    raised: Mapped[dict] = mapped_column(JSON, doc="Flags published, per rule.")
    suppressed: Mapped[dict] = mapped_column(JSON, doc="Dismissed flags not raised again.")
    unlinked: Mapped[dict] = mapped_column(JSON, doc="Unlinked records, per resource.")
    inputs: Mapped[dict] = mapped_column(JSON, doc="Publication version read, per resource.")


def record_run(registry: Registry, run: CrosscheckRun) -> None:
    with registry.session() as s:
        s.merge(run)


def latest_run(registry: Registry) -> CrosscheckRun | None:
    with registry.session() as s:
        return s.scalars(select(CrosscheckRun).order_by(CrosscheckRun.finished_at.desc())).first()


def latest_reviews(registry: Registry) -> dict[FlagKey, FlagReview]:
    """The current decision on every flag ever reviewed."""
    with registry.session() as s:
        newest = (select(func.max(FlagReview.id))
                  .group_by(FlagReview.case_no, FlagReview.rule, FlagReview.id_number))
        rows = s.scalars(select(FlagReview).where(FlagReview.id.in_(newest)))
        return {r.key: r for r in rows}


def dismissed_fingerprints(registry: Registry) -> list[tuple[str, str, str, str]]:
    """(case_no, rule, id_number, fingerprint) of flags whose current decision is dismissed."""
    return [(k.case_no, k.rule, k.id_number, r.fingerprint)
            for k, r in latest_reviews(registry).items() if r.decision == ReviewDecision.DISMISSED]


def flags_of_case(con: duckdb.DuckDBPyConnection, case_no: str) -> list[dict]:
    """The current flags of one case, from the analysts' database (any read-only connection)."""
    cursor = con.execute(
        f"SELECT {', '.join(FLAG_COLUMNS)} FROM {FLAGS_VIEW} WHERE case_no = ? "
        "ORDER BY rule, id_number", [case_no])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def review_flag(registry: Registry, con: duckdb.DuckDBPyConnection, key: FlagKey,
                decision: str, note: str, reviewer: str) -> FlagReview:
    """Record a decision on a flag of the current run, with the evidence it was shown."""
    if decision not in {d.value for d in ReviewDecision}:
        raise ReviewError("invalid_review", _("decision must be confirmed or dismissed"))
    note = (note or "").strip()
    if not note or len(note) > MAX_NOTE:
        raise ReviewError("invalid_review", _("a note of 1 to {limit} characters is required",
                                              limit=MAX_NOTE))
    if not reviewer:
        raise ReviewError("invalid_review", _("the reviewer must be named"))
    found = con.execute(
        f"SELECT fingerprint, run_id FROM {FLAGS_VIEW} "
        "WHERE case_no = ? AND rule = ? AND id_number = ?",
        [key.case_no, key.rule, key.id_number]).fetchall()
    if not found:
        raise ReviewError("not_found", _("no such flag in the current cross-check"))
    fingerprint, run_id = found[0]
    review = FlagReview(case_no=key.case_no, rule=key.rule, id_number=key.id_number,
                        fingerprint=fingerprint, decision=decision, note=note,
                        reviewer=reviewer, run_id=run_id)
    with registry.session() as s:
        s.add(review)
    return review


def review_stats(registry: Registry) -> dict[str, dict[str, int]]:
    """Per rule: flags raised by the latest run, suppressed by it, and decisions recorded."""
    run = latest_run(registry)
    stats: dict[str, dict[str, int]] = {}

    def row(rule: str) -> dict[str, int]:
        return stats.setdefault(rule, {"raised": 0, "suppressed": 0, "confirmed": 0,
                                       "dismissed": 0})

    if run is not None:
        for rule, n in run.raised.items():
            row(rule)["raised"] = n
        for rule, n in run.suppressed.items():
            row(rule)["suppressed"] = n
    for review in latest_reviews(registry).values():
        row(review.rule)[review.decision] += 1
    return dict(sorted(stats.items()))
