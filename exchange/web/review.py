"""The chief data officer's review queue: catalog revisions submitted for publication, entries
to retire, orders overdue for review, audit findings to acknowledge. Auditors see it; only the
chief data officer acts (the permission table, and `catalog.entries` checks again)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from starlette.responses import Response

from catalog import RESOURCES, EntryStatus, entries, findings
from catalog.i18n import _, lazy
from catalog.registry import utcnow
from exchange import orders
from exchange.deps import AuditCtx, HubDep
from exchange.errors import ApiError
from exchange.models import Order, OrderStatus
from exchange.roles import Action
from exchange.web.core import CurrentUser, WebRoute, check_csrf, page, require
from exchange.web.sessions import SessionUser

__all__ = ["ENTRY_ACTIONS", "router"]

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Text = Annotated[str, Form(max_length=2000)]
Csrf = Annotated[str, Form(max_length=128)]
Code = Annotated[str, Path(max_length=64)]
# What the page says after an action (a fixed sentence: nothing from the request is echoed).
DONE = {"published": lazy("The revision is published: the catalog shows its text now."),
        "returned": lazy("The revision went back to its department as a draft."),
        "retired": lazy("The entry is retired: it can no longer be ordered."),
        "republished": lazy("The entry is published again."),
        "acknowledged": lazy("The finding is acknowledged with your note.")}
# entries' function and the word the page reports, per action of the forms.
ENTRY_ACTIONS = {"publish": (entries.publish, "published"),
                  "return": (entries.return_to_draft, "returned"),
                  "retire": (entries.retire, "retired"),
                  "republish": (entries.republish, "republished")}


def _overdue(hub) -> list[Order]:
    """Orders whose review stage is past its deadline, escalated ones first."""
    orders.sweep(hub)  # escalates what became overdue since the last look
    now = utcnow()
    with hub.store.session() as s:
        found = s.scalars(select(Order).where(Order.status.in_(
            [OrderStatus.COMPLIANCE_REVIEW, OrderStatus.PROVIDER_REVIEW]),
            Order.stage_due.is_not(None)).order_by(Order.escalated.desc(), Order.stage_due))
        return [o for o in found if o.stage_due < now]


@router.get("/queue")
def queue(request: Request, user: CurrentUser, hub: HubDep, done: str = "") -> Response:
    """What waits for the chief data officer."""
    require(user, Action.QUEUE_READ)
    registry = hub.store.registry
    submitted = [(r, entries.subject(registry, r.resource_code), entries.diff(registry, r))
                 for r in entries.queue(registry)]
    statuses = {code: entries.entry_status(registry, code) for code in sorted(RESOURCES)}
    return page(request, "queue.html", {
        "submitted": submitted,
        "published": [c for c, s in statuses.items() if s is EntryStatus.PUBLISHED],
        "retired": [c for c, s in statuses.items() if s is EntryStatus.RETIRED],
        "overdue": _overdue(hub), "findings": findings.findings(registry),
        "reports": findings.latest_reports(registry), "done": str(DONE.get(done, "")),
    }, user=user)


def _actor(user: SessionUser) -> entries.Actor:
    return entries.Actor(name=user.caller.client_id, department=user.caller.department,
                         roles=frozenset(user.caller.roles))


@router.post("/queue/entries/{code}/{action}")
def entry_action(user: CurrentUser, hub: HubDep, record: AuditCtx, code: Code,
                 action: Annotated[str, Path(max_length=16)], reason: Text = "",
                 csrf: Csrf = "") -> Response:
    """Publish or return a submitted revision, retire or re-publish an entry, with a reason."""
    require(user, Action.CATALOG_REVIEW)
    check_csrf(user, csrf)
    if action not in ENTRY_ACTIONS:
        raise ApiError(404, "not_found", _("No such action on a catalog entry."))
    run, word = ENTRY_ACTIONS[action]  # an unknown entry is `catalog.entries`' not_found
    record.detail = {"catalog": action, "entry": code}  # a catalog change, not a use of data
    run(hub.store.registry, code, _actor(user), reason)
    return RedirectResponse(f"/queue?done={word}", status_code=303)


@router.post("/queue/findings/{finding_id}/acknowledge")
def acknowledge(user: CurrentUser, hub: HubDep, record: AuditCtx,
                finding_id: Annotated[int, Path(ge=1, le=2**31)], note: Text = "",
                csrf: Csrf = "") -> Response:
    """Acknowledge an open audit finding, with a note."""
    require(user, Action.FINDINGS_ACK)
    check_csrf(user, csrf)
    record.detail = {"finding": finding_id}
    findings.acknowledge(hub.store.registry, finding_id, user.caller.client_id, note)
    return RedirectResponse("/queue?done=acknowledged", status_code=303)
