"""The cross-check routes of the sharing API: who may read and review, exact bodies."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from catalog import RESOURCES
from catalog.analystdb import rebuild_analyst_db
from exchange import create_app
from exchange.clients import create_client

CLIENTS = {  # name: (department, role, district)
    "mz-requester": ("mz", "requester", None),
    "mz-reviewer": ("mz", "reviewer", None),
    "mz-huiyang": ("mz", "requester", "441303"),
    "ga-requester": ("ga", "requester", None),
    "mz-admin": ("mz", "admin", None),
}


@pytest.fixture
def api(city, run, xc_settings):
    owner, buyer = city.person("车主"), city.person("买主")
    city.case("DB1", owner)
    city.vehicle("粤L·00001", owner.id_number, owner.name)
    city.vehicle("粤L·00002", "441302199901011239", buyer.name)  # unlinkable: reported to ga
    registry = city.lake.build()
    run(city, registry=registry)
    rebuild_analyst_db(xc_settings, registry, list(RESOURCES.values()))
    app = create_app(xc_settings)
    http = TestClient(app, raise_server_exceptions=False)
    headers = {}
    for client_id, (department, role, district) in CLIENTS.items():
        issued = create_client(app.state.hub.store, client_id, client_id, department, [role],
                               district=district)
        token = http.post("/oauth/token", data={"grant_type": "client_credentials"},
                          auth=(client_id, issued.secret)).json()["access_token"]
        headers[client_id] = {"Authorization": f"Bearer {token}"}
    return http, headers, owner


@pytest.mark.parametrize(("client", "status"), [
    ("mz-requester", 200), ("mz-reviewer", 200), ("mz-huiyang", 200), ("ga-requester", 403),
    ("mz-admin", 403), (None, 401)])
def test_who_reads_case_flags(api, client, status):
    http, headers, _ = api
    response = http.get("/v1/crosscheck/cases/DB1/flags", headers=headers.get(client, {}))
    assert response.status_code == status, response.text
    if status >= 400:
        assert set(response.json()) == {"error"}


def test_case_flags_body_and_district_scope(api):
    http, headers, owner = api
    body = http.get("/v1/crosscheck/cases/DB1/flags", headers=headers["mz-requester"]).json()
    [flag] = body["flags"]
    assert (flag["rule"], flag["id_number"], flag["severity"]) == (
        "vehicle", owner.id_number, "medium")
    assert flag["reason"] == "成员车主名下有正常状态小型汽车（粤L·00001）"
    assert flag["evidence"] == [{"resource": "ga.vehicles", "key": "粤L·00001",
                                 "detail": "小型汽车，正常"}]
    other = http.get("/v1/crosscheck/cases/DB1/flags", headers=headers["mz-huiyang"]).json()
    assert other == {"case_no": "DB1", "flags": []}


def test_review_by_civil_affairs_reviewers_only(api):
    http, headers, owner = api
    body = {"case_no": "DB1", "rule": "vehicle", "id_number": owner.id_number,
            "decision": "dismissed", "note": "车辆已过户，待交警更新"}
    denied = http.post("/v1/crosscheck/reviews", json=body, headers=headers["mz-requester"])
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "forbidden"
    done = http.post("/v1/crosscheck/reviews", json=body, headers=headers["mz-reviewer"])
    assert done.status_code == 201, done.text
    assert {k: done.json()[k] for k in ("decision", "note", "reviewer")} == {
        "decision": "dismissed", "note": "车辆已过户，待交警更新", "reviewer": "mz-reviewer"}
    stats = http.get("/v1/crosscheck/stats", headers=headers["mz-reviewer"]).json()
    assert stats["rules"]["vehicle"] == {"raised": 1, "suppressed": 0, "confirmed": 0,
                                         "dismissed": 1}
    missing = http.post("/v1/crosscheck/reviews", json={**body, "rule": "income"},
                        headers=headers["mz-reviewer"])
    assert (missing.status_code, missing.json()) == (404, {"error": {
        "code": "not_found", "message": "No such flag in the current cross-check."}})
    invalid = http.post("/v1/crosscheck/reviews", json={**body, "decision": "maybe"},
                        headers=headers["mz-reviewer"])
    assert invalid.status_code == 422
    assert invalid.json()["error"]["code"] == "invalid_request"


def test_departments_see_their_own_linkage_issues(api):
    http, headers, _ = api
    ga = http.get("/v1/crosscheck/linkage-issues", headers=headers["ga-requester"]).json()
    assert [(i["resource_code"], i["record_key"], i["issue"]) for i in ga["items"]] == [
        ("ga.vehicles", "粤L·00002", "no_candidate")]
    mz = http.get("/v1/crosscheck/linkage-issues", headers=headers["mz-requester"]).json()
    assert mz["items"] == []
