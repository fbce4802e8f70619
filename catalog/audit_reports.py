"""Scheduled audits as plugins, and their reports: a JSON file each, catalogued as a dataset.

An audit is a plugin (`catalog.audit_plugins`). `file_report` runs one and keeps what it found
three ways:

- the report file `<home>/audits/<audit>/<finished>.json` (findings and what was examined),
  written atomically;
- the registry's report and standing findings (`catalog.findings.record_report`);
- the catalog: each report is a batch of `hub.audit_findings` (its Parquet rows and its JSON
  file), and the current version holds the newest report of every audit, so the directory,
  the analysts' database and the web app list every report like any other dataset.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from catalog.audit_plugins import AUDIT_NAME, AuditFn, reports_dir
from catalog.findings import AuditFinding, AuditReport, AuditResult, Finding, record_report
from catalog.i18n import use
from catalog.iceberg import sync_after_publication
from catalog.lake import Lake, write_json
from catalog.registry import BatchRecord, BatchStatus, Publication, Registry, utcnow
from catalog.resources import AUDIT_FINDINGS, resource
from catalog.settings import HubSettings

__all__ = ["FiledReport", "file_report"]

_STAMP = "%Y%m%dT%H%M%S%fZ"  # no `-`: a batch id is `<stamp>-<audit>`
_RETRIES = 10


@dataclass(frozen=True)
class FiledReport:
    """One audit run as kept: the registry's report, the file, the catalog version."""

    report: AuditReport
    result: AuditResult
    path: Path
    version: int


def _unique(found: list[Finding]) -> list[Finding]:
    """One finding per fingerprint, the most severe (as `record_report` keeps them)."""
    by_fp: dict[str, Finding] = {}
    for f in found:
        if f.fingerprint not in by_fp or f.severity.rank > by_fp[f.fingerprint].severity.rank:
            by_fp[f.fingerprint] = f
    return sorted(by_fp.values(), key=lambda f: (-f.severity.rank, f.subject, f.key))


def _document(audit: str, description: str, result: AuditResult, found: list[Finding],
              started_at: datetime, finished_at: datetime, now: datetime, run_id: str) -> dict:
    counts: dict[str, int] = {}
    for f in found:
        counts[f.severity.value] = counts.get(f.severity.value, 0) + 1
    return {
        "audit": audit, "description": description, "run_id": run_id,
        "as_of": now.isoformat(), "started_at": started_at.isoformat(),
        "finished_at": finished_at.isoformat(), "summary": result.summary,
        "checked": result.checked, "counts": counts,
        "findings": [{"fingerprint": f.fingerprint, "severity": f.severity.value,
                      "subject": f.subject, "key": f.key, "message": f.message,
                      "evidence": f.evidence} for f in found],
    }


_COLUMNS = pa.schema([("_batch_id", pa.string()), ("fingerprint", pa.string()),
                      ("audit", pa.string()), ("subject", pa.string()),
                      ("finding_key", pa.string()), ("severity", pa.string()),
                      ("status", pa.string()), ("message", pa.string()),
                      ("evidence", pa.string()), ("report_id", pa.int64()),
                      ("reported_at", pa.string())])


def _rows(registry: Registry, report: AuditReport, batch_id: str) -> pa.Table:
    """The report's findings with the status the standing list gives them now."""
    with registry.session() as s:
        standing = list(s.scalars(select(AuditFinding).where(
            AuditFinding.last_report_id == report.id).order_by(AuditFinding.id)))
    return pa.Table.from_pylist([
        {"_batch_id": batch_id, "fingerprint": f.fingerprint, "audit": f.audit,
         "subject": f.subject, "finding_key": f.key, "severity": f.severity,
         "status": f.status, "message": f.message,
         "evidence": json.dumps(f.evidence, ensure_ascii=False, sort_keys=True, default=str),
         "report_id": report.id, "reported_at": report.finished_at.isoformat()}
        for f in standing], schema=_COLUMNS)


def _publish(settings: HubSettings, registry: Registry, audit: str, report: AuditReport,
             path: Path) -> int:
    """List the report as a batch of `hub.audit_findings` and make a version holding the
    newest report of every audit. Concurrent audits race for the next version number; the
    loser of the unique (resource, version) retries with the winner's batches included."""
    batch_id = f"{path.stem}-{audit}"  # the report file's time stamp: sorts by time
    table = _rows(registry, report, batch_id)
    lake = Lake(settings)
    with lake.staging() as staged:
        pq.write_table(table, staged / "findings.parquet", compression="zstd")
        final = lake.promote(staged, lake.batch_dir("standardised", resource(AUDIT_FINDINGS).table,
                                                    batch_id))
    parquet = final / "findings.parquet"
    relative = str(path.relative_to(settings.home)) if path.is_relative_to(settings.home) \
        else str(path)
    for _attempt in range(_RETRIES):
        try:
            with registry.session() as s:
                s.add(BatchRecord(
                    resource_code=AUDIT_FINDINGS, batch_id=batch_id, files=[relative],
                    sha256=_sha256(parquet), size_bytes=parquet.stat().st_size,
                    delivered_at=report.finished_at, status=BatchStatus.PUBLISHED,
                    rows_in=table.num_rows, rows_accepted=table.num_rows,
                    accepted_path=str(parquet), standardised_at=utcnow()))
                current = s.scalars(select(Publication)
                                    .where(Publication.resource_code == AUDIT_FINDINGS)
                                    .order_by(Publication.version.desc()).limit(1)).first()
                others = [b for b in (current.batch_ids if current else [])
                          if b.split("-", 1)[1] != audit]
                rows = sum(s.scalars(select(BatchRecord.rows_accepted).where(
                    BatchRecord.resource_code == AUDIT_FINDINGS,
                    BatchRecord.batch_id.in_(others)))) if others else 0
                version = (current.version + 1) if current else 1
                s.add(Publication(resource_code=AUDIT_FINDINGS, version=version,
                                  batch_ids=sorted([*others, batch_id]),
                                  rows=rows + table.num_rows, run_id=report.run_id))
            return version
        except IntegrityError:
            time.sleep(random.uniform(0.05, 0.3))
    raise RuntimeError(f"could not publish the {audit} report: the catalog stayed busy")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_report(settings: HubSettings, registry: Registry, audit: str, run: AuditFn, *,
                now: datetime | None = None, run_id: str = "") -> FiledReport:
    """Run one audit as of `now` and keep its report (module doc)."""
    if not AUDIT_NAME.match(audit):
        raise ValueError(f"not an audit name: {audit!r}")
    started = utcnow()
    now = now or started
    with use(settings.language):  # findings are written in the hub's language, when they run
        result = run(settings, now)
    found = _unique(result.findings)
    finished = utcnow()
    description = ((run.__doc__ or "").strip().splitlines() or [""])[0]
    path = reports_dir(settings) / audit / f"{finished.strftime(_STAMP)}.json"
    write_json(path, _document(audit, description, result, found, started, finished, now,
                                run_id))
    report = record_report(registry, audit, found, started_at=started, run_id=run_id,
                           summary=result.summary, checked=result.checked,
                           report_path=str(path))
    version = _publish(settings, registry, audit, report, path)
    sync_after_publication(settings, registry, resource(AUDIT_FINDINGS))  # never raises
    return FiledReport(report=report, result=result, path=path, version=version)
