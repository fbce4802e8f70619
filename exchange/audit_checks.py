"""The sharing API's audits (entry points `hub.audits`): the audit log's hash chain, reviews
past their deadline, expired orders and orphan grants. Usage anomalies: `exchange.usage_audit`.

Each acts through the API's own code (`AuditLog.verify`, `orders.sweep`, the grant store), so
an audit and a request never disagree on what is due.
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from catalog import HubSettings
from catalog.audit_plugins import reports_dir, scheduled
from catalog.findings import AuditResult, Finding, Severity
from catalog.i18n import _, ngettext
from catalog.lake import write_json
from exchange.models import Order, OrderStatus, SigningKey
from exchange.order_notices import remind_expiring, remind_reviews
from exchange.workdays import BEIJING, today

if TYPE_CHECKING:  # the rest is imported where an audit runs: loading one stays cheap
    from exchange.audit_log import ChainBreak
    from exchange.context import Hub

__all__ = ["MAX_BREAKS", "ORPHAN_GRACE", "STALE_AFTER", "audit_chain", "expired_grants",
           "overdue_reviews", "witness_path"]

MAX_BREAKS = 100  # findings per chain audit; the rest are counted in the evidence
# A review still undecided this long after its deadline (and escalation) is CRITICAL.
STALE_AFTER = timedelta(days=10)
# Approval provisions the grant a moment before the order's row commits: a grant younger
# than this may belong to an approval in flight, so it is not yet called an orphan.
ORPHAN_GRACE = timedelta(minutes=10)


def witness_path(settings: HubSettings) -> Path:
    """The newest signed checkpoint of an intact chain, kept outside the database it covers."""
    return reports_dir(settings) / "witness" / "audit-log-checkpoint.json"


def _signed_by_hub(hub: Hub, mark: dict) -> bool:
    """The checkpoint's signature verifies with one of the hub's signing keys (retired ones
    too) and signs exactly its `seq` and `hash`."""
    from joserfc import jws
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet, RSAKey

    with hub.store.session() as s:
        keys = [RSAKey.import_key(k.public_jwk) for k in s.scalars(select(SigningKey))]
    if not keys or not isinstance(mark.get("signature"), str):
        return False
    try:
        signed = json.loads(jws.deserialize_compact(mark["signature"], KeySet(keys)).payload)
    except (JoseError, ValueError):
        return False
    return (signed.get("seq"), signed.get("hash")) == (mark.get("seq"), mark.get("hash"))


def _break_findings(breaks: list[ChainBreak], count: int) -> list[Finding]:
    by_seq: dict[int, list[str]] = {}
    for b in breaks:
        by_seq.setdefault(b.seq, []).append(b.problem)
    seqs = sorted(by_seq)
    return [Finding("audit_chain", Severity.CRITICAL, "audit-log",
                    _("Audit-log entry {seq}: {problems} (the first break of {breaks} in "
                      "{count} entries).", seq=seq, problems="; ".join(by_seq[seq]),
                      breaks=len(seqs), count=count) if seq == seqs[0] else
                    _("Audit-log entry {seq}: {problems}.", seq=seq,
                      problems="; ".join(by_seq[seq])),
                    key=f"seq:{seq}",
                    evidence={"seq": seq, "problems": by_seq[seq], "first_bad_seq": seqs[0],
                              "broken_entries": len(seqs), "entries": count})
            for seq in seqs[:MAX_BREAKS]]


@scheduled("5 * * * *")
def audit_chain(settings: HubSettings, now: datetime) -> AuditResult:
    """Audit-log chain: no entry edited, inserted, reordered or removed since the last check."""
    from exchange.context import Hub

    hub = Hub.build(settings)
    try:
        path, found, marks = witness_path(settings), [], []
        if path.exists():
            try:
                mark = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                mark = {}
            if isinstance(mark, dict) and _signed_by_hub(hub, mark):
                marks.append(mark)
            else:
                found.append(Finding("audit_chain", Severity.CRITICAL, "audit-log",
                                     _("The witnessed checkpoint {path} is not signed by the "
                                       "hub's keys: it was edited or replaced.", path=path),
                                     key="witness"))
        count, breaks = hub.audit.verify(marks)
        found += _break_findings(breaks, count)
        if not found and count:  # advance the witness only over an intact chain
            write_json(path, hub.audit.checkpoint(hub.keys))
    finally:
        hub.store.dispose()
    summary = (ngettext("{n} entry, intact", "{n} entries, intact", count) if not breaks else
               ngettext("{n} entry, broken at entry {seq}", "{n} entries, broken at entry {seq}",
                        count, seq=min(b.seq for b in breaks)))
    return AuditResult(found, {"entries": count, "checkpoints": len(marks)}, summary)


def _span(delta: timedelta) -> str:
    days = delta.total_seconds() / 86400
    if days >= 1:
        return _("{days} days", days=f"{days:.1f}")
    return _("{hours} hours", hours=f"{delta.total_seconds() / 3600:.1f}")


def _local(moment: datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


@scheduled("30 8 * * *")
def overdue_reviews(settings: HubSettings, now: datetime) -> AuditResult:
    """Overdue reviews: orders past their review stage's deadline, escalated to the CDO."""
    from exchange import orders
    from exchange.context import Hub

    hub = Hub.build(settings)
    in_review = [OrderStatus.COMPLIANCE_REVIEW, OrderStatus.PROVIDER_REVIEW]
    try:
        with hub.store.session() as s:
            due = [o.id for o in s.scalars(select(Order).where(Order.status.in_(in_review)))
                   if o.stage_due and o.stage_due < now and not o.escalated]
        for order_id in due:  # the API's own escalation (an event on the order, like a request)
            orders.sweep(hub, order_id, now)
        reminded = remind_reviews(hub, now)  # deadlines near: `order.review_due`
        with hub.store.session() as s:
            waiting = list(s.scalars(select(Order).where(Order.status.in_(in_review))
                                     .order_by(Order.created_at)))
    finally:
        hub.store.dispose()
    found = []
    for order in waiting:
        if not order.stage_due or order.stage_due >= now:
            continue
        late = now - order.stage_due
        severity = (Severity.CRITICAL if late > STALE_AFTER else
                    Severity.HIGH if order.escalated else Severity.WARNING)
        values = {"id": order.id, "department": order.department,
                  "resource": order.resource_code, "status": order.status.value,
                  "due": _local(order.stage_due), "late": _span(late)}
        found.append(Finding(
            "overdue_reviews", severity, f"order:{order.id}",
            _("Order {id} ({department} → {resource}) is in {status}; its deadline {due} "
              "passed {late} ago; escalated to the chief data officer.", **values)
            if order.escalated else
            _("Order {id} ({department} → {resource}) is in {status}; its deadline {due} "
              "passed {late} ago.", **values),
            key=order.status.value,
            evidence={"status": order.status.value, "stage_due": order.stage_due.isoformat(),
                      "overdue_days": round(late.total_seconds() / 86400, 2),
                      "escalated": order.escalated, "escalated_now": order.id in due,
                      "department": order.department, "provider": order.provider,
                      "resource": order.resource_code,
                      "placed_at": order.created_at.isoformat()}))
    return AuditResult(found, {"orders_in_review": len(waiting), "reminded": reminded},
                       ngettext("{overdue} of {n} order in review is overdue ({escalated} "
                                "escalated now)", "{overdue} of {n} orders in review are overdue "
                                "({escalated} escalated now)", len(waiting), overdue=len(found),
                                escalated=len(due)))


