"""Deliveries no department should send, and what the hub does with them: each is rejected
whole with a clear reason or quarantined with a rule; nothing hangs, crashes, is read from
outside the landing directory, or is silently lost; a later good batch is still read."""

from __future__ import annotations

import json
import os
import threading
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter

from catalog import BatchStatus
from tests.conftest import open_registry
from tests.pipelines.helpers import MEMBERS_HEADER, deliver, ingest, query

ID_A = "11010519491231002X"
GOOD = f"C1,{ID_A},张三,本人"


@pytest.fixture
def landing(tmp_path):
    path = tmp_path / "landing"
    path.mkdir()
    return path


@pytest.fixture
def registry(settings):
    return open_registry(settings)


def members(*lines: str, newline: str = "\n") -> bytes:
    return (newline.join([MEMBERS_HEADER, *lines]) + newline).encode("gbk")


def batches(registry, code: str) -> dict[str, tuple]:
    return {b.batch_id: (b.status, b.reason, b.rows_in, b.rows_accepted, b.rows_quarantined)
            for b in registry.batches(code)}


def death(certificate_no, **fields) -> str:
    """One JSON line of `wj.deaths` (values given as JSON text)."""
    record = {"certificate_no": json.dumps(certificate_no), "id_number": f'"{ID_A}"',
              "name": '"张三"', "gender": '"男"', "death_date": '"2026-10-03"',
              "place": '"医院"', "district_code": '"441302"', **fields}
    return "{" + ", ".join(f'"{k}": {v}' for k, v in record.items()) + "}"


def rules(settings, table: str) -> list[tuple]:
    return query(settings, f"SELECT _record_no, _rule FROM quarantine.{table} ORDER BY 1")


def _ingest_with_timeout(settings, registry, code: str, seconds: float = 60) -> None:
    """Run one cycle in a thread: a delivery that blocks the reader fails the test, not CI."""
    failure: list[Exception] = []

    def run() -> None:
        try:
            ingest(settings, registry, code)
        except Exception as exc:  # noqa: BLE001 - raised again in the test's thread below
            failure.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"ingesting {code} did not finish in {seconds} s"
    if failure:
        raise failure[0]


# --- the landing directory ------------------------------------------------------------------


def test_links_and_special_files_are_refused_unread(settings, registry, tmp_path):
    secret = tmp_path / "outside.csv"
    secret.write_text("SECRET-LINE-root:x:0:0\n")
    folder = settings.landing_dir / "mz.members"
    folder.mkdir(parents=True)
    (folder / "20261101T010000.csv").symlink_to(secret)
    (folder / "20261101T020000.csv").symlink_to("/dev/zero")
    os.mkfifo(folder / "20261101T030000.csv")
    (folder / "20261101T040000.csv").symlink_to(tmp_path / "missing.csv")
    deliver(settings, "mz.members", "20261101T050000.csv", members(GOOD))
    _ingest_with_timeout(settings, registry, "mz.members")

    found = batches(registry, "mz.members")
    for batch_id in ("20261101T010000", "20261101T020000", "20261101T040000"):
        assert found[batch_id][0] is BatchStatus.REJECTED
        assert "symbolic link" in found[batch_id][1]
    assert found["20261101T030000"][:2] == (
        BatchStatus.REJECTED, "20261101T030000.csv is not a regular file")
    assert "SECRET" not in " ".join(b[1] for b in found.values())
    assert found["20261101T050000"][0] is BatchStatus.PUBLISHED


def test_one_batch_id_delivered_twice_over_is_refused_not_half_read(settings, registry):
    deliver(settings, "wj.deaths", "20261101T020000.json", death("D1").encode())
    deliver(settings, "wj.deaths", "20261101T020000.jsonl", death("D2").encode())
    ingest(settings, registry, "wj.deaths")
    (batch,) = registry.batches("wj.deaths")
    assert batch.status is BatchStatus.REJECTED and batch.rows_in == 0
    assert batch.reason == ("batch 20261101T020000 was delivered as 2 entries "
                            "(20261101T020000.json, 20261101T020000.jsonl): deliver it once")

    # The department removes one: the batch is read again, under its id.
    (settings.landing_dir / "wj.deaths" / "20261101T020000.json").unlink()
    ingest(settings, registry, "wj.deaths")
    (batch,) = registry.batches("wj.deaths")
    assert (batch.status, batch.rows_in) == (BatchStatus.PUBLISHED, 1)


