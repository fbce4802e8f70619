"""The words a page shows for the hub's status values (entries, revisions, orders, batches,
freshness, severities, trends): the value stays the code (CSS classes, filters, the API), the
person reads it in their language. A value with no label here is shown as it is."""

from __future__ import annotations

from catalog.i18n import lazy

__all__ = ["LABELS", "label"]

LABELS = {
    # catalog entries and their revisions
    "draft": lazy("draft"), "submitted": lazy("submitted"), "published": lazy("published"),
    "retired": lazy("retired"),
    # orders
    "compliance_review": lazy("compliance review"), "provider_review": lazy("provider review"),
    "approved": lazy("approved"), "rejected": lazy("rejected"), "refused": lazy("refused"),
    "cancelled": lazy("cancelled"), "expired": lazy("expired"), "revoked": lazy("revoked"),
    # batches
    "raw": lazy("raw"), "standardised": lazy("standardised"), "duplicate": lazy("duplicate"),
    # freshness against the update cycle
    "fresh": lazy("fresh"), "overdue": lazy("overdue"), "never delivered": lazy("never delivered"),
    # audit findings' severity
    "info": lazy("info"), "warning": lazy("warning"), "high": lazy("high"),
    "critical": lazy("critical"),
    # quality trends
    "better": lazy("better"), "worse": lazy("worse"), "steady": lazy("steady"),
    "new": lazy("new"),
    # GB/T 36344 quality dimensions
    "completeness": lazy("completeness"), "validity": lazy("validity"),
    "accuracy": lazy("accuracy"), "consistency": lazy("consistency"),
    "uniqueness": lazy("uniqueness"), "timeliness": lazy("timeliness"),
    # kinds of interface call (`exchange.web.figures.call_kind`)
    "token": lazy("token"), "open data": lazy("open data"), "verification": lazy("verification"),
    "sql gateway": lazy("SQL gateway"), "extract": lazy("extract"), "orders": lazy("orders"),
    "catalog": lazy("catalog"), "audit": lazy("audit"), "cross-check": lazy("cross-check"),
    "other": lazy("other"),
    # what happened to an order (its events), and its modes
    "placed": lazy("placed"), "compliance_passed": lazy("compliance check passed"),
    "verify": lazy("verify"), "query": lazy("query"), "aggregate": lazy("aggregate"),
    # cross-check flags
    "raised": lazy("raised"), "suppressed": lazy("suppressed"), "confirmed": lazy("confirmed"),
    "dismissed": lazy("dismissed"),
}


def label(value: object) -> str:
    """What a person reads for a status value (module doc)."""
    found = LABELS.get(str(value))
    return str(found) if found is not None else str(value)
