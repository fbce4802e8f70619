"""OWASP API Top 10 hardening: object visibility, unknown fields, limits, one error shape,
and exact metering under concurrency."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from exchange import orders
from exchange.models import AuditEntry
from exchange.workdays import BEIJING, deadline


def test_other_departments_orders_do_not_exist_for_you(api):
    order = api.order(resource="sj.enterprises", items=["uscc"])
    for method, url, body in (("GET", f"/v1/orders/{order['id']}", None),
                              ("POST", f"/v1/orders/{order['id']}/cancel", {"reason": "取消申请"}),
                              ("GET", f"/v1/orders/{order['id']}/extract", None),
                              ("GET", f"/v1/orders/{order['id']}/deliveries", None)):
        response = api.http.request(method, url, json=body, headers=api.as_("other"))
        assert response.status_code == 404, url
        assert response.json() == {"error": {"code": "not_found", "message": "No such order."}}
    listed = api.http.get("/v1/orders", headers=api.as_("other")).json()
    assert listed == {"items": [], "total": 0, "offset": 0, "limit": 500, "next_offset": None}


def test_unknown_fields_are_refused(api):
    body = {"resource": "sj.enterprises", "mode": "extract", "items": ["uscc"],
            "purpose": "社会救助核查", "legal_basis": "第十一条", "valid_until": "2099-01-01",
            "quota_calls": 1, "department": "ga"}
    response = api.http.post("/v1/orders", json=body, headers=api.as_("requester"))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert {"field": "department", "type": "extra_forbidden",
            "message": "Extra inputs are not permitted"} in error["fields"]


def test_order_validation_errors(api):
    base = {"resource": "ga.vehicles", "mode": "extract", "items": ["plate_number"],
            "purpose": "社会救助核查", "legal_basis": "第十一条", "valid_until": "2026-01-01",
            "quota_calls": 1}
    cases = [({"resource": "xx.nothing"}, "unknown_resource"),
             ({"items": ["salary"]}, "unknown_item"),
             ({"valid_until": "2020-01-01"}, "invalid_order"),
             ({"mode": "verify"}, "invalid_order"),
             ({"row_scope": {"district_codes": ["441302"]}}, "invalid_order")]
    for change, code in cases:
        response = api.http.post("/v1/orders", json={**base, **change},
                                 headers=api.as_("requester"))
        assert response.status_code == 422, change
        assert response.json()["error"]["code"] == code


def test_bodies_over_the_limit_are_refused(api):
    big = {"sql": "SELECT 1", "padding": "x" * (api.settings.max_body_bytes + 1)}
    response = api.http.post("/v1/sql", json=big, headers=api.as_("requester"))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"


def test_page_size_is_capped(api):
    response = api.http.get("/v1/orders", params={"limit": 10**6},
                            headers=api.as_("requester"))
    assert response.status_code == 200
    assert api.http.get("/v1/orders", params={"offset": -1},
                        headers=api.as_("requester")).status_code == 422


def test_errors_leak_no_internals(api):
    hostile = ["SELECT * FROM read_csv('/etc/passwd')", "SELECT 1; DROP TABLE x",
               "SELECT * FROM sj_enterprises WHERE ' OR 1=1 --", "PRAGMA database_list"]
    for sql in hostile:
        response = api.http.post("/v1/sql", json={"sql": sql}, headers=api.as_("requester"))
        assert 400 <= response.status_code < 500, sql
        text = response.text
        assert set(response.json()) == {"error"}
        for leak in ("Traceback", "/tmp/", "/work/", "duckdb", "sqlalchemy", "File \""):
            assert leak not in text, (sql, text)


def test_fifty_concurrent_calls_against_one_remaining_call_yield_one_success(api, person):
    order = api.order(resource="ga.vehicles", mode="verify", items=[], quota_calls=1)
    api.approve(order["id"])
    headers = api.as_("requester")
    body = {"order_id": order["id"], "id_number": person()[0]}
    barrier = threading.Barrier(50)

    def call(_):
        barrier.wait()
        return api.http.post("/v1/verify/vehicle", json=body, headers=headers)

    with ThreadPoolExecutor(50) as pool:
        statuses = sorted(r.status_code for r in pool.map(call, range(50)))
    assert statuses == [200] + [429] * 49
    final = api.http.get(f"/v1/orders/{order['id']}", headers=headers).json()
    assert final["calls_used"] == 1
    with api.http.app.state.hub.store.session() as s:
        logged = [e.status for e in s.query(AuditEntry).filter(
            AuditEntry.route == "/v1/verify/vehicle")]
    assert sorted(logged) == statuses
    assert api.http.get("/v1/audit/verify", headers=api.as_("auditor")).json()["intact"]


def test_working_day_deadlines_skip_weekends_and_holidays():
    friday = datetime(2026, 9, 25, 10, tzinfo=BEIJING)
    assert deadline(friday, 2) == datetime(2026, 9, 30, tzinfo=BEIJING)  # Mon, Tue
    holidays = [datetime(2026, 9, 28).date()]
    assert deadline(friday, 2, holidays) == datetime(2026, 10, 1, tzinfo=BEIJING)
    makeup = [datetime(2026, 9, 27).date()]  # a Sunday worked (调休)
    assert deadline(friday, 2, workdays=makeup) == datetime(2026, 9, 29, tzinfo=BEIJING)


def test_overdue_review_escalates_to_the_chief_data_officer(api):
    order = api.order(resource="ga.vehicles", mode="verify", items=[])
    hub = api.http.app.state.hub
    later = datetime.now(BEIJING) + timedelta(days=10)
    assert orders.sweep(hub, now=later) == 1
    response = api.http.post(f"/v1/orders/{order['id']}/review", headers=api.as_("cdo"),
                             json={"decision": "approve", "reason": "合规"})
    assert response.json()["status"] == "provider_review"
    assert orders.sweep(hub, now=later + timedelta(days=10)) == 1
    decided = api.http.post(f"/v1/orders/{order['id']}/review", headers=api.as_("cdo"),
                            json={"decision": "reject", "reason": "提供部门逾期未答复，经审核不予批准"})
    assert decided.status_code == 200
    body = decided.json()
    assert body["status"] == "rejected"
    assert [e["action"] for e in body["events"]] == ["placed", "escalated", "compliance_passed",
                                                    "escalated", "rejected"]


def test_provider_stage_is_not_the_chief_data_officers_until_escalated(api):
    order = api.order(resource="ga.vehicles", mode="verify", items=[])
    api.http.post(f"/v1/orders/{order['id']}/review", headers=api.as_("cdo"),
                  json={"decision": "approve", "reason": "合规"})
    early = api.http.post(f"/v1/orders/{order['id']}/review", headers=api.as_("cdo"),
                          json={"decision": "approve", "reason": "合规"})
    assert early.status_code == 403


def test_an_approval_that_is_not_recorded_leaves_no_active_grant(api, monkeypatch):
    """The grant store commits on its own: if the order's commit fails after the grant was
    provisioned, the grant is revoked (compensated) and the order does not exist."""
    from sqlalchemy.exc import OperationalError

    recorded = orders._event

    def failing(s, order, actor, action, *rest):
        if action == "approved":
            raise OperationalError("COMMIT", {}, Exception("disk I/O error"))
        recorded(s, order, actor, action, *rest)

    monkeypatch.setattr(orders, "_event", failing)
    body = {"resource": "sj.enterprises", "mode": "extract", "items": ["uscc"],
            "purpose": "社会救助核查", "legal_basis": "第十一条", "quota_calls": 1,
            "valid_until": (datetime.now(BEIJING).date() + timedelta(days=30)).isoformat()}
    response = api.http.post("/v1/orders", json=body, headers=api.as_("requester"))
    assert (response.status_code, response.json()) == (500, {"error": {
        "code": "internal_error", "message": "The hub could not complete the request."}})
    hub = api.http.app.state.hub
    [grant] = hub.grants.list_grants("mz")
    assert (grant.status.value, grant.revoke_reason) == ("revoked", "approval not recorded")
    assert api.http.get("/v1/orders", headers=api.as_("requester")).json()["items"] == []
