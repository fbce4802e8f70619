"""The department's walk-through of docs/sharing-api.md: token, order, review, use, expiry."""

from __future__ import annotations

import hashlib
import io
from datetime import date, timedelta

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import update

from exchange.models import Order
from policies import default_policy

# A purpose under which identity numbers are tokenised (only 社会救助核查 by 民政 sees them).
CREDIT = "市场主体信用监管"


def test_token_carries_the_rfc9068_claims(api):
    response = api.http.post("/oauth/token", data={"grant_type": "client_credentials",
                                                   "scope": "orders:read catalog:read"},
                             auth=api.secrets["requester"])
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert body["scope"] == "catalog:read orders:read"
    me = api.http.get("/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json() == {"client_id": "mz-system", "department": "mz", "roles": ["requester"],
                         "scopes": ["catalog:read", "orders:read"], "district": None}


def test_conditional_order_is_reviewed_then_verifies(api, person):
    id_number, name = person()
    order = api.order(resource="ga.population", mode="verify", items=[], quota_calls=3)
    assert order["status"] == "compliance_review"
    assert order["items"] == ["district_code", "id_number", "name"]
    assert order["stage_due"] is not None
    # Verification before approval is refused.
    early = api.http.post("/v1/verify/identity", headers=api.as_("requester"),
                          json={"order_id": order["id"], "id_number": id_number, "name": name})
    assert early.status_code == 403
    assert early.json() == {"error": {"code": "order_not_active",
                                      "message": "The order is compliance_review."}}
    approved = api.approve(order["id"])
    assert approved["status"] == "approved"
    assert [e["action"] for e in approved["events"]] == ["placed", "compliance_passed",
                                                         "approved"]
    assert approved["grant_id"].startswith("grt_")
    yes = api.http.post("/v1/verify/identity", headers=api.as_("requester"),
                        json={"order_id": order["id"], "id_number": id_number, "name": name})
    assert yes.status_code == 200, yes.text
    assert yes.json()["answer"] is True
    assert yes.json()["calls_left"] == 2
    no = api.http.post("/v1/verify/identity", headers=api.as_("requester"),
                       json={"order_id": order["id"], "id_number": id_number, "name": "某某某"})
    assert no.json()["answer"] is False


def test_unconditional_order_extracts_masked_parquet_with_manifest(api):
    order = api.order(resource="sj.enterprises",
                      items=["uscc", "name", "status", "legal_rep_id_number"], purpose=CREDIT)
    assert order["status"] == "approved"
    response = api.http.get(f"/v1/orders/{order['id']}/extract", params={"format": "parquet"},
                            headers=api.as_("requester"))
    assert response.status_code == 200, response.text
    table = pq.read_table(io.BytesIO(response.content))
    assert {"uscc", "name", "status", "legal_rep_id_number"} <= set(table.column_names)
    assert "entity_type" not in table.column_names  # not ordered, not delivered
    ids = set(table.column("legal_rep_id_number").to_pylist()) - {None}
    assert ids and not any(len(v) == 18 and v[:17].isdigit() for v in ids)  # tokenised
    manifest = api.http.get(f"/v1/deliveries/{response.headers['x-delivery-id']}",
                            headers=api.as_("requester")).json()
    assert manifest["status"] == "complete"
    assert manifest["rows"] == table.num_rows > 0
    assert manifest["bytes"] == len(response.content)
    assert manifest["sha256"] == hashlib.sha256(response.content).hexdigest()
    assert manifest["policy_version"] == default_policy().version == order["policy_version"]
    assert manifest["policy_version"] == response.headers["x-hub-policy-version"]


def test_csv_encodings_and_arrow_stream(api):
    order = api.order(resource="sj.enterprises", items=["uscc", "name", "legal_rep_id_number"],
                      purpose=CREDIT)
    url = f"/v1/orders/{order['id']}/extract"
    bom = api.http.get(url, params={"format": "csv"}, headers=api.as_("requester")).content
    assert bom.startswith("\ufeff".encode())
    gb = api.http.get(url, params={"format": "csv-gb18030"}, headers=api.as_("requester"))
    assert gb.content.decode("gb18030") == bom.decode("utf-8-sig")
    arrow = api.http.get(url, params={"format": "arrow"}, headers=api.as_("requester"))
    table = pa.ipc.open_stream(arrow.content).read_all()
    assert table.num_rows == bom.decode("utf-8-sig").count("\n") - 1


def test_refused_after_expiry(api):
    order = api.order(resource="sj.enterprises", items=["uscc", "legal_rep_id_number"],
                      purpose=CREDIT)
    with api.http.app.state.hub.store.session() as s:
        s.execute(update(Order).where(Order.id == order["id"]).values(
            valid_from=date.today() - timedelta(days=10),
            valid_until=date.today() - timedelta(days=1)))
    response = api.http.get(f"/v1/orders/{order['id']}/extract", headers=api.as_("requester"))
    assert response.status_code == 403
    assert response.json() == {"error": {"code": "order_expired",
                                         "message": "The order is expired."}}
    after = api.http.get(f"/v1/orders/{order['id']}", headers=api.as_("requester")).json()
    assert after["status"] == "expired"
    grant = api.http.app.state.hub.grants.get_grant(after["grant_id"])
    assert grant.status == "revoked"
