"""A new resource on a running hub, without touching code: public security's data officer
registers it over HTTP against `hub serve`, the chief data officer publishes it, the served API
catalogues it at once, a delivery is materialised by the CLI, civil affairs orders and reads
it, an analyst queries it; then a schema revision goes the same way, and each batch records the
schema it was read with. Everything through the doors: the `hub` command as subprocesses."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from tests.cli import HUB, assert_one_line_error, clean_env, hub
from tests.live import hub_serving

pytestmark = pytest.mark.slow  # hub serve, two materialisations

CODE = "ga.bicycles"
DECLARATION = {
    "code": CODE, "name": "电动自行车登记", "name_en": "E-bike registrations", "provider": "ga",
    "abstract": "公安交警登记的电动自行车及其所有人。", "category": "部门", "format": "csv",
    "encoding": "utf-8", "load": "snapshot", "update_cycle": "每月", "sharing": "有条件共享",
    "sharing_conditions": "用于资格审核时可申请", "release_date": "2026-12-01",
    "items": [
        {"name": "plate_number", "zh_name": "号牌号码", "source": "号牌号码", "type": "text",
         "key": True, "required": True, "sensitivity": "vehicle", "grade": "重要"},
        {"name": "owner_id_number", "zh_name": "所有人身份证号", "source": "所有人身份证号",
         "type": "id_number", "required": True, "sensitivity": "id_number", "grade": "核心"},
        {"name": "brand", "zh_name": "品牌", "source": "品牌", "type": "text"},
    ],
}
ROWS = ["号牌号码,所有人身份证号,品牌", "惠A00001,11010519491231002X,雅迪",
        "惠A00002,110105194912310029,爱玛", "惠A00003,11010519491231002X,台铃"]


def ok(*args, env, timeout=600) -> str:
    result = hub(*args, env=env, timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


class Hub:
    """`hub serve` on a home, and tokens for its clients."""

    def __init__(self, url: str, secrets: dict[str, tuple[str, str]]) -> None:
        self.http = httpx.Client(base_url=url, timeout=60)
        self.secrets, self.tokens = secrets, {}

    def as_(self, who: str) -> dict[str, str]:
        if who not in self.tokens:
            got = self.http.post("/oauth/token", data={"grant_type": "client_credentials"},
                                 auth=self.secrets[who])
            assert got.status_code == 200, got.text
            self.tokens[who] = got.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def call(self, method: str, path: str, who: str, status: int = 200, **kw) -> dict:
        response = self.http.request(method, path, headers=self.as_(who), **kw)
        assert response.status_code == status, response.text
        return response.json() if response.content else {}


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("registration") / "hub"
    ok("--home", home, "init", env=clean_env())
    return home


@pytest.fixture(scope="module")
def served(home: Path, tmp_path_factory) -> Iterator[Hub]:
    env = clean_env(home=home)
    secrets = {}
    for who, department, role in (("ga-officer", "ga", "reviewer"), ("cdo", "hub", "cdo"),
                                  ("mz-system", "mz", "requester")):
        made = json.loads(ok("clients", "create", who, "--name", who, "--department",
                             department, "--role", role, env=env))
        secrets[who] = (who, made["client_secret"])
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with hub_serving(HUB, env, log) as url:
        yield Hub(url, secrets)


def deliver(home: Path, batch: str, lines: list[str]) -> None:
    folder = home / "landing" / CODE
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{batch}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_register_publish_deliver_order_and_query_without_code(home, served):
    env = clean_env(home=home)
    # Only the provider's data officer registers; a bad declaration is refused by field.
    served.call("POST", "/v1/resources", "mz-system", 403, json={"declaration": DECLARATION})
    bad = {**DECLARATION, "items": [{**DECLARATION["items"][0], "type": "colour"}]}
    refused = served.call("POST", "/v1/resources", "ga-officer", 422, json={"declaration": bad})
    assert "items.0.type" in refused["error"]["message"]
    draft = served.call("POST", "/v1/resources", "ga-officer", 201,
                        json={"declaration": DECLARATION})
    assert (draft["kind"], draft["status"]) == ("registration", "draft")
    assert {c["field"] for c in draft["changes"]} >= {"name", "items.plate_number"}
    served.call("GET", f"/v1/resources/{CODE}", "mz-system", 404)  # not catalogued yet
    served.call("POST", f"/v1/resources/{CODE}/revision/submit", "ga-officer", json={})
    queue = served.call("GET", "/v1/revisions", "cdo")
    assert [r["resource_code"] for r in queue["items"]] == [CODE]
    served.call("POST", f"/v1/resources/{CODE}/revision/publish", "ga-officer", 403,
                json={"reason": "自己批准"})
    served.call("POST", f"/v1/resources/{CODE}/revision/publish", "cdo",
                json={"reason": "目录要素齐全，同意发布"})
    # The running server catalogues it at once; the declaration is a file of the city.
    entry = served.call("GET", f"/v1/resources/{CODE}", "mz-system")
    assert entry["provider"] == "ga" and entry["status"] == "published"
    assert json.loads((home / "city/resources/ga.bicycles.json").read_text())["code"] == CODE

    deliver(home, "20261201T020000", ROWS)
    ok("materialize", "--resource", CODE, env=env)
    shown = json.loads(ok("catalog", "show", CODE, env=env))
    assert shown["hub"]["rows"] == 3 and shown["hub"]["current_version"] == 1

    order = served.call("POST", "/v1/orders", "mz-system", 201, json={
        "resource": CODE, "mode": "extract", "items": ["plate_number", "brand"],
        "purpose": "社会救助核查", "legal_basis": "《社会救助暂行办法》第十一条",
        "valid_until": (date.today() + timedelta(days=30)).isoformat(), "quota_calls": 5})
    for reviewer in ("cdo", "ga-officer"):
        served.call("POST", f"/v1/orders/{order['id']}/review", reviewer,
                    json={"decision": "approve", "reason": "依法履职所需"})
    extract = served.http.get(f"/v1/orders/{order['id']}/extract",
                              headers=served.as_("mz-system"), params={"format": "csv"})
    assert extract.status_code == 200, extract.text
    header, *lines = extract.text.lstrip("\ufeff").splitlines()
    assert len(lines) == 3 and "owner_id_number" not in header  # not ordered: absent
    # The plate number is personal (vehicle) and no rule shows it: tokenised, never the plate.
    assert "惠A0000" not in extract.text and all("雅迪" in t or "爱玛" in t or "台铃" in t
                                                 for t in lines)

    ok("grants", "provision", "--resource", CODE, "--department", "mz", "--items",
       "plate_number,brand", "--purpose", "救助核查", "--legal-basis", "社会救助暂行办法", env=env)
    rows = json.loads(ok("sql", "SELECT plate_number, brand FROM ga_bicycles ORDER BY 1",
                         "--subject", "analyst-1", "--department", "mz", "--format", "json",
                         env=env))
    assert sorted(r["brand"] for r in rows) == sorted(["雅迪", "爱玛", "台铃"])
    assert not any(r["plate_number"].startswith("惠") for r in rows)  # tokenised


def test_a_schema_revision_is_reviewed_and_each_batch_records_its_schema(home, served):
    env = clean_env(home=home)
    revised = {**DECLARATION, "items": [*DECLARATION["items"], {
        "name": "colour", "zh_name": "车身颜色", "source": "车身颜色", "type": "text"}]}
    path = home.parent / "ga.bicycles.json"
    path.write_text(json.dumps(revised, ensure_ascii=False), encoding="utf-8")
    officer = ("--actor", "ga-officer", "--department", "ga", "--role", "reviewer")
    said = ok("catalog", "declare", path, *officer, env=env)
    assert "schema revision" in said
    open_ = served.call("GET", f"/v1/resources/{CODE}/revision", "cdo")
    assert open_["kind"] == "schema"
    assert [c["field"] for c in open_["changes"]] == ["items.colour"]
    ok("catalog", "submit", CODE, *officer, env=env)
    ok("catalog", "publish", CODE, "--reason", "新增车身颜色", "--actor", "cdo",
       "--department", "hub", "--role", "cdo", env=env)
    wrong = hub("catalog", "declare", home.parent / "missing.json", *officer, env=env)
    assert_one_line_error(wrong, "missing.json")

    # A snapshot must keep at least half the current rows (the quality gate): four of them.
    deliver(home, "20261215T020000", ["号牌号码,所有人身份证号,品牌,车身颜色",
                                      *(f"{row},黑" for row in ROWS[1:]),
                                      "惠A00004,11010519491231002X,小牛,白"])
    ok("materialize", "--resource", CODE, env=env)
    with sqlite3.connect(home / "registry.db") as db:
        digests = db.execute("SELECT batch_id, schema_digest FROM batches WHERE "
                             "resource_code = ? ORDER BY batch_id", [CODE]).fetchall()
    assert [b for b, _ in digests] == ["20261201T020000", "20261215T020000"]
    assert all(d for _, d in digests) and digests[0][1] != digests[1][1]
    shown = json.loads(ok("catalog", "show", CODE, env=env))
    assert [i["name"] for i in shown["items"]][-1] == "colour"
    assert (shown["hub"]["current_version"], shown["hub"]["rows"]) == (2, 4)
    analyst = ("--subject", "analyst-1", "--department", "mz", "--format", "json")
    rows = json.loads(ok("sql", "SELECT brand FROM ga_bicycles", *analyst, env=env))
    assert sorted(r["brand"] for r in rows) == sorted(["雅迪", "爱玛", "台铃", "小牛"])
    # The new item is not in the grant made before it existed: refused, never shown.
    refused = hub("sql", "SELECT colour FROM ga_bicycles", *analyst, env=env)
    assert refused.returncode != 0 and "colour" in refused.stderr


def test_the_served_hub_gives_its_open_catalog_in_three_syntaxes(served):
    """DCAT from `hub serve` itself: JSON-LD, Turtle and RDF/XML are one graph."""
    import rdflib
    from rdflib.compare import isomorphic

    graphs = []
    for path, fmt, media in (("/open/dcat.jsonld", "json-ld", "application/ld+json"),
                             ("/open/dcat.ttl", "turtle", "text/turtle"),
                             ("/open/dcat.rdf", "xml", "application/rdf+xml")):
        response = served.http.get(path)
        assert response.status_code == 200 and response.headers["content-type"].startswith(media)
        graphs.append(rdflib.Graph().parse(data=response.content, format=fmt))
    assert len(graphs[0]) > 10 and all(isomorphic(g, graphs[0]) for g in graphs[1:])