def _expire_orders(hub: Hub, now: datetime) -> tuple[list[Finding], int]:
    from exchange import orders

    with hub.store.session() as s:
        due = list(s.scalars(select(Order).where(Order.status == OrderStatus.APPROVED,
                                                 Order.valid_until < today(now))))
    found = []
    for order in due:
        orders.sweep(hub, order.id, now)  # expires the order and revokes its grant
        ended = datetime.combine(order.valid_until + timedelta(days=1), time(0), BEIJING)
        found.append(Finding(
            "expired_grants", Severity.INFO, f"order:{order.id}",
            _("Order {id} ({department} → {resource}) was valid until {until}: expired and "
              "its grant {grant} revoked {late} later.", id=order.id,
              department=order.department, resource=order.resource_code,
              until=order.valid_until.isoformat(), grant=order.grant_id,
              late=_span(now - ended)),
            key="expired",
            evidence={"valid_until": order.valid_until.isoformat(), "grant_id": order.grant_id,
                      "department": order.department, "resource": order.resource_code}))
    return found, len(due)


def _orphans(hub: Hub, now: datetime) -> tuple[list[Finding], int]:
    """Active grants of an order that is not approved (or holds another grant): revoked.
    Grants without an order are analysts' (`hub grants`); past their validity they expire."""
    from policies import GrantStatus

    active = [g for g in hub.grants.list_grants() if g.status is GrantStatus.ACTIVE]
    ordered = [g.order_id for g in active if g.order_id]
    with hub.store.session() as s:
        live = set(s.scalars(select(Order.grant_id).where(Order.status == OrderStatus.APPROVED,
                                                         Order.grant_id.is_not(None))))
        statuses = dict(s.execute(select(Order.id, Order.status)
                                  .where(Order.id.in_(ordered))).tuples().all())
    found = []
    for grant in active:
        if grant.order_id is None:
            if grant.valid_until <= now:
                found.append(Finding(
                    "expired_grants", Severity.INFO, f"grant:{grant.id}",
                    _("Grant {id} ({department} → {resource}, no order) ended {ended}: marked "
                      "expired.", id=grant.id, department=grant.department,
                      resource=grant.resource_code, ended=_local(grant.valid_until)),
                    key="expired",
                    evidence={"valid_until": grant.valid_until.isoformat(),
                              "department": grant.department, "resource": grant.resource_code}))
            continue
        if grant.id in live or (grant.created_at and grant.created_at > now - ORPHAN_GRACE):
            continue
        status = statuses.get(grant.order_id)
        hub.grants.revoke_grant(grant.id, _("orphan grant: no live approved order (audit)"))
        found.append(Finding(
            "expired_grants", Severity.HIGH, f"grant:{grant.id}",
            _("Grant {id} ({department} → {resource}) was active without a live approved order "
              "(order {order} is {status}): revoked.", id=grant.id,
              department=grant.department, resource=grant.resource_code, order=grant.order_id,
              status=status.value if status else _("missing")),
            key="orphan",
            evidence={"order_id": grant.order_id, "order_status": status.value if status else None,
                      "department": grant.department, "resource": grant.resource_code,
                      "items": list(grant.items), "mode": grant.mode.value}))
    hub.grants.expire_due(now)
    return found, len(active)


@scheduled("15 0 * * *")
def expired_grants(settings: HubSettings, now: datetime) -> AuditResult:
    """Expired grants: orders past validity expired, grants without a live order revoked."""
    from exchange.context import Hub

    hub = Hub.build(settings)
    try:
        expired, approved_due = _expire_orders(hub, now)
        orphans, active = _orphans(hub, now)
        expiring = remind_expiring(hub, now)  # validity ending soon: `grant.expiring`
    finally:
        hub.store.dispose()
    found = expired + orphans
    revoked = sum(1 for f in orphans if f.key == "orphan")
    return AuditResult(found, {"orders_past_validity": approved_due, "active_grants": active,
                               "expiring_reminded": expiring},
                       _("{expired} orders expired, {revoked} orphan grants revoked",
                         expired=approved_due, revoked=revoked))

