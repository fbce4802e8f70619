"""Open data without signing in: the open list, downloads after the open policy's masking (rows
equal to the published rows, no legal representative), refusals in the error shape, the
audit of every download, retirement, and the DCAT-AP export served at /open/dcat.jsonld."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date, timedelta

import pyarrow.parquet as pq
import pytest
import rdflib
import rdflib.compare
import rdflib.namespace as ns  # its names, imported bare, warn under pytest
from sqlalchemy import select

from catalog import entries
from catalog.lake import connect
from exchange.models import AuditEntry

CODE = "sj.enterprises"
CDO = entries.Actor("hub-cdo", "hub", frozenset({"cdo"}))
PUBLISHED = ["uscc", "name", "entity_type", "registered_capital_wan", "status",
             "established_date", "district_code"]


def _published(api) -> tuple[int, int, set[str]]:
    """(version, rows, USCCs) of the enterprises' current published version."""
    current = api.http.app.state.hub.store.registry.current_publication(CODE)
    with connect(api.settings, api.settings.analyst_db, read_only=True) as con:
        (count,) = con.execute("SELECT count(*) FROM published.sj_enterprises").fetchone()
        usccs = {r[0] for r in con.execute("SELECT uscc FROM published.sj_enterprises").fetchall()}
    assert count == current.rows > 0
    return current.version, current.rows, usccs


def _error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert set(response.json()) == {"error"}


def test_open_datasets_are_listed_without_signing_in(shared_api):
    version, rows, _ = _published(shared_api)
    response = shared_api.http.get("/open/v1/resources")
    assert response.status_code == 200
    (listed,) = response.json()["items"]
    assert (listed["code"], listed["version"], listed["rows"]) == (CODE, version, rows)
    assert (listed["open"], listed["open_conditions"]) == ("有条件开放", "法定代表人身份信息不开放")
    assert [i["name"] for i in listed["items"]] == PUBLISHED
    assert [(w["name"], w["rule"]) for w in listed["withheld"]] == [
        ("legal_rep_name", "open-data-legal-representative"),
        ("legal_rep_id_number", "open-data-legal-representative")]
    assert listed["downloads"] == {"csv": f"/open/v1/resources/{CODE}/data.csv",
                                   "parquet": f"/open/v1/resources/{CODE}/data.parquet"}
    detail = shared_api.http.get(listed["page"])
    assert detail.status_code == 200
    assert detail.json() == listed


