"""`POST /v1/sql`: SQL under the caller's query orders, through the policy engine.

The engine checks and rewrites the query (`plan`) and runs it (`execute`); here the result is
encoded, then the orders whose grants it used are metered and the original and rewritten SQL
audited, in one transaction, as the last step before the answer leaves: a result that cannot be
encoded is never charged. Non-finite numbers (1/0 as a float, NaN) are JSON `null`: JSON has no
such numbers.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from functools import partial

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from fastapi.encoders import jsonable_encoder
from sqlalchemy import select

from catalog.i18n import _
from catalog.spreadsheet import neutralise
from exchange import grants, orders
from exchange.access import Caller, authorize
from exchange.audit_log import AuditRecord
from exchange.context import Hub
from exchange.metering import consume
from exchange.models import Order, OrderStatus
from exchange.roles import Action
from policies import GovernedQuery, PolicyError, run_query

__all__ = ["MEDIA", "Answer", "encode_result", "run_sql"]

MEDIA = {"json": "application/json", "csv": "text/csv; charset=utf-8",
         "arrow": "application/vnd.apache.arrow.stream"}

_SQL_AUDIT_CHARS = 20_000


@dataclass(frozen=True)
class Answer:
    """An encoded result, ready to send."""

    body: bytes
    media_type: str
    policy_version: str


def run_sql(hub: Hub, caller: Caller, sql: str, order_id: str | None,
            grant_ids: list[str] | None, record: AuditRecord, fmt: str = "json") -> Answer:
    """One governed query (policies.run_query: its own trail too), encoded as `fmt`, then
    metered per order whose grant it used and audited with the original and rewritten SQL."""
    authorize(caller, Action.DATA_QUERY)
    record.order_id = order_id
    record.detail = {"sql": sql[:_SQL_AUDIT_CHARS]}
    if order_id is not None:
        order = orders.usable(hub, caller, order_id, Action.DATA_QUERY)
        grant_ids = [*(grant_ids or []), order.grant_id]
    try:
        result = run_query(hub.settings, hub.grants, grants.principal(caller), sql,
                           surface="api", grant_ids=grant_ids,
                           authorise=partial(_ordered, hub, caller))
    except PolicyError as exc:
        record.detail["policy_error"] = exc.code
        raise
    governed = result.governed
    used = [g.order_id for g in governed.grants]
    record.order_id = used[0]
    record.resource_code = governed.resources[0] if governed.resources else None
    record.purpose = governed.grants[0].purpose
    record.items = [f"{code}:{item}" for code, items in governed.items.items() for item in items]
    record.detail.update(rewritten_sql=governed.sql[:_SQL_AUDIT_CHARS], orders=used,
                         grants=list(governed.grant_ids), policy_version=governed.policy_version)
    body = encode_result(result.table, fmt, governed)
    record.decision, record.status, record.rows = "allow", 200, result.table.num_rows
    record.result_sha256 = hashlib.sha256(_ipc(result.table)).hexdigest()

    def meter(s) -> None:
        for oid in used:
            consume(s, oid, record)

    hub.audit.append(record, before=meter)
    return Answer(body, MEDIA[fmt], governed.policy_version)


def _ordered(hub: Hub, caller: Caller, governed: GovernedQuery) -> None:
    """Every grant the query uses belongs to an approved order of the caller's department
    (checked before the query runs: a refused caller costs no engine time)."""
    used = [g.order_id for g in governed.grants]
    with hub.store.session() as s:
        mine = set(s.scalars(select(Order.id).where(
            Order.id.in_([u for u in used if u]), Order.department == caller.department,
            Order.status == OrderStatus.APPROVED)))
    if not used or any(u not in mine for u in used):
        raise PolicyError("no_grant", _("the query reads a resource no approved order of your "
                          "department covers"))


def _ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _finite(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A float column with its infinities and NaNs as nulls (top-level floats: the JSON rows)."""
    if pa.types.is_floating(column.type):
        return pc.if_else(pc.is_finite(column), column, pa.scalar(None, column.type))
    return column


def _finite_value(value):
    """The same for floats nested in lists, structs and maps (rare: walked in Python)."""
    if isinstance(value, float):
        return value if value - value == 0 else None  # inf - inf and nan - nan are nan
    if isinstance(value, list | tuple):
        return [_finite_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _finite_value(v) for k, v in value.items()}
    return value


def encode_result(table: pa.Table, fmt: str, governed: GovernedQuery | None = None) -> bytes:
    """The result as JSON rows (non-finite numbers as null), CSV (UTF-8 with BOM, text cells
    safe to open in a spreadsheet) or an Arrow IPC stream."""
    if fmt == "arrow":
        return _ipc(table)
    if fmt == "csv":
        buffer = io.BytesIO()
        pacsv.write_csv(neutralise(table), buffer)
        return "\ufeff".encode() + buffer.getvalue()
    finite = pa.table([_finite(c) for c in table.columns], names=table.column_names)
    rows = [list(r.values()) for r in finite.to_pylist()]
    if any(pa.types.is_nested(f.type) for f in table.schema):
        rows = [_finite_value(r) for r in rows]
    body = {"columns": [{"name": f.name, "type": str(f.type)} for f in table.schema],
            "rows": rows, "row_count": table.num_rows}
    if governed is not None:
        body.update(policy_version=governed.policy_version, grant_ids=list(governed.grant_ids))
    # allow_nan=False: should a non-finite number remain, this fails before anything is charged
    return json.dumps(jsonable_encoder(body), ensure_ascii=False, allow_nan=False,
                      separators=(",", ":")).encode()