@pytest.mark.parametrize("name", ["2026*.csv", "20261101T020000[1].csv", "2026 11 01.csv",
                                  "2026\\x.csv", "批次一.csv", "x" * 200 + ".csv"])
def test_a_batch_id_that_cannot_name_a_lake_directory_is_refused(settings, registry, name):
    deliver(settings, "mz.members", name, members(GOOD))
    deliver(settings, "mz.members", "20261102T020000.csv", members(GOOD))
    ingest(settings, registry, "mz.members")
    found = registry.batches("mz.members")
    refused = [b for b in found if b.batch_id != "20261102T020000"]
    assert [b.status for b in refused] == [BatchStatus.REJECTED]
    assert "a batch id may use only letters, digits" in refused[0].reason
    assert len(refused[0].batch_id) <= 100
    assert [b.status for b in found if b.batch_id == "20261102T020000"] == [
        BatchStatus.PUBLISHED]
    ingest(settings, registry, "mz.members")  # the refusal is stable: no second record
    assert len(registry.batches("mz.members")) == 2


def test_a_batch_directory_holding_a_directory_is_refused(settings, registry):
    batch = settings.landing_dir / "mz.members" / "20261101T020000"
    (batch / "sub").mkdir(parents=True)
    (batch / "a.csv").write_bytes(members(GOOD))
    (batch / "sub" / "b.csv").write_bytes(members(GOOD))
    ingest(settings, registry, "mz.members")
    (found,) = registry.batches("mz.members")
    assert found.status is BatchStatus.REJECTED
    assert found.reason == "the batch directory holds sub: a directory"


# --- text files -----------------------------------------------------------------------------


@pytest.mark.parametrize("newline", ["\r", "\r\n", "\n"])
def test_every_line_end_ends_a_record(settings, registry, newline):
    lines = [f"C{n},{ID_A},张三,本人" for n in range(1, 5)]
    deliver(settings, "mz.members", "20261101T020000.csv", members(*lines, newline=newline))
    ingest(settings, registry, "mz.members")
    assert batches(registry, "mz.members")["20261101T020000"][2:] == (4, 4, 0)


def test_mixed_line_ends_and_a_crlf_across_chunks(settings, registry, monkeypatch):
    data = (MEMBERS_HEADER + "\r\n" + f"C1,{ID_A},张三,本人\r" + f"C2,{ID_A},李四,子\n"
            + f"C3,{ID_A},王五,女\r\n").encode("gbk")
    # Chunks of 7 bytes: every kind of cut, including between the CR and LF of a CRLF.
    monkeypatch.setattr(settings, "ingest_chunk_bytes", 7)
    deliver(settings, "mz.members", "20261101T020000.csv", data)
    ingest(settings, registry, "mz.members")
    (batch,) = registry.batches("mz.members")
    assert (batch.rows_in, batch.rows_accepted, batch.blank_lines) == (3, 3, 0)


def test_a_file_of_one_huge_line_is_rejected_promptly_with_a_short_reason(settings, registry):
    """A file whose line ends the reader does not see is one header of 200 000 names."""
    data = ("\x1e".join([MEMBERS_HEADER] + [f"C{n},{ID_A},张三,本人" for n in range(50_000)])
            ).encode("gbk")
    deliver(settings, "mz.members", "20261101T020000.csv", data)
    _ingest_with_timeout(settings, registry, "mz.members")
    (batch,) = registry.batches("mz.members")
    assert batch.status is BatchStatus.REJECTED
    assert len(batch.reason) < 600 and "more" in batch.reason


def test_an_empty_column_name_is_shown(settings, registry):
    deliver(settings, "mz.members", "20261101T020000.csv",
            (MEMBERS_HEADER + ",\n" + GOOD + ",\n").encode("gbk"))
    ingest(settings, registry, "mz.members")
    (batch,) = registry.batches("mz.members")
    assert 'unexpected column(s) ""' in batch.reason


