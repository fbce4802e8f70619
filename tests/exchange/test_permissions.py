"""The permission matrix: every role × every route → the exact status (datasette-style table).

Objects belong to civil affairs (民政, `mz`): its requester and analyst use them; the public-
security reviewer (`ga`) sees orders for ga resources only; `other` is another department's
requester, to whom mz's orders do not exist (404).
"""

from __future__ import annotations

import itertools
import re

import pytest

from exchange.models import Order

ROLES = ("requester", "analyst", "reviewer", "cdo", "auditor", "admin", "other", "anon")
_counter = itertools.count()


def _verify_order(api) -> str:
    order = api.order(resource="ga.vehicles", mode="verify", items=[], quota_calls=10_000)
    api.approve(order["id"])
    return order["id"]


def _delivery(api, order_id: str) -> str:
    response = api.http.get(f"/v1/orders/{order_id}/extract", headers=api.as_("requester"))
    assert response.status_code == 200, response.text
    return response.headers["x-delivery-id"]


def _prepared(api, order_id: str) -> str:
    """A large extract queued for a Dagster run (not written: its file is not ready)."""
    from catalog import extracts

    hub = api.http.app.state.hub
    with hub.store.session() as s:
        order = s.get(Order, order_id)
        return extracts.queue(s, order_id=order.id, grant_id=order.grant_id,
                              resource_code=order.resource_code, department=order.department,
                              fmt="parquet", trigger="request").id


@pytest.fixture(scope="module")
def objects(shared_api, person):
    """Long-lived objects the read-only routes act on."""
    made = {
        "review_order": shared_api.order(resource="ga.vehicles", mode="verify", items=[])["id"],
        "verify_order": _verify_order(shared_api),
        "extract_order": shared_api.order(resource="sj.enterprises",
                                          items=["uscc", "name", "legal_rep_id_number"],
                                          purpose="市场主体信用监管")["id"],
        "query_order": shared_api.order(resource="sj.enterprises", mode="query",
                                        items=["uscc", "status"])["id"],
        "id_number": person()[0],
        "resource": "ga.vehicles",
        "open_resource": "sj.enterprises",
        "case_no": "DB1",
    }
    made["delivery"] = _delivery(shared_api, made["extract_order"])
    made["prepared"] = _prepared(shared_api, made["extract_order"])
    return made


def _fresh(api, kind: str) -> str:
    if kind == "review":
        return api.order(resource="ga.vehicles", mode="verify", items=[])["id"]
    if kind == "approved":
        return api.order(resource="sj.enterprises", items=["uscc"])["id"]
    if kind == "registration":  # a ga officer's draft of a new resource
        from catalog import entries

        code = f"ga.fresh_{_letters(next(_counter))}"
        entries.propose(api.http.app.state.hub.store.registry, code,
                        {"declaration": _declaration(code)},
                        entries.Actor("ga-officer", "ga", frozenset({"reviewer"})))
        return code
    if kind == "subscription":
        from catalog.notify import add_subscription

        return add_subscription(api.http.app.state.hub.store.registry, "webhook",
                                "http://127.0.0.1:9/hook", ["batch.rejected"], department="mz").id
    client_id = f"target-{next(_counter)}"
    from exchange.clients import create_client

    create_client(api.http.app.state.hub.store, client_id, "target", "rs", ["requester"])
    return client_id


def _letters(n: int) -> str:
    return "".join(chr(ord("a") + int(d)) for d in str(n))


def _declaration(code: str) -> dict:
    """A new resource of public security (ga), declared as a city's files declare one."""
    return {"code": code, "name": "测试资源", "name_en": "Test resource", "provider": "ga",
            "abstract": "权限矩阵用的资源。", "category": "部门", "format": "csv",
            "load": "snapshot", "update_cycle": "每月", "sharing": "有条件共享",
            "release_date": "2026-12-01",
            "items": [{"name": "plate_number", "zh_name": "号牌号码", "source": "号牌号码",
                       "type": "text", "key": True, "required": True}]}


