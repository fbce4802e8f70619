"""The catalog's own audits (entry points `hub.audits`): freshness of each resource against its
update cycle, and completeness of the directory's descriptions and classification.

Completeness reads the catalog as it is described: each entry the registry stores (retired
ones aside), with the descriptions of its published revisions (`catalog.entries.effective`).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from pydantic import ValidationError
from sqlalchemy import select

from catalog.audit_plugins import scheduled
from catalog.directory import freshness as freshness_of
from catalog.entries import effective
from catalog.findings import AuditResult, Finding, Severity
from catalog.i18n import _
from catalog.model import Grade, ItemType, OpenAttribute, Resource, Sensitivity, SharingAttribute
from catalog.registry import BatchStatus, EntryStatus, ResourceEntry, open_registry
from catalog.resources import RESOURCES
from catalog.settings import HubSettings

__all__ = ["LATE_CRITICAL", "LATE_HIGH", "PERSONAL_NAMES", "catalog_completeness", "freshness"]

# How late the newest data may be, in update cycles of its age, before a breach is worse than
# a warning: twice the cycle is HIGH (a delivery was missed), four times is CRITICAL.
LATE_HIGH = 2.0
LATE_CRITICAL = 4.0
# Chinese item names that say the item holds personal information (GB/T 35273 examples).
PERSONAL_NAMES = re.compile(r"身份证|证件号|姓名|电话|手机|住址|家庭地址|出生|银行卡|病历|诊断")
# Types whose values are personal whatever the item is called.
_PERSONAL_TYPES = {ItemType.ID_NUMBER, ItemType.ID_LIST, ItemType.NAME}


def _span(delta: timedelta) -> str:
    days = delta.total_seconds() / 86400
    if days >= 1:
        return _("{days} days", days=f"{days:.1f}")
    return _("{hours} hours", hours=f"{delta.total_seconds() / 3600:.1f}")


def _breach(declared: Resource, last, now: datetime, attempt) -> Finding | None:
    audit, subject = "freshness", f"resource:{declared.code}"
    state = freshness_of(declared, last, now)
    period = declared.update_cycle.period
    evidence = {"update_cycle": declared.update_cycle.value, "period_days": period.days or
                round(period.total_seconds() / 86400, 3),
                "last_accepted_delivery": last.isoformat() if last else None,
                "last_delivery_attempt": attempt.delivered_at.isoformat() if attempt else None,
                "last_attempt_status": str(attempt.status) if attempt else None}
    if state == "never delivered":
        return Finding(audit, Severity.HIGH, subject,
                       _("{code} {name}: no data accepted since its release ({released}); its "
                         "update cycle is {cycle}.", code=declared.code, name=declared.name,
                         released=declared.release_date.isoformat(),
                         cycle=declared.update_cycle.value), evidence=evidence)
    if state != "overdue":
        return None
    age = now - last
    cycles = age / period
    severity = (Severity.CRITICAL if cycles > LATE_CRITICAL else
                Severity.HIGH if cycles > LATE_HIGH else Severity.WARNING)
    values = {"code": declared.code, "name": declared.name, "age": _span(age),
              "cycle": declared.update_cycle.value, "period": _span(period)}
    rejected = attempt is not None and attempt.status is BatchStatus.REJECTED
    return Finding(audit, severity, subject,
                   _("{code} {name}: the newest accepted data was delivered {age} ago; its "
                     "update cycle ({cycle}) allows {period}. The newest delivery was "
                     "rejected.", **values) if rejected else
                   _("{code} {name}: the newest accepted data was delivered {age} ago; its "
                     "update cycle ({cycle}) allows {period}.", **values),
                   evidence={**evidence, "age_days": round(age.total_seconds() / 86400, 2),
                             "cycles": round(cycles, 2)})


@scheduled("0 7 * * *")
def freshness(settings: HubSettings, now: datetime) -> AuditResult:
    """Freshness: each resource's newest accepted data against its update cycle."""
    registry = open_registry(settings, declare=False)
    try:
        found, examined = [], 0
        for declared in RESOURCES.values():
            batches = [b for b in registry.batches(declared.code)
                       if b.status is not BatchStatus.DUPLICATE]
            if not declared.is_delivered and not batches:
                continue  # a derived dataset not produced yet: its schedule's matter, not late
            if now.date() < declared.release_date:
                continue
            examined += 1
            accepted = [b.delivered_at for b in batches if b.status is BatchStatus.PUBLISHED]
            attempt = max(batches, key=lambda b: b.delivered_at, default=None)
            breach = _breach(declared, max(accepted, default=None), now, attempt)
            if breach is not None:
                found.append(breach)
    finally:
        registry.dispose()
    return AuditResult(found, {"resources": examined},
                       _("{found} of {examined} resources breach their update cycle",
                         found=len(found), examined=examined))


