"""The OpenAPI document against a running server: every status a route answers is documented
for that route, and every error body has the documented shape.

Two sources of real answers: schemathesis-generated requests to every operation (with a
requester's, an administrator's and no token), checked by schemathesis's own
`status_code_conformance` and, for errors, `response_schema_conformance`; and a walk through
the refusals a department meets (an order in the wrong state, a refused query, a missing
delivery, …). Afterwards the server's audit log — one entry per request, with the route and
status — is compared with the document, so nothing answered goes undocumented.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import response_schema_conformance, status_code_conformance
from sqlalchemy import select

from exchange.models import AuditEntry
from exchange.openapi import ErrorBody, OAuthErrorBody

pytestmark = pytest.mark.slow


def _walk_the_refusals(api) -> None:
    """Requests that meet the API's refusals, each checked against the error shape."""
    requester, reviewer = api.as_("requester"), api.as_("reviewer")
    order = api.order(resource="sj.enterprises", items=["uscc"])["id"]
    verify = api.order(resource="ga.vehicles", mode="verify", items=[])["id"]
    later = (date.today() + timedelta(days=30)).isoformat()
    assert api.http.post(f"/v1/orders/{order}/cancel", headers=requester,
                         json={"reason": "不再需要"}).status_code == 200
    calls = [
        ("POST", f"/v1/orders/{order}/cancel", requester, {"reason": "再次取消"}),  # 409
        ("POST", f"/v1/orders/{order}/review", api.as_("cdo"),
         {"decision": "approve", "reason": "合规"}),  # 409: not in review
        ("POST", f"/v1/orders/{verify}/review", reviewer,
         {"decision": "approve", "reason": "同意"}),  # 403: still the compliance stage
        ("GET", "/v1/orders/ord_nosuch", requester, None),  # 404
        ("GET", "/v1/deliveries/dlv_nosuch", requester, None),  # 404
        ("GET", "/v1/deliveries/dlv_nosuch/file", requester, None),  # 404
        ("GET", "/v1/resources/xx.nothing", requester, None),  # 404
        ("POST", "/v1/sql", requester, {"sql": "SELECT * FROM read_csv('/etc/passwd')"}),  # 400
        ("POST", "/v1/sql", requester, {"sql": "SELECT uscc FROM sj_enterprises"}),  # 403
        ("POST", "/v1/orders", requester, {"resource": "xx.nothing", "mode": "extract",
                                           "items": ["a"], "purpose": "p", "legal_basis": "b",
                                           "valid_until": later, "quota_calls": 1}),  # 422
        ("POST", "/v1/clients", api.as_("admin"), {"client_id": "mz-system", "name": "again",
                                                   "department": "mz",
                                                   "roles": ["requester"]}),  # 409
        ("POST", "/v1/clients/nobody/rotate", api.as_("admin"), None),  # 404
        ("GET", "/v1/audit", requester, None),  # 403
        ("GET", "/v1/me", {"Authorization": "Bearer not.a.token"}, None),  # 401
        ("GET", "/open/v1/resources/ga.population", {}, None),  # 404: not open
        ("POST", "/v1/sql", requester, {"sql": "x" * (api.settings.max_body_bytes + 1)}),  # 413
    ]
    for method, url, headers, body in calls:
        response = api.http.request(method, url, headers=headers, json=body)
        assert 400 <= response.status_code < 500, (url, response.text)
        ErrorBody.model_validate(response.json())
    bad = api.http.post("/oauth/token", data={"grant_type": "client_credentials"},
                        auth=("mz-system", "wrong"))
    assert bad.status_code == 401
    OAuthErrorBody.model_validate(bad.json())


def test_every_answered_status_is_documented_with_its_shape(live):
    schema = schemathesis.openapi.from_url(f"{live.http.base_url}/openapi.json")
    live.order(resource="sj.enterprises", items=["uscc"])
    tokens = [live.as_("requester"), live.as_("admin"), {}]
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=4, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            for auth in tokens:
                response = case.call(headers={**(case.headers or {}), **auth})
                checks = [status_code_conformance]
                if response.status_code >= 400:
                    checks.append(response_schema_conformance)
                case.validate_response(response, checks=checks)

        run()
    _walk_the_refusals(live)

    document = live.http.get("/openapi.json").json()
    with live.hub.store.session() as s:
        answered = set(s.execute(select(AuditEntry.method, AuditEntry.route, AuditEntry.status)))
    undocumented = sorted(
        (method, route, status) for method, route, status in answered
        if route in document["paths"]
        and str(status) not in document["paths"][route][method.lower()]["responses"])
    assert undocumented == []
    seen = {status for _m, route, status in answered if route in document["paths"]}
    assert {400, 401, 403, 404, 409, 413, 422} <= seen  # the walk reached each kind


def test_no_route_documents_a_shape_the_api_never_sends(live):
    document = live.http.get("/openapi.json").json()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    [schema] = [c["schema"] for c in response["content"].values()]
                    expected = "OAuthErrorBody" if (path, status) in (
                        ("/oauth/token", "400"), ("/oauth/token", "401")) else "ErrorBody"
                    assert schema == {"$ref": f"#/components/schemas/{expected}"}, \
                        (method, path, status)
            if operation.get("security"):
                assert {"401", "403"} <= set(operation["responses"]), (method, path)
