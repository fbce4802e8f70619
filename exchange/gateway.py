"""`POST /v1/sql`: SQL under the caller's query orders, through the policy engine.

The engine checks and rewrites the query (`plan`) and runs it (`execute`); here the orders
whose grants it used are metered, and the original and rewritten SQL are audited, in one
transaction before the result leaves.
"""

from __future__ import annotations

import hashlib
import io

import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import select

from exchange import grants, orders
from exchange.access import Caller, authorize
from exchange.audit_log import AuditRecord
from exchange.context import Hub
from exchange.errors import ApiError
from exchange.metering import consume
from exchange.models import Order, OrderStatus
from exchange.roles import Action
from policies import GovernedQuery, PolicyError, run_query

__all__ = ["encode_result", "run_sql"]

_SQL_AUDIT_CHARS = 20_000


def run_sql(hub: Hub, caller: Caller, sql: str, order_id: str | None,
            grant_ids: list[str] | None, record: AuditRecord) -> tuple[pa.Table, GovernedQuery]:
    """One governed query (policies.run_query: its own trail too), metered per order whose
    grant it used, audited with the original and rewritten SQL before the result leaves."""
    authorize(caller, Action.DATA_QUERY)
    record.order_id = order_id
    record.detail = {"sql": sql[:_SQL_AUDIT_CHARS]}
    if order_id is not None:
        order = orders.usable(hub, caller, order_id, Action.DATA_QUERY)
        grant_ids = [*(grant_ids or []), order.grant_id]
    try:
        result = run_query(hub.settings, hub.grants, grants.principal(caller), sql,
                           surface="api", grant_ids=grant_ids)
    except PolicyError as exc:
        record.detail["policy_error"] = exc.code
        raise grants.policy_error(exc) from None
    governed = result.governed
    used = [g.order_id for g in governed.grants]
    with hub.store.session() as s:
        mine = set(s.scalars(select(Order.id).where(
            Order.id.in_([u for u in used if u]), Order.department == caller.department,
            Order.status == OrderStatus.APPROVED)))
    if not used or any(u not in mine for u in used):
        raise ApiError(403, "no_order", "The query reads a resource no approved order of your "
                                        "department covers.")
    record.order_id = used[0]
    record.resource_code = governed.resources[0] if governed.resources else None
    record.purpose = governed.grants[0].purpose
    record.items = [f"{code}:{item}" for code, items in governed.items.items() for item in items]
    record.detail.update(rewritten_sql=governed.sql[:_SQL_AUDIT_CHARS], orders=used,
                         grants=list(governed.grant_ids), policy_version=governed.policy_version)
    record.decision, record.status, record.rows = "allow", 200, result.table.num_rows
    record.result_sha256 = hashlib.sha256(_ipc(result.table)).hexdigest()

    def meter(s) -> None:
        for oid in used:
            consume(s, oid)

    hub.audit.append(record, before=meter)
    return result.table, governed


def _ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def encode_result(table: pa.Table, fmt: str) -> bytes | dict:
    """The result as JSON rows, CSV (UTF-8 with BOM) or an Arrow IPC stream."""
    if fmt == "arrow":
        return _ipc(table)
    if fmt == "csv":
        buffer = io.BytesIO()
        pacsv.write_csv(table, buffer)
        return "\ufeff".encode() + buffer.getvalue()
    return {"columns": [{"name": f.name, "type": str(f.type)} for f in table.schema],
            "rows": [list(r.values()) for r in table.to_pylist()], "row_count": table.num_rows}
