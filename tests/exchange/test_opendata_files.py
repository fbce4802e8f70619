"""An open download is encoded once per published version and open read, then served as a file:
repeated requests get the same bytes without a new extract, a new version gets a new file."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from catalog import Registry
from catalog.identifiers import uscc_check_char
from exchange import create_app
from exchange.models import AuditEntry
from tests.conftest import make_settings, open_registry
from tests.pipelines.helpers import deliver, ingest

pytestmark = pytest.mark.slow

CODE = "sj.enterprises"
URL = f"/open/v1/resources/{CODE}/data.csv"


def _enterprise(n: int) -> str:
    first17 = f"91441300MA{n:07d}"
    return json.dumps({
        "uscc": first17 + uscc_check_char(first17), "name": f"惠州市第{n}贸易有限公司",
        "entity_type": "有限责任公司", "legal_rep": {"name": "张三", "id_number": "441302198001010019"},
        "registered_capital_wan": 50.0, "status": "存续", "established_date": "2019-05-20",
        "district_code": "441303"}, ensure_ascii=False)


def _publish(settings, registry: Registry, batch_id: str, count: int) -> None:
    lines = "\n".join(_enterprise(n) for n in range(1, count + 1))
    deliver(settings, CODE, f"{batch_id}.jsonl", lines.encode())
    ingest(settings, registry, CODE)


def _cached(settings) -> list[str]:
    return sorted(p.name for p in (settings.home / "open" / CODE).iterdir()
                  if not p.name.startswith("."))


def _rows(body: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    settings = make_settings(tmp_path / "home", tmp_path / "landing", monkeypatch)
    registry = open_registry(settings)
    _publish(settings, registry, "20261001T020000", 2)
    return settings, registry, TestClient(create_app(settings), raise_server_exceptions=False)


def test_repeated_downloads_are_one_encoded_file(hub):
    settings, _registry, http = hub
    first = http.get(URL)
    assert first.status_code == 200, first.text
    assert len(_rows(first.content)) == 2
    assert first.headers["content-length"] == str(len(first.content))
    (data,) = [settings.home / "open" / CODE / n for n in _cached(settings) if n.endswith(".csv")]
    written = data.stat()

    second = http.get(URL)
    assert second.content == first.content
    assert data.stat().st_ino == written.st_ino
    assert data.stat().st_mtime_ns == written.st_mtime_ns  # served, not encoded again
    assert http.get(f"/open/v1/resources/{CODE}/data.parquet").status_code == 200
    assert len(_cached(settings)) == 4  # CSV and Parquet, each with its facts

    with http.app.state.hub.store.session() as s:
        complete = [e for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))
                    if e.route.startswith("/open/") and e.detail.get("phase") == "complete"]
    assert [(e.rows, e.detail["format"]) for e in complete] == [(2, "csv"), (2, "csv"),
                                                              (2, "parquet")]
    assert complete[0].result_sha256 == complete[1].result_sha256 == hashlib.sha256(
        first.content).hexdigest()


def test_a_new_version_is_encoded_anew_and_the_old_file_removed(hub):
    settings, registry, http = hub
    assert len(_rows(http.get(URL).content)) == 2
    before = _cached(settings)

    _publish(settings, registry, "20261101T020000", 3)
    response = http.get(URL)
    assert response.headers["x-hub-version"] == "2"
    assert len(_rows(response.content)) == 3
    after = _cached(settings)
    assert not set(before) & set(after)
    assert all(name.startswith("v2-") for name in after)