def test_csv_download_has_every_published_row_and_no_legal_representative(shared_api):
    version, rows, usccs = _published(shared_api)
    response = shared_api.http.get(f"/open/v1/resources/{CODE}/data.csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["x-hub-version"] == str(version)
    assert f'filename="{CODE}-v{version}.csv"' in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, as Excel wants
    table = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(table) == rows
    columns = set(table[0])
    assert not {c for c in columns if c.startswith("legal_rep")}
    assert columns >= set(PUBLISHED)
    assert {row["uscc"] for row in table} == usccs


def test_parquet_download_matches(shared_api):
    _, rows, usccs = _published(shared_api)
    response = shared_api.http.get(f"/open/v1/resources/{CODE}/data.parquet")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.apache.parquet"
    table = pq.read_table(io.BytesIO(response.content))
    assert table.num_rows == rows
    assert not [c for c in table.column_names if c.startswith("legal_rep")]
    assert set(table.column("uscc").to_pylist()) == usccs


@pytest.mark.parametrize(("path", "status", "code"), [
    ("/open/v1/resources/ga.population", 404, "not_found"),  # not open
    ("/open/v1/resources/ga.population/data.csv", 404, "not_found"),
    ("/open/v1/resources/mz.recipients/data.parquet", 404, "not_found"),
    ("/open/v1/resources/xx.nothing", 404, "not_found"),  # unknown
    ("/open/v1/resources/xx.nothing/data.csv", 404, "not_found"),
    (f"/open/v1/resources/{CODE}/data.xlsx", 404, "not_found"),  # unknown format
    (f"/open/v1/resources/{CODE}/data.arrow", 404, "not_found"),  # not an open format
    (f"/open/v1/resources/{CODE}/data.", 404, "not_found"),
    ("/open/v1/resources/SJ;DROP/data.csv", 422, "invalid_request"),  # not a code
])
def test_refusals_are_in_the_error_shape(shared_api, path, status, code):
    _error(shared_api.http.get(path), status, code)


def test_every_download_is_audited_with_its_rows_and_digest(api):
    response = api.http.get(f"/open/v1/resources/{CODE}/data.csv")
    assert response.status_code == 200
    api.http.get("/open/v1/resources/ga.population/data.csv")
    with api.http.app.state.hub.store.session() as s:
        logged = list(s.scalars(select(AuditEntry).where(AuditEntry.route.like("/open/%"))
                                .order_by(AuditEntry.seq)))
    route = "/open/v1/resources/{code}/data.{fmt}"
    rows = [(e.route, e.client_id, e.resource_code, e.purpose, e.decision, e.status,
             e.detail.get("phase")) for e in logged]
    assert rows == [
        (route, None, CODE, "政务数据开放", "allow", 200, "start"),
        (route, None, CODE, "政务数据开放", "allow", 200, "complete"),
        (route, None, "ga.population", "政务数据开放", "deny", 404, None)]
    complete = logged[1]
    assert complete.rows == _published(api)[1]
    assert complete.result_sha256 == hashlib.sha256(response.content).hexdigest()
    assert complete.items == PUBLISHED
    verify = api.http.get("/v1/audit/verify", headers=api.as_("auditor")).json()
    assert verify["intact"] is True


def test_dcat_export_is_served_and_lists_downloads_for_open_data_only(shared_api):
    response = shared_api.http.get("/open/dcat.jsonld")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/ld+json"
    graph = rdflib.Graph().parse(data=response.text, format="json-ld")
    base = shared_api.settings.public_base_url
    downloads = {str(u) for u in graph.objects(None, ns.DCAT.downloadURL)}
    assert downloads == {f"{base}/open/v1/resources/{CODE}/data.csv",
                         f"{base}/open/v1/resources/{CODE}/data.parquet"}
    datasets = set(graph.subjects(ns.RDF.type, ns.DCAT.Dataset))
    assert len(datasets) == len(json.loads(response.text)["@graph"][0]["dcat:dataset"]) >= 11


def test_dcat_as_turtle_and_rdfxml_are_the_same_graph(shared_api):
    """Three syntaxes, one catalog: the triples of Turtle and RDF/XML are the JSON-LD's."""
    jsonld = rdflib.Graph().parse(data=shared_api.http.get("/open/dcat.jsonld").text,
                                  format="json-ld")
    for path, fmt, media in (("/open/dcat.ttl", "turtle", "text/turtle"),
                             ("/open/dcat.rdf", "xml", "application/rdf+xml")):
        response = shared_api.http.get(path)
        assert response.status_code == 200 and response.headers["content-type"].startswith(media)
        graph = rdflib.Graph().parse(data=response.content, format=fmt)
        assert len(graph) == len(jsonld) > 100
        assert rdflib.compare.isomorphic(graph, jsonld)


def test_a_retired_resource_leaves_open_data_and_cannot_be_ordered(api):
    registry = api.http.app.state.hub.store.registry
    entries.retire(registry, CODE, CDO, "登记系统迁移，暂停提供")
    assert api.http.get("/open/v1/resources").json()["items"] == []
    _error(api.http.get(f"/open/v1/resources/{CODE}/data.csv"), 404, "not_found")
    graph = rdflib.Graph().parse(data=api.http.get("/open/dcat.jsonld").text, format="json-ld")
    assert list(graph.objects(None, ns.DCAT.downloadURL)) == []
    body = {"resource": CODE, "mode": "extract", "items": ["uscc"], "purpose": "市场主体信用监管",
            "legal_basis": "《优化营商环境条例》", "quota_calls": 5,
            "valid_until": (date.today() + timedelta(days=30)).isoformat()}
    refused = api.http.post("/v1/orders", json=body, headers=api.as_("requester"))
    _error(refused, 409, "resource_retired")
    assert CODE in refused.json()["error"]["message"]
    listed = {r["code"]: r for r in api.http.get("/v1/resources",
                                                  headers=api.as_("requester")).json()["items"]}
    assert listed[CODE]["status"] == "retired"

    entries.republish(registry, CODE, CDO, "迁移完成")
    assert [r["code"] for r in api.http.get("/open/v1/resources").json()["items"]] == [CODE]
    assert api.order(resource=CODE, items=["uscc"])["status"] == "approved"


def test_the_cdos_decision_changes_what_the_api_describes(api):
    registry = api.http.app.state.hub.store.registry
    officer = entries.Actor("sj-officer", "sj", frozenset({"reviewer"}))
    text = "全市企业、个体工商户和农民专业合作社的登记信息，每日更新（法人库）。"
    entries.propose(registry, CODE, {"abstract": text,
                                     "items": {"uscc": "18位统一社会信用代码（GB 32100）"}}, officer)
    entries.submit(registry, CODE, officer)
    headers = api.as_("requester")
    assert api.http.get(f"/v1/resources/{CODE}", headers=headers).json()["abstract"] != text
    entries.publish(registry, CODE, CDO, "表述准确")
    listed = {r["code"]: r for r in api.http.get("/v1/resources", headers=headers).json()["items"]}
    assert listed[CODE]["abstract"] == text
    assert listed[CODE]["items"][0]["description"] == "18位统一社会信用代码（GB 32100）"
    detail = api.http.get(f"/v1/resources/{CODE}", headers=headers).json()
    assert (detail["abstract"], detail["items"][0]["description"]) == (
        text, "18位统一社会信用代码（GB 32100）")
    assert api.http.get(f"/open/v1/resources/{CODE}").json()["abstract"] == text
