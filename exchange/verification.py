"""Verification (核验): yes/no answers about one person under a verify order, never rows.

Each check reads one published resource through its standardised columns (`*_valid` ID
numbers, `*_norm` names), within the order's row scope. The answer is metered and audited
in one transaction; a call refused for quota leaves no answer behind.
"""

from __future__ import annotations

import hashlib
import json

from catalog.i18n import _
from catalog.identifiers import is_valid_id, normalise_name, standardise_id
from exchange import orders
from exchange.access import Caller
from exchange.audit_log import AuditRecord
from exchange.checks import Check
from exchange.context import Hub
from exchange.errors import ApiError
from exchange.metering import consume
from exchange.roles import Action

__all__ = ["answer"]


def _lookup(hub: Hub, check: Check, id_number: str, name: str | None,
            districts: list[str]) -> bool:
    params: dict[str, object] = {"id": id_number}
    if "$districts" in check.sql:
        params["districts"] = districts
    if check.needs_name:
        params["name"] = name
    (count,) = hub.lake.cursor().execute(check.sql, params).fetchone()
    return count > check.more_than


def answer(hub: Hub, caller: Caller, check: Check, order_id: str, id_number: str,
           name: str | None, record: AuditRecord) -> tuple[bool, int, int]:
    """(answer, calls left, audit seq) for one question under one order."""
    record.order_id, record.detail = order_id, {"check": check.name}
    order = orders.usable(hub, caller, order_id, Action.DATA_VERIFY)
    record.purpose, record.resource_code = order.purpose, order.resource_code
    record.items = list(check.items)
    if order.resource_code != check.resource:
        raise ApiError(403, "wrong_check", _(
            "This order is for {ordered}; the {check} check reads {resource}.",
            ordered=order.resource_code, check=check.name, resource=check.resource))
    standard = standardise_id(id_number)
    if not standard or not is_valid_id(standard):
        raise ApiError(422, "invalid_id_number", _("id_number is not a valid GB 11643 number."))
    normal = normalise_name(name) if check.needs_name else None
    if check.needs_name and not normal:
        raise ApiError(422, "invalid_name", _("name is empty."))
    result = _lookup(hub, check, standard, normal, order.row_scope.get("district_codes", []))
    record.decision, record.status, record.rows = "allow", 200, 0
    record.result_sha256 = hashlib.sha256(json.dumps(
        {"check": check.name, "order_id": order_id, "answer": result}).encode()).hexdigest()
    left: list[int] = []
    entry = hub.audit.append(record, before=lambda s: left.append(consume(s, order.id, record)))
    return result, left[0], entry.seq