def _item_findings(declared: Resource) -> list[Finding]:
    audit, subject = "catalog_completeness", f"resource:{declared.code}"
    out = []

    def add(severity: Severity, item: str, problem: str, message: str, **evidence) -> None:
        """`message` says it all, the entry's code and the item's name first."""
        out.append(Finding(audit, severity, subject, message, key=f"item:{item}:{problem}",
                           evidence=evidence))

    for item in declared.items:
        personal = item.sensitivity.is_personal
        where = {"code": declared.code, "item": item.name}
        if not item.zh_name.strip():
            add(Severity.WARNING, item.name, "name",
                _("{code} {item}: the data item has no Chinese name.", **where))
        if item.type is ItemType.CODE and not item.codes:
            add(Severity.WARNING, item.name, "codes",
                _("{code} {item}: a code item without its code list.", **where))
        if not personal and item.type in _PERSONAL_TYPES:
            add(Severity.HIGH, item.name, "sensitivity",
                _("{code} {item}: a {type} item is not tagged as personal information.",
                  type=item.type.value, **where),
                type=item.type.value)
        elif not personal and PERSONAL_NAMES.search(item.zh_name):
            add(Severity.WARNING, item.name, "sensitivity",
                _("{code} {item}: 「{label}」 reads as personal information but is tagged none.",
                  label=item.zh_name, **where),
                zh_name=item.zh_name)
        if personal and item.grade is Grade.GENERAL:
            add(Severity.WARNING, item.name, "grade",
                _("{code} {item}: personal information ({sensitivity}) graded 一般 (GB/T "
                  "43697).", sensitivity=item.sensitivity.value, **where),
                sensitivity=item.sensitivity.value, grade=item.grade.value)
        elif item.sensitivity is Sensitivity.ID_NUMBER and item.grade is not Grade.CORE:
            add(Severity.WARNING, item.name, "grade",
                _("{code} {item}: identity numbers are graded 核心 in this hub, not {grade}.",
                  grade=item.grade.value, **where),
                sensitivity=item.sensitivity.value, grade=item.grade.value)
    return out


def _entry_findings(declared: Resource) -> list[Finding]:
    audit, subject = "catalog_completeness", f"resource:{declared.code}"
    out = _item_findings(declared)
    if not declared.abstract.strip():
        out.append(Finding(audit, Severity.WARNING, subject,
                           _("{code}: the entry has no abstract (摘要).", code=declared.code),
                           key="abstract"))
    if declared.sharing is SharingAttribute.CONDITIONAL and not declared.sharing_conditions.strip():
        out.append(Finding(audit, Severity.WARNING, subject,
                           _("{code}: 有条件共享 without its sharing conditions.",
                             code=declared.code),
                           key="sharing_conditions"))
    if declared.open is OpenAttribute.CONDITIONAL and not declared.open_conditions.strip():
        out.append(Finding(audit, Severity.WARNING, subject,
                           _("{code}: 有条件开放 without its open conditions.",
                             code=declared.code),
                           key="open_conditions"))
    undescribed = [i.name for i in declared.items if not i.description.strip()]
    if undescribed:
        out.append(Finding(audit, Severity.INFO, subject,
                           _("{code}: {count} of {total} data items have no description: "
                             "{items}.", code=declared.code, count=len(undescribed),
                             total=len(declared.items), items=", ".join(undescribed)),
                           key="undescribed_items", evidence={"items": undescribed}))
    return out


@scheduled("0 7 * * 1")
def catalog_completeness(settings: HubSettings, now: datetime) -> AuditResult:
    """Catalog completeness: entries and data items undescribed or unclassified."""
    registry = open_registry(settings, declare=False)
    found, items = [], 0
    try:
        with registry.session() as s:
            entries = list(s.scalars(select(ResourceEntry)
                                     .where(ResourceEntry.status != EntryStatus.RETIRED)
                                     .order_by(ResourceEntry.code)))
        for entry in entries:
            try:
                declared = effective(Resource.model_validate(entry.declaration), registry)
            except ValidationError as exc:
                found.append(Finding("catalog_completeness", Severity.HIGH,
                                     f"resource:{entry.code}",
                                     _("{code}: the registry's declaration is not a valid "
                                       "entry ({count} errors).", code=entry.code,
                                       count=exc.error_count()), key="declaration"))
                continue
            items += len(declared.items)
            found += _entry_findings(declared)
    finally:
        registry.dispose()
    gaps = len({f.subject for f in found})
    return AuditResult(found, {"resources": len(entries), "data_items": items},
                       _("{gaps} of {entries} entries have gaps ({findings} findings)",
                         gaps=gaps, entries=len(entries), findings=len(found)))
