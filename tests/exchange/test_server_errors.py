"""Ordinary SQL results never end in a server error, and a server error is never charged: over
real HTTP (uvicorn). Non-finite numbers are JSON null; a result too large to hold is refused
(413) before it is built; an unexpected failure answers the API's error shape with the security
headers, is audited as an `error` and leaves the order's quota as it was."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import select

from exchange.models import AuditEntry, Order
from tests.exchange.conftest import live_api

SECURITY_HEADERS = {"x-content-type-options": "nosniff", "x-frame-options": "DENY",
                    "cache-control": "no-store", "referrer-policy": "no-referrer"}
INTERNAL = {"error": {"code": "internal_error",
                      "message": "The hub could not complete the request."}}


def _query_order(api) -> str:
    return api.order(resource="sj.enterprises", mode="query",
                     items=["uscc", "name", "registered_capital_wan"], quota_calls=5)["id"]


def _sql(api, sql: str, fmt: str = "json"):
    return api.http.post("/v1/sql", json={"sql": sql, "format": fmt},
                         headers=api.as_("requester"))


def _calls_used(api, order_id: str) -> int:
    with api.hub.store.session() as s:
        return s.get(Order, order_id).calls_used


def _sql_audit(api) -> list[tuple[str, int, dict]]:
    with api.hub.store.session() as s:
        return [(e.decision, e.status, e.detail) for e in s.scalars(
            select(AuditEntry).where(AuditEntry.route == "/v1/sql").order_by(AuditEntry.seq))]


def test_non_finite_numbers_are_json_null(live):
    order_id = _query_order(live)
    response = _sql(live, "SELECT CAST('inf' AS DOUBLE) AS plus, CAST('-inf' AS DOUBLE) AS minus, "
                          "CAST('nan' AS DOUBLE) AS nan, 1.5 AS fine, "
                          "[CAST('nan' AS DOUBLE), 2.0] AS listed "
                          "FROM sj_enterprises LIMIT 1")
    assert response.status_code == 200, response.text
    assert response.json()["rows"] == [[None, None, None, 1.5, [None, 2.0]]]
    for header, value in SECURITY_HEADERS.items():
        assert response.headers[header] == value
    assert _calls_used(live, order_id) == 1
    # Arrow keeps them: a typed format has room for IEEE 754's values.
    import pyarrow as pa

    arrow = _sql(live, "SELECT CAST('nan' AS DOUBLE) AS nan FROM sj_enterprises LIMIT 1", "arrow")
    assert math.isnan(pa.ipc.open_stream(arrow.content).read_all().column("nan")[0].as_py())


def test_a_failure_before_the_answer_is_an_audited_uncharged_500(live, monkeypatch):
    from exchange import gateway

    order_id = _query_order(live)

    def broken(*_args, **_kwargs):
        raise RuntimeError("encoder broke")

    monkeypatch.setattr(gateway, "encode_result", broken)
    response = _sql(live, "SELECT name FROM sj_enterprises LIMIT 1")
    assert (response.status_code, response.json()) == (500, INTERNAL)
    for header, value in SECURITY_HEADERS.items():
        assert response.headers[header] == value
    assert "encoder broke" not in response.text
    assert _calls_used(live, order_id) == 0
    [(decision, status, _detail)] = _sql_audit(live)
    assert (decision, status) == ("error", 500)


def test_a_failure_after_metering_gives_the_call_back(live, monkeypatch):
    """Should anything fail after the call was audited and metered, an error entry follows it
    and the call is refunded."""
    from exchange.routes import sql as route

    order_id = _query_order(live)

    def broken(*_args, **_kwargs):
        raise RuntimeError("response broke")

    monkeypatch.setattr(route, "Response", broken)
    response = _sql(live, "SELECT name FROM sj_enterprises LIMIT 1")
    assert (response.status_code, response.json()) == (500, INTERNAL)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert _calls_used(live, order_id) == 0
    (allowed, _s, _first), (error, status, detail) = _sql_audit(live)
    assert (allowed, error, status) == ("allow", "error", 500)
    assert detail["refunded"] == [order_id]
    verified = live.http.get("/v1/audit/verify", headers=live.as_("auditor")).json()
    assert verified["intact"]


@pytest.fixture
def small(ingested, tmp_path):
    with live_api(ingested, tmp_path / "api", gateway_max_result_bytes=1_000_000) as api:
        yield api


def test_a_result_too_large_is_refused_before_it_is_built(small):
    order_id = _query_order(small)
    response = _sql(small, "SELECT repeat(name, 200000) AS big FROM sj_enterprises LIMIT 3")
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "too_large"
    assert _calls_used(small, order_id) == 0
    assert _sql(small, "SELECT name FROM sj_enterprises LIMIT 3").status_code == 200
