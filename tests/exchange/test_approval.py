"""Approval is one transaction: the order's approval and its grant commit together or not at
all. Over real HTTP, with a real failure after the grant's INSERT: a SQLite trigger that
aborts the approval's history entry (as a full disk or a lost connection would)."""

from __future__ import annotations

import sqlite3
from contextlib import closing, contextmanager
from datetime import date, timedelta

_FAIL_APPROVAL = """
CREATE TRIGGER fail_approval BEFORE INSERT ON ex_order_events WHEN NEW.action = 'approved'
BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"""
_INTERNAL = (500, {"error": {"code": "internal_error",
                             "message": "The hub could not complete the request."}})


def _registry(api) -> sqlite3.Connection:
    return sqlite3.connect(api.settings.registry_url.removeprefix("sqlite:///"))


@contextmanager
def _approval_fails(api):
    """While inside, recording an approval fails — after its grant was inserted."""
    with closing(_registry(api)) as db:
        db.execute(_FAIL_APPROVAL)
        db.commit()
        try:
            yield
        finally:
            db.execute("DROP TRIGGER fail_approval")
            db.commit()


def _grants(api, order_id: str) -> list[tuple[str, str]]:
    with closing(_registry(api)) as db:
        return db.execute("SELECT id, status FROM pol_grants WHERE order_id = ?",
                          (order_id,)).fetchall()


def _review(api, order_id: str, role: str):
    return api.http.post(f"/v1/orders/{order_id}/review", headers=api.as_(role),
                         json={"decision": "approve", "reason": "依法履职所需"})


def test_a_failed_approval_leaves_neither_the_approval_nor_its_grant(live):
    order = live.order(resource="ga.vehicles", mode="verify", items=[])
    assert _review(live, order["id"], "cdo").json()["status"] == "provider_review"
    with _approval_fails(live):
        response = _review(live, order["id"], "reviewer")
        assert (response.status_code, response.json()) == _INTERNAL
    after = live.http.get(f"/v1/orders/{order['id']}", headers=live.as_("reviewer")).json()
    assert (after["status"], after["grant_id"]) == ("provider_review", None)
    assert [e["action"] for e in after["events"]] == ["placed", "compliance_passed"]
    assert _grants(live, order["id"]) == []
    # Nothing half-done stands in the way: the same approval, once it can be recorded, holds.
    approved = _review(live, order["id"], "reviewer").json()
    assert approved["status"] == "approved"
    assert _grants(live, order["id"]) == [(approved["grant_id"], "active")]


def test_an_unconditional_order_whose_approval_fails_does_not_exist(live):
    """无条件共享 orders are approved as they are placed: a failure leaves no order, no grant."""
    body = {"resource": "sj.enterprises", "mode": "extract", "items": ["uscc"],
            "purpose": "社会救助核查", "legal_basis": "第十一条", "quota_calls": 1,
            "valid_until": (date.today() + timedelta(days=30)).isoformat()}
    with _approval_fails(live):
        response = live.http.post("/v1/orders", json=body, headers=live.as_("requester"))
        assert (response.status_code, response.json()) == _INTERNAL
    assert live.http.get("/v1/orders", headers=live.as_("requester")).json()["items"] == []
    with closing(_registry(live)) as db:
        mz = db.execute("SELECT count(*) FROM pol_grants WHERE department = 'mz'").fetchone()
    assert mz == (0,)
