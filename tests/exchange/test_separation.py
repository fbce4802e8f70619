"""Separation of duties over real HTTP: nobody decides an order they placed, nor one of their
own department unless `review_own_departments` allows it — and then the history says so."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from exchange.clients import create_client
from exchange.models import AuditEntry
from tests.exchange.conftest import live_api

ORDER = {"resource": "ga.vehicles", "mode": "verify", "items": [], "purpose": "治安管理",
         "legal_basis": "《道路交通安全法》", "quota_calls": 5}


def _both(api) -> tuple[str, str]:
    """A public-security (ga) client holding both requester and reviewer roles."""
    issued = create_client(api.hub.store, "ga-both", "公安 requester+reviewer", "ga",
                           ["requester", "reviewer"])
    return "ga-both", issued.secret


def _token(api, client_id: str, secret: str) -> dict[str, str]:
    token = api.http.post("/oauth/token", data={"grant_type": "client_credentials"},
                          auth=(client_id, secret)).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _placed_and_compliant(api, headers) -> str:
    body = {**ORDER, "valid_until": (date.today() + timedelta(days=30)).isoformat()}
    placed = api.http.post("/v1/orders", json=body, headers=headers)
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["id"]
    passed = api.http.post(f"/v1/orders/{order_id}/review", headers=api.as_("cdo"),
                           json={"decision": "approve", "reason": "合规"})
    assert passed.json()["status"] == "provider_review", passed.text
    return order_id


def _decide(api, order_id: str, headers):
    return api.http.post(f"/v1/orders/{order_id}/review", headers=headers,
                         json={"decision": "approve", "reason": "同意"})


def test_nobody_decides_their_own_departments_order(live):
    both = _token(live, *_both(live))
    order_id = _placed_and_compliant(live, both)
    own = _decide(live, order_id, both)
    assert own.status_code == 403
    assert own.json()["error"]["code"] == "separation_of_duties"
    colleague = _decide(live, order_id, live.as_("reviewer"))  # ga-reviewer, same department
    assert colleague.status_code == 403
    assert colleague.json()["error"]["code"] == "separation_of_duties"
    after = live.http.get(f"/v1/orders/{order_id}", headers=both).json()
    assert after["status"] == "provider_review"
    with live.hub.store.session() as s:
        refused = list(s.scalars(select(AuditEntry.client_id).where(
            AuditEntry.route == "/v1/orders/{order_id}/review", AuditEntry.status == 403)))
    assert refused == ["ga-both", "ga-reviewer"]


def test_the_policy_may_allow_a_department_to_decide_its_own(ingested, tmp_path):
    with live_api(ingested, tmp_path / "api", review_own_departments=["ga"]) as api:
        both = _token(api, *_both(api))
        order_id = _placed_and_compliant(api, both)
        assert _decide(api, order_id, both).status_code == 403  # never one's own order
        decided = _decide(api, order_id, api.as_("reviewer"))
        assert decided.status_code == 200, decided.text
        assert decided.json()["status"] == "approved"
        [approved] = [e for e in decided.json()["events"] if e["action"] == "approved"]
        assert approved["actor"] == "ga-reviewer"
        assert "own department" in approved["note"]