def test_nul_bytes_are_quarantined_not_kept_in_keys(settings, registry):
    deliver(settings, "mz.members", "20261101T020000.csv",
            members(GOOD, f"C4\x00,{ID_A},李四,子"))
    deliver(settings, "wj.deaths", "20261101T020000.jsonl",
            (death("D1", name='"a\\u0000b"') + "\n" + death("D2")).encode())
    ingest(settings, registry, "mz.members")
    ingest(settings, registry, "wj.deaths")
    assert rules(settings, "mz_members") == [(3, "invalid_encoding")]
    assert rules(settings, "wj_deaths") == [(1, "invalid_encoding")]


def test_a_rejection_reason_holds_no_control_character(settings, registry):
    """The reason goes to the registry, and PostgreSQL's text refuses a NUL."""
    header = MEMBERS_HEADER.replace("案件编号", "案件编号\x00\x1b")
    deliver(settings, "mz.members", "20261101T020000.csv", f"{header}\n{GOOD}\n".encode("gbk"))
    ingest(settings, registry, "mz.members")
    (batch,) = registry.batches("mz.members")
    assert batch.status is BatchStatus.REJECTED
    assert "unexpected column(s) 案件编号\ufffd\ufffd" in batch.reason
    assert all(c.isprintable() for c in batch.reason)


def test_json_values_of_the_wrong_kind_are_quarantined(settings, registry):
    lines = [death("D1"), death("D2", name='{"x": 1}'), death("D3", name='["张三"]'),
             death({"no": 4}), death("D5", name="true"),
             death("D6", place="null", district_code="441302")]
    deliver(settings, "wj.deaths", "20261101T020000.jsonl", "\n".join(lines).encode())
    ingest(settings, registry, "wj.deaths")
    assert rules(settings, "wj_deaths") == [(n, "wrong_type") for n in (2, 3, 4, 5)]
    assert query(settings, "SELECT certificate_no, place, district_code FROM published.wj_deaths "
                           "ORDER BY 1") == [("D1", "医院", "441302"), ("D6", None, "441302")]


def test_a_json_field_named_twice_is_quarantined(settings, registry):
    twice = death("D2").replace('"name": "张三"', '"name": "张三", "name": "李四"')
    nested = ('{"uscc": "91441302MA4UJ2L98X", "name": "惠州市甲公司", "entity_type": "有限责任公司", '
              f'"legal_rep": {{"name": "张三", "name": "李四", "id_number": "{ID_A}"}}, '
              '"registered_capital_wan": 50, "status": "存续", "established_date": "2020-01-02", '
              '"district_code": "441302"}')
    deliver(settings, "wj.deaths", "20261101T020000.jsonl", f"{death('D1')}\n{twice}".encode())
    deliver(settings, "sj.enterprises", "20261101T020000.jsonl", nested.encode())
    ingest(settings, registry, "wj.deaths")
    ingest(settings, registry, "sj.enterprises")
    assert rules(settings, "wj_deaths") == [(2, "repeated_field")]
    assert rules(settings, "sj_enterprises") == [(1, "repeated_field")]


# --- spreadsheets ---------------------------------------------------------------------------

PENSION_HEADER = ["身份证号", "姓名", "待遇类型", "月发放金额", "开始月份", "发放状态"]
PENSION_ROW = [ID_A, "张三", "企业职工养老", 3500, "202401", "正常发放"]


def _workbook(path, *sheets: list[list]) -> bytes:
    book = xlsxwriter.Workbook(path)
    for rows in sheets:
        sheet = book.add_worksheet()
        for r, row in enumerate(rows):
            sheet.write_row(r, 0, row)
    book.close()
    return path.read_bytes()


def test_a_far_corner_cell_is_a_rejected_batch_not_a_crash(settings, registry, tmp_path):
    book = xlsxwriter.Workbook(tmp_path / "far.xlsx")
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, PENSION_HEADER)
    sheet.write_row(1, 0, PENSION_ROW)
    sheet.write(1048575, 16383, "x")  # XFD1048576: 17 billion cells to the reader
    book.close()
    deliver(settings, "rs.pensions", "20261101T020000.xlsx", (tmp_path / "far.xlsx").read_bytes())
    ingest(settings, registry, "rs.pensions")
    (batch,) = registry.batches("rs.pensions")
    assert batch.status is BatchStatus.REJECTED
    assert "spans A1:XFD1048576 (16384 columns × 1048576 rows)" in batch.reason