# (method, path, body, fresh object kind, {role: status}); roles not listed get 403, or 401
# when anonymous.
ALL = {r: 200 for r in ROLES if r != "anon"}
PUBLIC = {r: 200 for r in ROLES}  # open data: everyone, signed in or not
ROUTES = [
    ("GET", "/v1/me", None, None, ALL),
    ("GET", "/v1/resources", None, None, ALL),
    ("GET", "/v1/resources/{resource}", None, None, ALL),
    ("GET", "/v1/checks", None, None, ALL),
    # Registration: the provider's data officer (the reviewer here is ga's) proposes and
    # submits; the chief data officer decides (nothing is submitted here: 409 once allowed);
    # re-proposing a declaration unchanged is refused once allowed (422).
    ("POST", "/v1/resources", "registration", None, {"reviewer": 201}),
    ("PUT", "/v1/resources/{resource}/declaration", "same_declaration", None,
     {"reviewer": 422}),
    ("GET", "/v1/resources/{fresh}/revision", None, "registration", ALL),
    ("POST", "/v1/resources/{fresh}/revision/submit", "note", "registration",
     {"reviewer": 200}),
    ("POST", "/v1/resources/{resource}/revision/publish", "reason", None, {"cdo": 409}),
    ("POST", "/v1/resources/{resource}/revision/return", "reason", None, {"cdo": 409}),
    ("GET", "/v1/revisions", None, None, {"cdo": 200, "auditor": 200}),
    ("POST", "/v1/orders", "order", None, {"requester": 201, "other": 201}),
    ("GET", "/v1/orders", None, None, {**ALL, "admin": 403}),
    ("GET", "/v1/orders/{review_order}", None, None,
     {"requester": 200, "analyst": 200, "reviewer": 200, "cdo": 200, "auditor": 200,
      "other": 404}),
    ("POST", "/v1/orders/{fresh}/review", "review", "review", {"cdo": 200}),
    ("POST", "/v1/orders/{fresh}/cancel", "reason", "review", {"requester": 200, "other": 404}),
    ("POST", "/v1/orders/{fresh}/revoke", "reason", "approved", {"cdo": 200, "reviewer": 404}),
    ("POST", "/v1/verify/vehicle", "verify", None,
     {"requester": 200, "analyst": 200, "other": 404}),
    ("GET", "/v1/orders/{extract_order}/extract", None, None,
     {"requester": 200, "analyst": 200, "other": 404}),
    ("GET", "/v1/orders/{extract_order}/deliveries", None, None,
     {"requester": 200, "analyst": 200, "cdo": 200, "auditor": 200, "reviewer": 404,
      "other": 404}),
    ("GET", "/v1/deliveries/{delivery}", None, None,
     {"requester": 200, "analyst": 200, "cdo": 200, "auditor": 200, "reviewer": 404,
      "other": 404}),
    # Authorised callers learn the prepared extract is not written yet; others not even that.
    ("GET", "/v1/deliveries/{prepared}/file", None, None,
     {"requester": 409, "analyst": 409, "other": 404}),
    ("POST", "/v1/sql", "sql", None, {"requester": 200, "analyst": 200}),
    ("GET", "/v1/audit", None, None, {"auditor": 200}),
    ("GET", "/v1/audit/verify", None, None, {"auditor": 200}),
    ("GET", "/v1/audit/checkpoint", None, None, {"auditor": 200}),
    ("GET", "/v1/usage", None, None, {"reviewer": 200, "cdo": 200, "auditor": 200}),
    ("GET", "/v1/clients", None, None, {"admin": 200}),
    ("POST", "/v1/clients", "client", None, {"admin": 201}),
    ("POST", "/v1/clients/{fresh}/rotate", None, "client", {"admin": 200}),
    ("POST", "/v1/clients/{fresh}/revoke", None, "client", {"admin": 204}),
    ("GET", "/v1/notify/events", None, None, {"admin": 200}),
    ("GET", "/v1/notify/subscriptions", None, None, {"admin": 200}),
    ("POST", "/v1/notify/subscriptions", "subscription", None, {"admin": 201}),
    ("DELETE", "/v1/notify/subscriptions/{fresh}", None, "subscription", {"admin": 204}),
    ("GET", "/v1/notify/deliveries", None, None, {"admin": 200}),
    # Cross-check flags are civil affairs' (mz): its requester reads them, the chief data
    # officer oversees; the reviewer here is ga's, and mz's reviewer (who alone reviews) is
    # in tests/crosscheck. Linkage issues are each department's own.
    ("GET", "/v1/crosscheck/cases/{case_no}/flags", None, None, {"requester": 200, "cdo": 200}),
    ("POST", "/v1/crosscheck/reviews", "crosscheck_review", None, {}),
    ("GET", "/v1/crosscheck/stats", None, None, {"requester": 200, "cdo": 200}),
    ("GET", "/v1/crosscheck/linkage-issues", None, None,
     {"requester": 200, "reviewer": 200, "cdo": 200, "other": 200}),
    # Open data and the DCAT-AP export: public, audited like every route.
    ("GET", "/open/v1/resources", None, None, PUBLIC),
    ("GET", "/open/v1/resources/{open_resource}", None, None, PUBLIC),
    ("GET", "/open/v1/resources/{open_resource}/data.csv", None, None, PUBLIC),
    ("GET", "/open/dcat.jsonld", None, None, PUBLIC),
    ("GET", "/open/dcat.ttl", None, None, PUBLIC),
    ("GET", "/open/dcat.rdf", None, None, PUBLIC),
]
# The `other` department's requester has no query order: the gateway finds no grant.
OTHER_SQL = 403


