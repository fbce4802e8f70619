"""The current rows of an append resource are decided once, at publication: the analysts' view
reads the batches' files as they are, or the newest row of each key once a key recurs."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from catalog import RESOURCES, Registry, resource
from catalog.analystdb import rebuild_analyst_db
from catalog.current import recorded_current_rows
from tests.conftest import make_settings, open_registry
from tests.pipelines.helpers import deliver, ingest, query

pytestmark = pytest.mark.slow

DEATHS = resource("wj.deaths")


def _death(certificate: str, name: str) -> str:
    return json.dumps({"certificate_no": certificate, "id_number": "441302198001010019",
                       "name": name, "gender": "男", "death_date": "2026-10-03", "place": "医院",
                       "district_code": "441302"}, ensure_ascii=False)


def _deliver_month(settings, batch_id: str, *deaths: tuple[str, str]) -> None:
    lines = "\n".join(_death(c, n) for c, n in deaths)
    deliver(settings, DEATHS.code, f"{batch_id}.jsonl", lines.encode())


def _published_view_sql(settings) -> str:
    (sql,), = query(settings, "SELECT sql FROM duckdb_views() "
                              "WHERE schema_name = 'published' AND view_name = 'wj_deaths'")
    return sql


def _a_corrected_month(settings) -> Registry:
    """Two months published one after the other; the second corrects C1's name."""
    registry = open_registry(settings)
    _deliver_month(settings, "20261001T020000", ("C1", "王芳"))
    ingest(settings, registry, DEATHS.code)
    _deliver_month(settings, "20261101T020000", ("C1", "王芳芳"), ("C2", "李四"))
    ingest(settings, registry, DEATHS.code)
    return registry


def _decisions(settings) -> list[Path]:
    return sorted((settings.lake / "current" / DEATHS.table).iterdir())


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    return make_settings(tmp_path / "home", tmp_path / "landing", monkeypatch)


def test_without_a_recurring_key_the_view_reads_the_batches_as_they_are(settings):
    registry = open_registry(settings)
    _deliver_month(settings, "20261001T020000", ("C1", "王芳"), ("C2", "李四"))
    _deliver_month(settings, "20261101T020000", ("C3", "张三"))
    ingest(settings, registry, DEATHS.code)

    files = [Path(b.accepted_path) for b in registry.batches(DEATHS.code)]
    assert recorded_current_rows(settings, DEATHS, files) == files
    (decided,) = _decisions(settings)
    assert json.loads((decided / "keys.json").read_text())["recurring_keys"] == 0
    assert not (decided / "newest.parquet").exists()
    assert "row_number" not in _published_view_sql(settings).lower()
    assert query(settings, "SELECT certificate_no FROM published.wj_deaths ORDER BY 1") == [
        ("C1",), ("C2",), ("C3",)]


def test_a_corrected_record_is_current_only_in_its_newest_version(settings):
    registry = open_registry(settings)
    _deliver_month(settings, "20261001T020000", ("C1", "王芳"), ("C2", "李四"))
    ingest(settings, registry, DEATHS.code)
    _deliver_month(settings, "20261101T020000", ("C1", "王芳芳"), ("C3", "张三"))
    ingest(settings, registry, DEATHS.code)

    assert query(settings, "SELECT certificate_no, name FROM published.wj_deaths ORDER BY 1") == [
        ("C1", "王芳芳"), ("C2", "李四"), ("C3", "张三")]
    assert registry.current_publication(DEATHS.code).rows == 3  # C1 counts once
    files = [Path(b.accepted_path) for b in registry.batches(DEATHS.code)]
    (newest,) = recorded_current_rows(settings, DEATHS, files)
    assert newest.name == "newest.parquet"
    assert "row_number" not in _published_view_sql(settings).lower()

    # A third month: the decision of the previous set is kept for readers of the old
    # analysts' database, older ones are removed.
    _deliver_month(settings, "20261201T020000", ("C4", "赵六"))
    ingest(settings, registry, DEATHS.code)
    assert len(_decisions(settings)) == 2
    assert query(settings, "SELECT count(*) FROM published.wj_deaths") == [(4,)]


