"""Audit reports and their findings: what each scheduled audit found, with a severity.

An audit (see `pipelines.audits`) returns `Finding`s; `record_report` stores one report per run
and folds its findings into the standing list:

- a finding seen before (same audit, subject and key: its fingerprint) and still open is kept,
  with its latest message, evidence and severity — it is not raised twice;
- a finding the chief data officer acknowledged is not raised again while it recurs;
- an open finding the new report no longer contains is resolved: the problem went away.

Reports and findings live in the registry, so the API, the web app and the CLI read the same.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from catalog.errors import CodedError
from catalog.i18n import _
from catalog.notify import HUB_DEPARTMENT, emit
from catalog.tables import Base, HomePath, utcnow

if TYPE_CHECKING:  # only annotated: the registry imports this module
    from catalog.registry import Registry

__all__ = [
    "AuditFinding",
    "AuditReport",
    "AuditResult",
    "Finding",
    "FindingError",
    "FindingStatus",
    "Severity",
    "acknowledge",
    "findings",
    "latest_reports",
    "record_report",
]

MAX_NOTE = 2000


class Severity(enum.StrEnum):
    INFO = "info"
    WARNING = "warning"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class FindingStatus(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"  # seen and accepted by a person, with a note
    RESOLVED = "resolved"  # a later run of the audit no longer found it


@dataclass(frozen=True)
class Finding:
    """One problem an audit found. `subject` names what it is about (`resource:ga.population`,
    `order:<id>`, `grant:<id>`, `client:<id>`, `audit-log`); `key` tells apart several findings
    of one audit on one subject (an item name, a rule); `message` is a sentence for a person."""

    audit: str
    severity: Severity
    subject: str
    message: str
    key: str = ""
    evidence: dict = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(f"{self.audit}\x1f{self.subject}\x1f{self.key}".encode()).hexdigest()


@dataclass(frozen=True)
class AuditResult:
    """What one audit run returns: its findings, what it examined (counts by kind, for the
    report: an audit that examined nothing says so) and a one-line summary."""

    findings: list[Finding]
    checked: dict[str, int]
    summary: str


class FindingError(CodedError):
    """A finding that cannot be changed as asked: `code` is stable (one of `CODES`)."""

    CODES = {"not_found": 404, "invalid": 400}
    SENTENCES = True


class AuditReport(Base):
    """One run of one audit: when, what it looked at, and how many findings of each severity."""

    __tablename__ = "audit_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    audit: Mapped[str] = mapped_column(String(64), index=True)
    run_id: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime] = mapped_column(default=utcnow)
    summary: Mapped[str] = mapped_column(Text, default="")
    checked: Mapped[dict] = mapped_column(JSON, default=dict, doc="What was examined, counted.")
    counts: Mapped[dict] = mapped_column(JSON, default=dict, doc="Findings per severity.")
    report_path: Mapped[str | None] = mapped_column(HomePath,
                                                    doc="The report file, if written.")


class AuditFinding(Base):
    """A standing finding: raised by one report, kept while later reports still find it."""

    __tablename__ = "audit_findings"
    __table_args__ = (Index("ix_audit_findings_fp", "fingerprint", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    audit: Mapped[str] = mapped_column(String(64), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(200), default="")
    severity: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=FindingStatus.OPEN, index=True)
    first_report_id: Mapped[int] = mapped_column(ForeignKey("audit_reports.id"))
    last_report_id: Mapped[int] = mapped_column(ForeignKey("audit_reports.id"))
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_by: Mapped[str | None] = mapped_column(String(128))
    acknowledged_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")
    resolved_at: Mapped[datetime | None]


def record_report(registry: Registry, audit: str, found: list[Finding], *,
                  started_at: datetime | None = None, run_id: str = "", summary: str = "",
                  checked: dict | None = None, report_path: str | None = None) -> AuditReport:
    """Store one run of `audit` and fold its findings into the standing list (module doc)."""
    if any(f.audit != audit for f in found):
        raise ValueError(f"every finding of this report must belong to audit {audit!r}")
    now = utcnow()
    by_fp: dict[str, Finding] = {}
    for f in found:  # the most severe of duplicates wins
        if f.fingerprint not in by_fp or f.severity.rank > by_fp[f.fingerprint].severity.rank:
            by_fp[f.fingerprint] = f
    counts: dict[str, int] = {}
    for f in by_fp.values():
        counts[f.severity.value] = counts.get(f.severity.value, 0) + 1
    with registry.session() as s:
        report = AuditReport(audit=audit, run_id=run_id, started_at=started_at or now,
                             finished_at=now, summary=summary, checked=checked or {},
                             counts=counts, report_path=report_path)
        s.add(report)
        s.flush()
        standing = {
            row.fingerprint: row for row in s.scalars(
                select(AuditFinding).where(
                    AuditFinding.audit == audit,
                    AuditFinding.status.in_([FindingStatus.OPEN, FindingStatus.ACKNOWLEDGED])))
        }
        for fp, f in by_fp.items():
            row = standing.get(fp)
            if f.severity is Severity.CRITICAL and (row is None or row.severity != f.severity):
                _notify_critical(s, f)
            if row is None:
                s.add(AuditFinding(audit=audit, fingerprint=fp, subject=f.subject, key=f.key,
                                   severity=f.severity.value, message=f.message,
                                   evidence=f.evidence, status=FindingStatus.OPEN,
                                   first_report_id=report.id, last_report_id=report.id,
                                   first_seen_at=now, last_seen_at=now))
            else:
                row.severity, row.message, row.evidence = f.severity.value, f.message, f.evidence
                row.last_report_id, row.last_seen_at = report.id, now
        for fp, row in standing.items():
            if fp not in by_fp:
                row.status, row.resolved_at = FindingStatus.RESOLVED, now
    return report


def _notify_critical(s, f: Finding) -> None:
    """A finding newly critical: the chief data officer's department is told, and the
    department the evidence names, if any (`catalog.notify`)."""
    concerned = [HUB_DEPARTMENT] + [str(f.evidence[k]) for k in ("department", "provider")
                                    if isinstance(f.evidence.get(k), str)]
    emit(s, "audit.critical_finding", subject=f.subject, departments=concerned,
         data={"audit": f.audit, "subject": f.subject, "key": f.key, "message": f.message,
               "severity": f.severity.value, "fingerprint": f.fingerprint})


def findings(registry: Registry, *, audit: str | None = None,
             status: FindingStatus | None = FindingStatus.OPEN,
             subject: str | None = None) -> list[AuditFinding]:
    """Standing findings, most severe and newest first (`status=None`: every status)."""
    query = select(AuditFinding)
    if audit is not None:
        query = query.where(AuditFinding.audit == audit)
    if status is not None:
        query = query.where(AuditFinding.status == status)
    if subject is not None:
        query = query.where(AuditFinding.subject == subject)
    with registry.session() as s:
        rows = list(s.scalars(query.order_by(AuditFinding.last_seen_at.desc(),
                                             AuditFinding.id.desc())))
    return sorted(rows, key=lambda r: -Severity(r.severity).rank)


def latest_reports(registry: Registry) -> dict[str, AuditReport]:
    """The newest report of each audit that has run."""
    with registry.session() as s:
        rows = s.scalars(select(AuditReport).order_by(AuditReport.id))
        return {r.audit: r for r in rows}


def acknowledge(registry: Registry, finding_id: int, actor: str, note: str) -> AuditFinding:
    """Someone allowed to (the chief data officer: `exchange.roles`) has seen an open finding
    and accepts it, with a note: it is not raised again while it recurs, and is resolved when
    the problem goes away."""
    note = (note or "").strip()
    if not note or len(note) > MAX_NOTE:
        raise FindingError("invalid", _("a note of 1 to {limit} characters is required",
                                        limit=MAX_NOTE))
    if not actor:
        raise FindingError("invalid", _("who acknowledges must be named"))
    with registry.session() as s:
        row = s.get(AuditFinding, finding_id)
        if row is None:
            raise FindingError("not_found", _("no such finding"))
        if row.status != FindingStatus.OPEN:
            raise FindingError("invalid", _("the finding is {status}, not open",
                                            status=row.status))
        row.status, row.acknowledged_by, row.acknowledged_at = (FindingStatus.ACKNOWLEDGED,
                                                                actor, utcnow())
        row.note = note
    return row
