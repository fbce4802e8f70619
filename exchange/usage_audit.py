"""Usage anomalies (entry point `hub.audits`), read from the audit log `ex_audit`: calls refused
for quota, more allowed calls than the quota, an order used far above its normal daily rate,
and data accessed outside the order's validity.

A *call* is an allowed data use under an order — a verification, an extract (its opening
entry; the closing one is its manifest), a prepared extract's download, a gateway query — each
metered once (`exchange.metering`). Days are the 24 hours before `now`, then the 24 before.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from catalog import HubSettings
from catalog.audit_plugins import scheduled
from catalog.findings import AuditResult, Finding, Severity
from catalog.i18n import _
from exchange.models import AuditEntry, Order, OrderEvent
from exchange.workdays import BEIJING, today

if TYPE_CHECKING:  # imported where the audit runs: loading it stays cheap
    from exchange.context import Hub

__all__ = ["BASELINE_DAYS", "MIN_BASELINE_DAYS", "RATE_FACTOR", "RATE_MIN_CALLS", "is_call",
           "usage_anomalies"]

BASELINE_DAYS = 14  # an order's normal rate: the median of its daily calls over these days
MIN_BASELINE_DAYS = 3  # an order used for fewer days has no normal rate yet
RATE_FACTOR = 5.0  # a day with more than this many times the normal rate is an anomaly…
RATE_MIN_CALLS = 50  # …if it has at least this many calls (a quiet order's 3 calls are not)
_ENDED = ("expired", "revoked", "cancelled")
_NOT_CALLS = {"complete", "aborted", "queued"}  # extract phases that are not a metered use
_DAY = timedelta(days=1)


def is_call(route: str, detail: dict | None) -> bool:
    """Whether an entry on this route is a data use (the route as requested or templated)."""
    use = (route == "/v1/sql" or route.startswith("/v1/verify/")
           or (route.startswith("/v1/orders/") and route.endswith("/extract"))
           or (route.startswith("/v1/deliveries/") and route.endswith("/file")))
    return use and (detail or {}).get("phase") not in _NOT_CALLS


@dataclass
class _Usage:
    daily: Counter = field(default_factory=Counter)  # day (0 = the last 24 h) → allowed calls
    refused: int = 0  # refused for quota (429) in the last day
    calls: list[tuple[int, datetime]] = field(default_factory=list)  # allowed: (seq, at)


def _read_log(hub: Hub, since: datetime, now: datetime) -> tuple[dict[str, _Usage], int]:
    usage: dict[str, _Usage] = defaultdict(_Usage)
    scanned = 0
    query = (select(AuditEntry.seq, AuditEntry.at, AuditEntry.order_id, AuditEntry.route,
                    AuditEntry.status, AuditEntry.decision, AuditEntry.detail)
             .where(AuditEntry.order_id.is_not(None), AuditEntry.at >= since,
                    AuditEntry.at <= now)
             .order_by(AuditEntry.seq).execution_options(yield_per=2000))
    with hub.store.session() as s:
        for seq, at, order_id, route, status, decision, detail in s.execute(query):
            scanned += 1
            if not is_call(route, detail):
                continue
            mine = usage[order_id]
            day = int((now - at) / _DAY)
            if decision == "allow":
                mine.daily[day] += 1
                mine.calls.append((seq, at))
            elif status == 429 and day == 0:
                mine.refused += 1
    return usage, scanned


def _calls_ever(hub: Hub, order_ids: list[str]) -> Counter:
    """Allowed calls each order has had over its whole life (bounded by its quota, normally)."""
    calls: Counter = Counter()
    query = (select(AuditEntry.order_id, AuditEntry.route, AuditEntry.detail)
             .where(AuditEntry.order_id.in_(order_ids), AuditEntry.decision == "allow")
             .execution_options(yield_per=2000))
    with hub.store.session() as s:
        for order_id, route, detail in s.execute(query):
            calls[order_id] += is_call(route, detail)
    return calls


def _milestones(hub: Hub, order_ids: list[str]) -> dict[str, dict[str, datetime]]:
    """When each order was approved and when it ended (expired, revoked, cancelled), if so."""
    out: dict[str, dict[str, datetime]] = defaultdict(dict)
    with hub.store.session() as s:
        for event in s.scalars(select(OrderEvent).where(OrderEvent.order_id.in_(order_ids))
                               .order_by(OrderEvent.id)):
            name = "approved" if event.action == "approved" else (
                "ended" if event.action in _ENDED else None)
            if name and name not in out[event.order_id]:
                out[event.order_id][name] = event.at
    return out


def _start(day: date) -> datetime:
    return datetime.combine(day, time(0), BEIJING)


def _rate(order: Order, use: _Usage, marks: dict[str, datetime], now: datetime) -> Finding | None:
    last = use.daily[0]
    began = max(_start(order.valid_from), marks.get("approved", _start(order.valid_from)))
    ended = marks.get("ended")
    days = [k for k in range(1, BASELINE_DAYS + 1)
            if now - (k + 1) * _DAY >= began and (ended is None or now - k * _DAY <= ended)]
    if last < RATE_MIN_CALLS or len(days) < MIN_BASELINE_DAYS:
        return None
    normal = statistics.median(use.daily[k] for k in days)
    if last <= RATE_FACTOR * max(normal, 1):
        return None
    return Finding("usage_anomalies", Severity.HIGH, f"order:{order.id}",
                   _("Order {id} ({department} → {resource}) had {calls} calls in the last "
                     "day; its median over the {days} days before was {median}.", id=order.id,
                     department=order.department, resource=order.resource_code, calls=last,
                     days=len(days), median=f"{normal:g}"), key="rate",
                   evidence={"calls_last_day": last, "median": normal, "baseline_days": len(days),
                             "factor": RATE_FACTOR, "daily": [use.daily[k] for k in days]})


def _outside(order: Order, use: _Usage, marks: dict[str, datetime]) -> Finding | None:
    ended = marks.get("ended")
    seqs = [(seq, at) for seq, at in use.calls
            if not order.valid_from <= today(at) <= order.valid_until or (ended and at > ended)]
    if not seqs:
        return None
    seq, at = seqs[0]
    values = {"id": order.id, "department": order.department, "resource": order.resource_code,
              "uses": len(seqs), "start": order.valid_from.isoformat(),
              "end": order.valid_until.isoformat(),
              "first": f"{at.astimezone(BEIJING):%Y-%m-%d %H:%M}", "seq": seq}
    return Finding("usage_anomalies", Severity.CRITICAL, f"order:{order.id}",
                   _("Order {id} ({department} → {resource}): {uses} data uses allowed outside "
                     "its validity ({start} to {end}, ended {ended}), the first at {first} "
                     "Beijing time (entry {seq}).", **values, ended=ended.isoformat())
                   if ended else
                   _("Order {id} ({department} → {resource}): {uses} data uses allowed outside "
                     "its validity ({start} to {end}), the first at {first} Beijing time "
                     "(entry {seq}).", **values),
                   key="outside_validity",
                   evidence={"seqs": [s for s, _ in seqs[:50]], "count": len(seqs),
                             "valid_from": order.valid_from.isoformat(),
                             "valid_until": order.valid_until.isoformat(),
                             "ended_at": ended.isoformat() if ended else None})


def _order_findings(order: Order, use: _Usage, marks: dict[str, datetime], ever: int,
                    now: datetime) -> list[Finding]:
    subject = f"order:{order.id}"
    who = {"id": order.id, "department": order.department, "resource": order.resource_code}
    found = []
    if use.refused:
        found.append(Finding("usage_anomalies", Severity.WARNING, subject,
                             _("Order {id} ({department} → {resource}): {refused} calls "
                               "refused in the last day, its quota of {quota} calls used up.",
                               **who, refused=use.refused, quota=order.quota_calls),
                             key="quota_refused",
                             evidence={"refused": use.refused, "quota": order.quota_calls}))
    if max(ever, order.calls_used) > order.quota_calls:
        found.append(Finding("usage_anomalies", Severity.CRITICAL, subject,
                             _("Order {id} ({department} → {resource}): {calls} calls "
                               "allowed against a quota of {quota}.", **who,
                               calls=max(ever, order.calls_used), quota=order.quota_calls),
                             key="beyond_quota",
                             evidence={"logged_calls": ever, "metered": order.calls_used,
                                       "quota": order.quota_calls}))
    found += [f for f in (_rate(order, use, marks, now), _outside(order, use, marks)) if f]
    return found


@scheduled("30 0 * * *")
def usage_anomalies(settings: HubSettings, now: datetime) -> AuditResult:
    """Usage anomalies: quota overruns, bursts far above an order's rate, use outside validity."""
    from exchange.context import Hub

    now = now.astimezone(UTC)  # the log keeps UTC; SQLite compares the text
    hub = Hub.build(settings)
    try:
        usage, scanned = _read_log(hub, now - (BASELINE_DAYS + 1) * _DAY, now)
        ids = sorted(usage)
        with hub.store.session() as s:
            known = {o.id: o for o in s.scalars(select(Order).where(Order.id.in_(ids)))}
        ever = _calls_ever(hub, ids) if ids else Counter()
        marks = _milestones(hub, ids) if ids else {}
    finally:
        hub.store.dispose()
    found = []
    for order_id in ids:
        order = known.get(order_id)
        if order is None:
            if usage[order_id].calls:
                found.append(Finding("usage_anomalies", Severity.CRITICAL, f"order:{order_id}",
                                     _("{uses} data uses allowed under order {id}, which does "
                                       "not exist.", uses=len(usage[order_id].calls),
                                       id=order_id),
                                     key="outside_validity"))
            continue
        found += _order_findings(order, usage[order_id], marks.get(order_id, {}),
                                 ever[order_id], now)
    return AuditResult(found, {"entries": scanned, "orders": len(ids)},
                       _("{found} anomalies in the use of {orders} orders over {days} days",
                         found=len(found), orders=len(ids), days=BASELINE_DAYS + 1))
