"""The audit log as auditors and providers read it, its verification and checkpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import func, select

from catalog import RESOURCES
from exchange.access import authorize
from exchange.deps import CurrentCaller, HubDep
from exchange.models import AuditEntry
from exchange.paging import Page, Paging, PagingDep
from exchange.roles import Action, Role
from exchange.schemas import AuditEntryOut, CheckpointOut, UsageOut, VerifyReport

router = APIRouter(prefix="/v1", tags=["audit"])


def _page(hub, query, paging: Paging, shown) -> dict:
    """One page of the entries `query` selects, in chain order, each as `shown` makes it."""
    with hub.store.session() as s:
        total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = list(s.scalars(query.order_by(AuditEntry.seq).offset(paging.offset)
                              .limit(paging.limit)))
        return paging.page([shown(e) for e in rows], total)


def _usage(e: AuditEntry) -> dict:
    return {"seq": e.seq, "at": e.at, "client_id": e.client_id, "department": e.department,
            "route": e.route, "order_id": e.order_id, "purpose": e.purpose,
            "resource": e.resource_code, "items": e.items, "decision": e.decision,
            "status": e.status, "rows": e.rows}


@router.get("/audit", response_model=Page[AuditEntryOut])
def audit_log(caller: CurrentCaller, hub: HubDep, paging: PagingDep,
              order_id: Annotated[str | None, Query(max_length=64)] = None,
              client_id: Annotated[str | None, Query(max_length=64)] = None) -> dict:
    """Audit entries in order (auditors): every request, allowed or denied, hash-chained."""
    authorize(caller, Action.AUDIT_READ)
    query = select(AuditEntry)
    if order_id:
        query = query.where(AuditEntry.order_id == order_id)
    if client_id:
        query = query.where(AuditEntry.client_id == client_id)
    return _page(hub, query, paging, lambda e: {
        **_usage(e), "method": e.method, "roles": e.roles, "result_sha256": e.result_sha256,
        "detail": e.detail, "prev_hash": e.prev_hash, "hash": e.hash})


@router.get("/usage", response_model=Page[UsageOut])
def usage(caller: CurrentCaller, hub: HubDep, paging: PagingDep,
          resource: Annotated[str | None, Query(max_length=64)] = None) -> dict:
    """Who used your department's data, for what purpose, with what outcome (providers)."""
    authorize(caller, Action.USAGE_READ)
    if caller.has(Role.CDO) or caller.has(Role.AUDITOR):
        codes = sorted(RESOURCES)
    else:
        codes = sorted(c for c, r in RESOURCES.items() if r.provider.code == caller.department)
    if resource:
        codes = [c for c in codes if c == resource]
    query = select(AuditEntry).where(AuditEntry.resource_code.in_(codes),
                                     AuditEntry.order_id.is_not(None))
    return _page(hub, query, paging, _usage)


@router.get("/audit/verify", response_model=VerifyReport)
async def verify_chain(caller: CurrentCaller, hub: HubDep) -> VerifyReport:
    """Walk the whole hash chain and report every break (auditors)."""
    authorize(caller, Action.AUDIT_READ)
    count, findings = await run_in_threadpool(hub.audit.verify)
    return VerifyReport(entries=count, intact=not findings,
                        findings=[{"seq": f.seq, "problem": f.problem} for f in findings])


@router.get("/audit/checkpoint", response_model=CheckpointOut)
def checkpoint(caller: CurrentCaller, hub: HubDep) -> dict:
    """The chain's head, signed with the hub's token key, for an outside witness (auditors)."""
    authorize(caller, Action.AUDIT_READ)
    return hub.audit.checkpoint(hub.keys)
