"""The resource directory as people read it: each declaration plus what the hub knows."""

from __future__ import annotations

from datetime import datetime

from catalog.entries import effective, pending
from catalog.model import Resource
from catalog.quality_scores import quality_summary
from catalog.registry import BatchStatus, Registry, ResourceEntry, utcnow
from catalog.resources import RESOURCES
from catalog.timefmt import beijing_iso

__all__ = ["describe", "freshness", "lineage"]


def freshness(resource: Resource, last_delivery: datetime | None, now: datetime | None = None) -> str:
    """`fresh`, `overdue` (older than the update cycle allows) or `never delivered`."""
    if last_delivery is None:
        return "never delivered"
    now = now or utcnow()
    return "overdue" if now - last_delivery > resource.update_cycle.period else "fresh"


def lineage(resource: Resource) -> dict[str, list[str]]:
    """Upstream and downstream resources (derived datasets name their inputs)."""
    downstream = sorted(r.code for r in RESOURCES.values() if resource.code in r.derived_from)
    upstream = list(resource.derived_from) or [f"landing:{resource.provider.code}/{resource.code}"]
    return {"upstream": upstream, "downstream": downstream}


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
                 "blank_lines": b.blank_lines, "reason": b.reason,
                 "files": b.files, "sha256": b.sha256}
                for b in batches
            ],
            "lineage": lineage(resource),
            "quality": quality_summary(registry, resource.code),
        },
    }
