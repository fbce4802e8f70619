"""The SQL gateway for query orders: masked, filtered, rewritten by the policy engine."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from exchange import gateway
from exchange.deps import AuditCtx, CurrentCaller, HubDep
from exchange.schemas import SqlRequest

router = APIRouter(prefix="/v1", tags=["query"])


@router.post("/sql", responses={200: {
    "description": "JSON rows (infinities and NaN as null), CSV or an Arrow IPC stream",
    "content": {m: {} for m in gateway.MEDIA.values()}}})
async def sql(body: SqlRequest, caller: CurrentCaller, hub: HubDep,
              record: AuditCtx) -> Response:
    """Run one read-only SELECT over published resources your query orders cover."""
    answer = await run_in_threadpool(gateway.run_sql, hub, caller, body.sql, body.order_id,
                                     body.grant_ids, record, body.format)
    return Response(answer.body, media_type=answer.media_type,
                    headers={"X-Hub-Policy-Version": answer.policy_version})
