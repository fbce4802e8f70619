"""The SQL gateway for query orders: masked, filtered, rewritten by the policy engine."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from exchange import gateway
from exchange.deps import AuditCtx, CurrentCaller, HubDep
from exchange.schemas import SqlRequest

router = APIRouter(prefix="/v1", tags=["query"])
_MEDIA = {"csv": "text/csv; charset=utf-8", "arrow": "application/vnd.apache.arrow.stream"}


@router.post("/sql", responses={200: {"description": "JSON rows, CSV or an Arrow IPC stream",
                                      "content": {"application/json": {}, **{
                                          m: {} for m in _MEDIA.values()}}}})
async def sql(body: SqlRequest, caller: CurrentCaller, hub: HubDep,
              record: AuditCtx) -> Response:
    """Run one read-only SELECT over published resources your query orders cover."""
    table, governed = await run_in_threadpool(gateway.run_sql, hub, caller, body.sql,
                                              body.order_id, body.grant_ids, record)
    payload = gateway.encode_result(table, body.format)
    headers = {"X-Hub-Policy-Version": governed.policy_version}
    if isinstance(payload, dict):
        return JSONResponse(jsonable_encoder({**payload, "policy_version": governed.policy_version,
                                              "grant_ids": list(governed.grant_ids)}),
                            headers=headers)
    return Response(payload, media_type=_MEDIA[body.format], headers=headers)
