"""The sharing API over real HTTP (the app served by uvicorn): one time format everywhere (ISO
8601, Beijing time, +08:00), the same for POST and GET of an order; every list paged with
totals in one envelope."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import httpx
import pytest

from tests.exchange.conftest import Api, make_api
from tests.live import serving

BEIJING = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?\+08:00$")
LOOKS_LIKE_A_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
ENVELOPE = {"items", "total", "offset", "limit", "next_offset"}
# Every list the API serves, and a role that may read it.
LISTS = {
    "/v1/resources": "requester",
    "/v1/checks": "requester",
    "/v1/clients": "admin",
    "/v1/orders": "requester",
    "/v1/orders/{order_id}/deliveries": "requester",
    "/v1/audit": "auditor",
    "/v1/usage": "cdo",
    "/v1/crosscheck/linkage-issues": "requester",
    "/v1/revisions": "cdo",
    "/v1/notify/events": "admin",
    "/v1/notify/subscriptions": "admin",
    "/v1/notify/deliveries": "admin",
    "/open/v1/resources": None,
}


class Live:
    def __init__(self, api: Api, http: httpx.Client) -> None:
        self.api, self.http, self.tokens = api, http, {}

    def as_(self, role: str | None) -> dict[str, str]:
        if role is None:
            return {}
        if role not in self.tokens:
            response = self.http.post("/oauth/token", data={"grant_type": "client_credentials"},
                                      auth=self.api.secrets[role])
            assert response.status_code == 200, response.text
            self.tokens[role] = response.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def get(self, path: str, role: str | None, **params) -> httpx.Response:
        return self.http.get(path, headers=self.as_(role), params=params)


@pytest.fixture(scope="module")
def live(ingested, tmp_path_factory) -> Iterator[Live]:
    api = make_api(ingested, tmp_path_factory.mktemp("doors-api"))
    with serving(api.http.app) as url, httpx.Client(base_url=url, timeout=60) as http:
        yield Live(api, http)


@pytest.fixture(scope="module")
def order(live: Live) -> tuple[dict, dict]:
    """An order as POST returned it and as GET returns it."""
    body = {"resource": "ga.population", "mode": "extract", "items": ["gender"],
            "purpose": "社会救助核查", "legal_basis": "《社会救助暂行办法》第十一条",
            "valid_until": (date.today() + timedelta(days=30)).isoformat(), "quota_calls": 100}
    posted = live.http.post("/v1/orders", json=body, headers=live.as_("requester"))
    assert posted.status_code == 201, posted.text
    got = live.get(f"/v1/orders/{posted.json()['id']}", "requester")
    assert got.status_code == 200, got.text
    return posted.json(), got.json()


def _moments(value) -> Iterator[str]:
    """Every string in a JSON document that looks like a date and time."""
    if isinstance(value, dict):
        for v in value.values():
            yield from _moments(v)
    elif isinstance(value, list):
        for v in value:
            yield from _moments(v)
    elif isinstance(value, str) and LOOKS_LIKE_A_MOMENT.match(value):
        yield value


def test_an_order_reads_the_same_on_post_and_get_in_beijing_time(order):
    posted, got = order
    times = {"created_at": posted["created_at"], "stage_due": posted["stage_due"],
             "events": [e["at"] for e in posted["events"]]}
    assert times == {"created_at": got["created_at"], "stage_due": got["stage_due"],
                     "events": [e["at"] for e in got["events"]]}
    assert all(BEIJING.match(t) for t in [times["created_at"], times["stage_due"],
                                          *times["events"]]), times
    assert times["stage_due"].endswith("T00:00:00+08:00")  # a review ends at a Beijing midnight


@pytest.mark.parametrize("path", ["/v1/orders", "/v1/audit", "/v1/usage", "/v1/clients",
                                  "/v1/resources/ga.population", "/v1/resources/sj.enterprises",
                                  "/open/v1/resources", "/open/v1/resources/sj.enterprises",
                                  "/v1/audit/checkpoint", "/open/dcat.jsonld"])
def test_every_moment_the_api_returns_is_beijing_time(live, order, path):
    role = next((r for r in ("auditor", "cdo", "admin", "requester")
                 if live.get(path, r).status_code == 200), None)
    response = live.get(path, role)
    assert response.status_code == 200, response.text
    found = list(_moments(response.json()))
    assert found, f"{path} shows no time to check"
    assert [m for m in found if not BEIJING.match(m)] == []


def test_every_list_is_paged_with_totals_in_one_envelope(live, order):
    schema = live.http.get("/openapi.json").json()
    served = {path for path, ops in schema["paths"].items() if "get" in ops
              for media in ops["get"]["responses"].get("200", {}).get("content", {}).values()
              if media.get("schema", {}).get("$ref", "").split("/")[-1].startswith("Page_")}
    assert served == set(LISTS)
    for template, role in LISTS.items():
        path = template.format(order_id=order[0]["id"])
        whole = live.get(path, role)
        assert whole.status_code == 200, (path, whole.text)
        assert set(whole.json()) == ENVELOPE, path
        total = whole.json()["total"]
        assert len(whole.json()["items"]) == min(total, whole.json()["limit"]), path
        first = live.get(path, role, limit=1).json()
        if path == "/v1/audit":  # reading the log is audited: it grows as it is read
            total = first["total"]
        assert (first["total"], first["offset"], first["limit"]) == (total, 0, 1), path
        assert len(first["items"]) == min(total, 1)
        assert first["next_offset"] == (1 if total > 1 else None), path
        if total > 1:
            second = live.get(path, role, offset=1, limit=1).json()
            assert second["items"] == whole.json()["items"][1:2], path
        if path != "/v1/audit":
            assert live.get(path, role, offset=total).json()["items"] == [], path


def test_no_get_route_answers_a_bare_list(live):
    """A list is a page: an array at the top of a response cannot say how many there are."""
    schema = live.http.get("/openapi.json").json()
    bare = [path for path, ops in schema["paths"].items() if "get" in ops
            for response in [ops["get"]["responses"].get("200", {})]
            for media in response.get("content", {}).values()
            if media.get("schema", {}).get("type") == "array"]
    assert bare == []


def test_resources_are_searched_by_words_with_totals(live):
    found = live.get("/v1/resources", "requester", q="死亡 卫生").json()
    assert [r["code"] for r in found["items"]] == ["wj.deaths"] and found["total"] == 1
    by_item = live.get("/v1/resources", "requester", q="号牌号码").json()
    assert "ga.vehicles" in [r["code"] for r in by_item["items"]]
    none = live.get("/v1/resources", "requester", q="没有这样的资源").json()
    assert (none["items"], none["total"]) == ([], 0)
    assert live.get("/v1/resources", "requester", q="x" * 201).status_code == 422
