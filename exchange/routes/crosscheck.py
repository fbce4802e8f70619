"""The social-assistance cross-check for civil affairs: flags per case, reviews, statistics,
and each department's records that could not be linked (its quality issues)."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Path
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, StringConstraints

from catalog.i18n import _
from catalog.reviews import (
    FlagKey,
    flags_of_case,
    latest_run,
    review_flag,
    review_stats,
)
from catalog.timefmt import beijing_iso
from exchange.access import Caller, authorize
from exchange.deps import AuditCtx, CurrentCaller, HubDep
from exchange.errors import ApiError
from exchange.paging import Page, Paging, PagingDep
from exchange.roles import Action, Role

router = APIRouter(prefix="/v1/crosscheck", tags=["crosscheck"])
CIVIL_AFFAIRS = "mz"
FLAGS = "mz.crosscheck_flags"
CaseNo = Annotated[str, Path(max_length=64, pattern=r"^[0-9A-Za-z_-]+$")]


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_no: Annotated[str, StringConstraints(max_length=64, pattern=r"^[0-9A-Za-z_-]+$")]
    rule: Literal["deceased", "duplicate_case", "income", "vehicle", "real_estate", "business",
                  "provident_fund", "identity"]
    id_number: Annotated[str, StringConstraints(max_length=64)]
    decision: Literal["confirmed", "dismissed"]
    note: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


def _civil_affairs(caller: Caller, action: Action) -> None:
    """The one check of these routes: role and scope, then the civil-affairs department (the
    chief data officer, who oversees the cross-check, may read every case but not review)."""
    authorize(caller, action)
    oversight = action is Action.CROSSCHECK_READ and caller.has(Role.CDO)
    if caller.department != CIVIL_AFFAIRS and not oversight:
        raise ApiError(403, "forbidden", _("Cross-check flags are for civil affairs (民政) only."))


def _flags(hub, caller: Caller, case_no: str) -> list[dict]:
    rows = flags_of_case(hub.lake.cursor(), case_no)
    if caller.district:  # a district officer sees the cases of the district only
        rows = [r for r in rows if r["district_code"] == caller.district]
    for row in rows:
        row["evidence"] = json.loads(row["evidence"])
    return rows


@router.get("/cases/{case_no}/flags")
async def case_flags(case_no: CaseNo, caller: CurrentCaller, hub: HubDep,
                     record: AuditCtx) -> dict:
    """The current cross-check flags of one case, each with its reason and evidence."""
    _civil_affairs(caller, Action.CROSSCHECK_READ)
    record.resource_code, record.purpose = FLAGS, "社会救助核查"
    rows = await run_in_threadpool(_flags, hub, caller, case_no)
    record.rows, record.detail = len(rows), {"case_no": case_no}
    return {"case_no": case_no, "flags": rows}


def _review(hub, caller: Caller, body: ReviewIn):
    if caller.district:
        shown = {(r["rule"], r["id_number"]) for r in _flags(hub, caller, body.case_no)}
        if (body.rule, body.id_number) not in shown:
            raise ApiError(404, "not_found", _("No such flag in the current cross-check."))
    return review_flag(hub.store.registry, hub.lake.cursor(),
                       FlagKey(body.case_no, body.rule, body.id_number), body.decision,
                       body.note, caller.client_id)


@router.post("/reviews", status_code=201)
async def review(body: ReviewIn, caller: CurrentCaller, hub: HubDep, record: AuditCtx) -> dict:
    """Confirm or dismiss a flag with a note; a dismissed flag stays away while its evidence
    is unchanged."""
    _civil_affairs(caller, Action.CROSSCHECK_REVIEW)
    record.resource_code, record.purpose = FLAGS, "社会救助核查"
    done = await run_in_threadpool(_review, hub, caller, body)
    record.detail = {"case_no": body.case_no, "rule": body.rule, "decision": body.decision}
    return {"case_no": done.case_no, "rule": done.rule, "id_number": done.id_number,
            "decision": done.decision, "note": done.note, "reviewer": done.reviewer,
            "fingerprint": done.fingerprint, "run_id": done.run_id,
            "reviewed_at": beijing_iso(done.reviewed_at)}


@router.get("/stats")
def stats(caller: CurrentCaller, hub: HubDep) -> dict:
    """Per rule: flags raised by the latest run, suppressed, confirmed and dismissed."""
    _civil_affairs(caller, Action.CROSSCHECK_READ)
    return {"rules": review_stats(hub.store.registry)}


def _issues(hub, department: str, paging: Paging) -> dict:
    run = latest_run(hub.store.registry)
    if run is None:
        return paging.page([], 0)
    cursor = hub.lake.cursor()
    (total,) = cursor.execute("SELECT count(*) FROM read_parquet(?) WHERE department = ?",
                              [run.issues_path, department]).fetchall()[0]
    cursor.execute(
        "SELECT ? AS run_id, resource_code, batch_id, record_no, record_key, id_number, name, "
        "issue, message FROM read_parquet(?) WHERE department = ? "
        "ORDER BY resource_code, batch_id, record_no LIMIT ? OFFSET ?",
        [run.run_id, run.issues_path, department, paging.limit, paging.offset])
    names = [d[0] for d in cursor.description]
    return paging.page([dict(zip(names, row, strict=True)) for row in cursor.fetchall()], total)


@router.get("/linkage-issues", response_model=Page[dict])
async def linkage_issues(caller: CurrentCaller, hub: HubDep, paging: PagingDep) -> dict:
    """Your department's records the latest cross-check run (`run_id` of each) could not link
    to a person (quality issues)."""
    authorize(caller, Action.CROSSCHECK_READ)
    return await run_in_threadpool(_issues, hub, caller.department, paging)