def _body(kind: str | None, objects: dict) -> dict | None:
    n = next(_counter)
    return {
        None: None,
        "order": {"resource": "ga.vehicles", "mode": "verify", "purpose": "社会救助核查",
                  "legal_basis": "《社会救助暂行办法》第十一条", "valid_until": "2099-01-01",
                  "valid_from": None, "quota_calls": 5} | {"valid_until": _in_days(30)},
        "review": {"decision": "approve", "reason": "依法履职所需"},
        "reason": {"reason": "不再需要"},
        "verify": {"order_id": objects["verify_order"], "id_number": objects["id_number"]},
        "sql": {"sql": "SELECT status, count(*) AS n FROM sj_enterprises GROUP BY status"},
        "client": {"client_id": f"new-{n}", "name": "新系统", "department": "rs",
                   "roles": ["requester"]},
        "registration": {"declaration": _declaration(f"ga.new_{_letters(n)}")},
        "same_declaration": {"declaration": _same_declaration()},
        "note": {"note": "请审核"},
        "subscription": {"channel": "webhook", "target": f"http://127.0.0.1:9/hook/{n}",
                         "department": "mz", "events": ["batch.rejected"]},
        "crosscheck_review": {"case_no": "DB1", "rule": "vehicle", "id_number":
                              objects["id_number"], "decision": "dismissed", "note": "已核实"},
    }[kind]


def _same_declaration() -> dict:
    from catalog import resource
    from catalog.city import declaration_data

    return declaration_data(resource("ga.vehicles"))


def _in_days(days: int) -> str:
    from datetime import date, timedelta

    return (date.today() + timedelta(days=days)).isoformat()


CASES = [(m, p, b, f, role, (OTHER_SQL if (p, role) == ("/v1/sql", "other") else
                             expected.get(role, 401 if role == "anon" else 403)))
         for m, p, b, f, expected in ROUTES for role in ROLES]


@pytest.mark.parametrize(("method", "path", "body", "fresh", "role", "status"), CASES,
                         ids=[f"{c[4]}-{c[0]}-{c[1]}" for c in CASES])
def test_permission_matrix(shared_api, objects, method, path, body, fresh, role, status):
    values = dict(objects)
    if fresh:
        values["fresh"] = _fresh(shared_api, fresh)
    url = path.format(**values)
    headers = {} if role == "anon" else shared_api.as_(role)
    response = shared_api.http.request(method, url, json=_body(body, objects), headers=headers)
    assert response.status_code == status, response.text
    if status >= 400:
        assert set(response.json()) == {"error"}
        assert set(response.json()["error"]) >= {"code", "message"}


def test_every_route_is_in_the_matrix(shared_api):
    """A new route without a row in the matrix fails here (one verify route stands for all)."""
    def shape(path: str) -> str:
        path = re.sub(r"/v1/verify/\w+", "/v1/verify/*", re.sub(r"\{[^}]+\}", "{}", path))
        return re.sub(r"/data\.(csv|parquet)$", "/data.{}", path)  # one format stands for all

    listed = {(method, shape(path)) for method, path, *_ in ROUTES}
    public = {("POST", "/oauth/token"), ("GET", "/.well-known/jwks.json"),
              ("GET", "/.well-known/oauth-authorization-server")}
    served = {(method.upper(), shape(path))
              for path, operations in shared_api.http.app.openapi()["paths"].items()
              for method in operations}
    assert served - public == listed
