"""An open download over HTTP carries exactly the items the dataset's page lists: none of the
lake's lineage (`_batch_id`, `_file`, `_record_no`, `_sha256`) nor the originals (`*_orig`)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest

from exchange import create_app
from tests.conftest import make_settings, open_registry
from tests.exchange.test_opendata_files import CODE, _publish
from tests.live import serving

PUBLISHED = ["uscc", "name", "entity_type", "registered_capital_wan", "status",
             "established_date", "district_code"]


@pytest.fixture
def base_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    settings = make_settings(tmp_path / "home", tmp_path / "landing", monkeypatch)
    _publish(settings, open_registry(settings), "20261001T020000", 3)
    with serving(create_app(settings)) as url:
        yield url


def test_open_downloads_carry_only_the_published_items(base_url):
    with httpx.Client(base_url=base_url, timeout=60) as http:
        page = http.get(f"/open/v1/resources/{CODE}").json()
        listed = [item["name"] for item in page["items"]]
        assert listed == PUBLISHED

        response = http.get(page["downloads"]["csv"])
        assert response.status_code == 200, response.text
        reader = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
        header, *rows = list(reader)
        assert header == listed
        assert len(rows) == 3 and all(len(row) == len(listed) for row in rows)

        parquet = http.get(page["downloads"]["parquet"])
        assert parquet.status_code == 200
        assert pq.read_table(io.BytesIO(parquet.content)).column_names == listed