def test_older_decisions_are_removed_once_a_day_old(settings):
    """A quality run or an analyst's session may still read a decision two publications old."""
    registry = open_registry(settings)
    for month in range(1, 5):
        _deliver_month(settings, f"2026{month:02d}01T020000", (f"C{month}", "王芳"), ("C0", "李四"))
        ingest(settings, registry, DEATHS.code)
    assert len(_decisions(settings)) == 3  # months 1-2, 1-3 and 1-4, all of the last day
    day_old = time.time() - 25 * 3600
    in_order = sorted(_decisions(settings),  # by the months each decision covers
                      key=lambda d: len(json.loads((d / "keys.json").read_text())["files"]))
    for n, decision in enumerate(in_order):  # a day older, in the order they were made
        os.utime(decision, (day_old + n, day_old + n))
    _deliver_month(settings, "20260501T020000", ("C5", "张三"))
    ingest(settings, registry, DEATHS.code)
    kept = _decisions(settings)
    assert len(kept) == 2  # months 1-5 (current) and 1-4 (the previous one)
    assert query(settings, "SELECT count(*) FROM published.wj_deaths") == [(6,)]
    files = [Path(b.accepted_path) for b in registry.batches(DEATHS.code)]
    assert recorded_current_rows(settings, DEATHS, files[:4]) is not None
    assert recorded_current_rows(settings, DEATHS, files[:3]) is None


def test_a_set_of_batches_without_a_recorded_decision_gets_the_window(settings):
    registry = _a_corrected_month(settings)
    shutil.rmtree(settings.lake / "current")  # as published before decisions were recorded

    rebuild_analyst_db(settings, registry, list(RESOURCES.values()))
    assert "row_number" in _published_view_sql(settings).lower()
    assert query(settings, "SELECT certificate_no, name FROM published.wj_deaths ORDER BY 1") == [
        ("C1", "王芳芳"), ("C2", "李四")]


def test_the_governed_gateway_may_read_the_newest_rows_file(settings):
    from policies.connection import CATALOG_ALIAS, gateway_connection

    _a_corrected_month(settings)
    with gateway_connection(settings, [DEATHS.table]) as con:
        rows = con.execute(f"SELECT certificate_no, name FROM {CATALOG_ALIAS}.published.wj_deaths "
                           "ORDER BY 1").fetchall()
    assert rows == [("C1", "王芳芳"), ("C2", "李四")]


def test_the_decision_holds_no_write_lock_on_the_registry(settings, monkeypatch):
    """The API writes its audit log to the registry's database while pipelines publish: the
    decision (seconds at 10 M persons) must not run inside a write transaction, even after the
    gate refused a batch."""
    import sqlite3

    from pipelines.ingest import ingest_raw, publish, service, standardise

    registry = open_registry(settings)
    decide = service.current_rows
    writes = []

    def decide_while_another_process_writes(*args):
        with sqlite3.connect(settings.home / "registry.db", timeout=0.2) as other:
            other.execute("CREATE TABLE IF NOT EXISTS probe (n INTEGER)")
            other.execute("INSERT INTO probe VALUES (1)")
        writes.append(True)
        return decide(*args)

    monkeypatch.setattr(service, "current_rows", decide_while_another_process_writes)
    _deliver_month(settings, "20261001T020000", ("C1", "王芳"))
    _deliver_month(settings, "20261101T020000", ("C2", "李四"))
    _deliver_month(settings, "20261201T020000", ("C3", "张三"))
    ingest_raw(settings, registry, DEATHS)
    standardise(settings, registry, DEATHS)
    publication, refused = publish(settings, registry, DEATHS, gate=lambda _r, batch: (
        batch.batch_id != "20261201T020000", "refused for the test", "测试拒收"))
    assert writes  # the decision ran, and another connection could write meanwhile
    assert [o.batch_id for o in refused] == ["20261201T020000"]
    assert publication.batch_ids == ["20261001T020000", "20261101T020000"]
