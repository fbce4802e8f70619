"""Verification (核验) endpoints: one per check, yes/no answers, metered and audited."""

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from exchange import verification
from exchange.checks import CHECKS, Check
from exchange.deps import AuditCtx, CurrentCaller, HubDep
from exchange.schemas import VerifyAnswer, VerifyBody, VerifyNamedBody

router = APIRouter(prefix="/v1/verify", tags=["verification"])


def _add(check: Check) -> None:
    body_model = VerifyNamedBody if check.needs_name else VerifyBody

    async def handler(body: body_model, caller: CurrentCaller,  # type: ignore[valid-type]
                      hub: HubDep, record: AuditCtx) -> VerifyAnswer:
        answer, left, seq = await run_in_threadpool(
            verification.answer, hub, caller, check, body.order_id, body.id_number,
            getattr(body, "name", None), record)
        return VerifyAnswer(check=check.name, order_id=body.order_id, answer=answer,
                            calls_left=left, audit_seq=seq)

    router.add_api_route(
        f"/{check.name}", handler, methods=["POST"], response_model=VerifyAnswer,
        name=f"verify_{check.name}", summary=check.question,
        description=f"Reads `{check.resource}` ({', '.join(check.items)}) under a `verify` "
                    "order for that resource. Answers yes/no only; each call uses one unit of "
                    "the order's quota and is audited.",
        responses={403: {"description": "order not usable"}, 404: {"description": "no such "
                   "order"}, 422: {"description": "invalid input"}, 429: {"description":
                   "quota used up"}})


for _check in CHECKS.values():
    _add(_check)
