"""The resource directory as people read it: each declaration plus what the hub knows."""

from __future__ import annotations

import re
from datetime import datetime

from catalog.city import current_city
from catalog.entries import effective, pending
from catalog.model import Resource
from catalog.quality_scores import quality_summary
from catalog.registry import BatchStatus, Registry, ResourceEntry, utcnow
from catalog.timefmt import beijing_iso

__all__ = ["describe", "freshness", "lineage", "public_reason"]

# "Invalid Input Error: <the engine's detail: paths, SQL, values>": the kind is enough.
_ENGINE_ERROR = re.compile(r"\b(?P<kind>(?:[A-Z][a-z]+ )+Error): ")
# An absolute path (POSIX or Windows), quoted or not: shown as its last part, the file name.
_ABSOLUTE = re.compile(r"(?<![\w.])(?:[A-Za-z]:)?[/\\](?:[^\s'\"()/\\]+[/\\])+(?P<name>[^\s'\"()/\\]*)")
_SQL = re.compile(r"\b(?:LINE \d+:|SELECT|DESCRIBE|FROM|COPY|PRAGMA|read_\w+\()")
_MAX_REASON = 300


def freshness(resource: Resource, last_delivery: datetime | None, now: datetime | None = None) -> str:
    """`fresh`, `overdue` (older than the update cycle allows) or `never delivered`."""
    if last_delivery is None:
        return "never delivered"
    now = now or utcnow()
    return "overdue" if now - last_delivery > resource.update_cycle.period else "fresh"


def lineage(resource: Resource) -> dict[str, list[str]]:
    """Upstream and downstream resources (derived datasets name their inputs)."""
    downstream = list(current_city().downstream.get(resource.code, ()))
    upstream = list(resource.derived_from) or [f"landing:{resource.provider.code}/{resource.code}"]
    return {"upstream": upstream, "downstream": downstream}


def public_reason(reason: str | None) -> str | None:
    """A batch's reason as people outside the hub's operators may read it: the first line,
    an engine error by its kind only (its detail can hold paths, SQL and data values), file
    names instead of absolute paths, nothing from a SQL fragment on. The registry keeps the
    full text for operators (`hub summary`)."""
    if not reason:
        return reason
    text = reason.strip().splitlines()[0] if reason.strip() else ""
    if engine := _ENGINE_ERROR.search(text):
        before = text[:engine.start()]
        text = before + engine["kind"] + (")" if before.count("(") > before.count(")") else "")
    text = _ABSOLUTE.sub(lambda m: m["name"] or "…", text)
    if sql := _SQL.search(text):
        text = (text[:sql.start()].rstrip() + " …").lstrip()
    return text if len(text) <= _MAX_REASON else text[:_MAX_REASON] + "…"


def describe(registry: Registry, resource: Resource) -> dict:
    """One catalog entry: the declared metadata as published revisions have revised it, its
    status (and the reason a reviewer gave), its open revision, versions, rows, freshness,
    lineage, and its quality (latest GB/T 36344 scores per dimension and item, trend, history)."""
    batches = registry.batches(resource.code)
    publications = registry.publications(resource.code)
    with registry.session() as s:
        entry = s.get(ResourceEntry, resource.code)
        status = str(entry.status) if entry else "undeclared"
        status_reason = entry.status_reason if entry else ""
    revision = pending(registry, resource.code)
    delivered = [b for b in batches if b.status is not BatchStatus.DUPLICATE]
    last = max((b.delivered_at for b in delivered), default=None)
    current = publications[-1] if publications else None
    return {
        **effective(resource, registry).model_dump(mode="json"),
        "status": status,
        "status_reason": status_reason,
        "open_revision": {"id": revision.id, "status": revision.status,
                          "proposed_by": revision.proposed_by} if revision else None,
        "hub": {
            "versions": len(publications),
            "current_version": current.version if current else None,
            "current_batches": list(current.batch_ids) if current else [],
            "rows": current.rows if current else 0,
            "last_delivery": beijing_iso(last) if last else None,
            "freshness": freshness(resource, last),
            "batches": [
                {"batch_id": b.batch_id, "status": str(b.status), "rows_in": b.rows_in,
                 "rows_accepted": b.rows_accepted, "rows_quarantined": b.rows_quarantined,
                 "quarantine_by_rule": b.quarantine_by_rule,
                 "blank_lines": b.blank_lines, "reason": public_reason(b.reason),
                 "files": b.files, "sha256": b.sha256}
                for b in batches
            ],
            "lineage": lineage(resource),
            "quality": quality_summary(registry, resource.code),
        },
    }