def test_data_in_a_second_sheet_is_refused_not_dropped(settings, registry, tmp_path):
    data = _workbook(tmp_path / "two.xlsx", [PENSION_HEADER, PENSION_ROW],
                     [PENSION_HEADER, PENSION_ROW, PENSION_ROW])
    deliver(settings, "rs.pensions", "20261101T020000.xlsx", data)
    deliver(settings, "rs.pensions", "20261102T020000.xlsx",
            _workbook(tmp_path / "ok.xlsx", [PENSION_HEADER, PENSION_ROW], []))
    ingest(settings, registry, "rs.pensions")
    found = batches(registry, "rs.pensions")
    assert found["20261101T020000"][:2] == (
        BatchStatus.REJECTED, ("20261101T020000.xlsx holds data in sheet(s) Sheet2 besides the "
                               "first: the contract has one sheet (split a batch over files)"))
    assert found["20261102T020000"][0] is BatchStatus.PUBLISHED  # an empty second sheet is fine


# --- parquet --------------------------------------------------------------------------------


def _estate(**columns) -> pa.Table:
    base = {
        "certificate_no": ["C1"], "owner_id_number": [ID_A], "owner_name": ["张三"],
        "co_owner_id_numbers": pa.array([[ID_A]], pa.list_(pa.string())),
        "property_use": ["住宅"], "area_m2": [88.5], "location": ["惠城区"],
        "district_code": ["441302"], "register_date": pa.array([date(2020, 1, 2)]),
        "status": ["现势"],
    }
    return pa.table({**base, **columns})


def _ingest_with_a_later_good_batch(settings, registry, tmp_path, bad: bytes) -> tuple[tuple, tuple]:
    """Deliver `bad` and a later good batch, ingest: (the bad batch's record, the good one's)."""
    deliver(settings, "zr.real_estate", "20261101T020000.parquet", bad)
    pq.write_table(_estate(), tmp_path / "ok.parquet")
    deliver(settings, "zr.real_estate", "20261102T020000.parquet",
            (tmp_path / "ok.parquet").read_bytes())
    ingest(settings, registry, "zr.real_estate")
    found = batches(registry, "zr.real_estate")
    return found["20261101T020000"], found["20261102T020000"]


@pytest.mark.parametrize(("column", "values", "shown"), [
    ("co_owner_id_numbers", pa.array([ID_A]), "co_owner_id_numbers is VARCHAR"),
    ("co_owner_id_numbers", pa.array([{"id": ID_A}]), "co_owner_id_numbers is STRUCT"),
    ("owner_name", pa.array([["张三", "李四"]]), "owner_name is VARCHAR[]"),
    ("property_use", pa.array([{"a": "住宅"}]), "property_use is STRUCT"),
])
def test_parquet_columns_of_the_wrong_shape_reject_the_batch(settings, registry, tmp_path,
                                                             column, values, shown):
    pq.write_table(_estate(**{column: values}), tmp_path / "bad.parquet")
    bad, good = _ingest_with_a_later_good_batch(settings, registry, tmp_path,
                                           (tmp_path / "bad.parquet").read_bytes())
    assert bad[0] is BatchStatus.REJECTED and shown in bad[1]
    assert good[0] is BatchStatus.PUBLISHED


def test_a_corrupt_parquet_page_rejects_its_batch_and_the_next_is_read(settings, registry,
                                                                      tmp_path):
    pq.write_table(_estate(owner_name=[("张三" * 4000)]), tmp_path / "bad.parquet",
                   compression="none")
    data = bytearray((tmp_path / "bad.parquet").read_bytes())
    middle = data.find("张三张三".encode())
    data[middle - 40:middle + 4000] = os.urandom(4040)  # the page, not the footer
    bad, good = _ingest_with_a_later_good_batch(settings, registry, tmp_path, bytes(data))
    assert bad[0] is BatchStatus.REJECTED
    assert bad[1].startswith("20261101T020000.parquet could not be read")
    assert good[0] is BatchStatus.PUBLISHED
