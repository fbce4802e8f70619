"""What the API shows of a rejected batch carries no server paths and no SQL: over real HTTP,
a Parquet file the engine cannot read is described by its file name and the error's kind."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from catalog import resource
from catalog.directory import public_reason
from exchange import create_app
from exchange.clients import create_client
from pipelines.ingest.service import ingest_raw
from tests.conftest import make_settings, open_registry
from tests.exchange.conftest import serving
from tests.pipelines.helpers import deliver

CODE = "zr.real_estate"  # delivered as Parquet


def test_a_rejected_batch_shows_no_paths_or_sql(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    settings = make_settings(tmp_path / "home", tmp_path / "landing", monkeypatch)
    registry = open_registry(settings)
    deliver(settings, CODE, "20261001T020000.parquet", b"PAR1 not really parquet PAR1")
    ingest_raw(settings, registry, resource(CODE))
    [batch] = registry.batches(CODE)
    assert str(tmp_path) in batch.reason  # the engine's text, kept for operators
    app = create_app(settings)
    issued = create_client(app.state.hub.store, "rs-system", "人社", "rs", ["requester"])
    with serving(app) as url, httpx.Client(base_url=url) as http:
        token = http.post("/oauth/token", data={"grant_type": "client_credentials"},
                          auth=("rs-system", issued.secret)).json()["access_token"]
        entry = http.get(f"/v1/resources/{CODE}", headers={"Authorization": f"Bearer {token}"})
    assert entry.status_code == 200, entry.text
    [shown] = entry.json()["hub"]["batches"]
    assert shown["status"] == "rejected"
    assert shown["reason"] == ("20261001T020000.parquet is not a readable Parquet file "
                               "(Invalid Input Error)")
    for leak in (str(tmp_path), "/tmp/", "SELECT", "read_parquet", "LINE 1"):
        assert leak not in entry.text, leak


@pytest.mark.parametrize(("reason", "shown"), [
    ("x.csv could not be read: Conversion Error: Could not convert string '441302198001010019' "
     "to INT64", "x.csv could not be read: Conversion Error"),
    ("x.xlsx is not a readable XLSX workbook (cannot open /srv/hub/landing/rs.pensions/x.xlsx)",
     "x.xlsx is not a readable XLSX workbook (cannot open x.xlsx)"),
    ("a.csv at C:\\hub\\landing\\a.csv; see sj.enterprises/20261001.jsonl, 1/2 read",
     "a.csv at a.csv; see sj.enterprises/20261001.jsonl, 1/2 read"),
    ("header does not match the contract: missing column(s) 性别 (expected 公民身份号码,性别)",
     "header does not match the contract: missing column(s) 性别 (expected 公民身份号码,性别)"),
    ("broken near SELECT * FROM t WHERE x", "broken near …"),
    ("first line\nLINE 1: SELECT secret", "first line"),
])
def test_public_reason(reason, shown):
    assert public_reason(reason) == shown
