"""Rate limits over real HTTP: one address, then one client, beyond its window's allowance is
refused with 429, the API's error shape and a Retry-After; others are not affected."""

from __future__ import annotations

from sqlalchemy import select

from exchange.models import AuditEntry
from tests.exchange.conftest import live_api


def test_per_address_limit(ingested, tmp_path):
    with live_api(ingested, tmp_path / "api", rate_limit_per_address=20) as api:
        statuses = [api.http.get("/open/v1/resources").status_code for _ in range(25)]
        assert statuses == [200] * 20 + [429] * 5
        refused = api.http.get("/v1/me")
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "rate_limited"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.headers["x-content-type-options"] == "nosniff"
        # The token endpoint too: guessing secrets is as limited as probing ids.
        assert api.http.post("/oauth/token", data={"grant_type": "client_credentials"},
                             auth=api.secrets["requester"]).status_code == 429
        with api.hub.store.session() as s:
            logged = list(s.scalars(select(AuditEntry.status)
                                    .where(AuditEntry.route == "/open/v1/resources")))
        assert sorted(logged) == sorted(statuses)


def test_per_client_limit(ingested, tmp_path):
    with live_api(ingested, tmp_path / "api", rate_limit_per_client=5) as api:
        mine, theirs = api.as_("requester"), api.as_("reviewer")
        statuses = [api.http.get("/v1/me", headers=mine).status_code for _ in range(7)]
        assert statuses == [200] * 5 + [429] * 2
        refused = api.http.get("/v1/orders", headers=mine)
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "rate_limited"
        assert int(refused.headers["retry-after"]) >= 1
        assert api.http.get("/v1/me", headers=theirs).status_code == 200
