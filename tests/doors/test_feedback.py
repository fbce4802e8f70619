"""Departments hear of every batch rejected whole, and of what is wrong with a row, in Chinese,
through the pipeline they deliver to (`hub materialize` over a landing directory)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.doors.cli import run_hub
from tests.doors.test_item_scores import person_id, population_rows
from tests.pipelines.helpers import POPULATION_HEADER


def _write(landing: Path, code: str, name: str, data: bytes) -> None:
    folder = landing / code
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def _feedback(home: Path, department: str) -> dict[str, list[dict]]:
    folder = home / "quality" / "feedback" / department
    return {path.stem: list(csv.DictReader(path.open(encoding="utf-8-sig")))
            for path in sorted(folder.glob("*.csv"))}


@pytest.fixture(scope="module")
def delivered(tmp_path_factory) -> Path:
    """Population: a renamed column, a header-only file, then a good batch with one wrong check
    character; pensions: only a workbook that is not one. Materialised through the CLI."""
    root = tmp_path_factory.mktemp("feedback")
    home, landing = root / "home", root / "landing"
    home.mkdir()
    renamed = POPULATION_HEADER.replace("出生日期", "生日")
    _write(landing, "ga.population", "20261001T020000.csv",
           f"{renamed}\n{population_rows()[0]}\n".encode("gb18030"))
    _write(landing, "ga.population", "20261002T020000.csv",
           f"{POPULATION_HEADER}\n".encode("gb18030"))
    _write(landing, "ga.population", "20261101T020000.csv",
           ("\n".join([POPULATION_HEADER, *population_rows()[:8]]) + "\n").encode("gb18030"))
    _write(landing, "rs.pensions", "202610.xlsx", b"PK\x03\x04 this is no workbook")
    done = run_hub("materialize", home=home, landing=landing, default_language=True)
    assert "Traceback" not in done.stderr
    return home


def test_every_batch_rejected_whole_reaches_the_department_in_chinese(delivered):
    population = _feedback(delivered, "ga")
    renamed = population["ga.population-20261001T020000"]
    assert [(r["规则"], r["处理结果"]) for r in renamed] == [
        ("batch_rejected", "整批退回，未读取，当前版本不变；请更正后以同一批次号重新报送")]
    assert renamed[0]["问题说明"].startswith("表头与数据规范不符：缺少列 出生日期；多出列 生日")
    assert renamed[0]["文件"] == "ga.population/20261001T020000.csv"

    (header_only,) = population["ga.population-20261002T020000"]
    assert header_only["问题说明"] == (
        "文件 20261002T020000.csv 没有任何记录（只有表头或全为空行）")

    (workbook,) = _feedback(delivered, "rs")["rs.pensions-202610"]
    assert workbook["规则"] == "batch_rejected"
    assert workbook["问题说明"].startswith("文件 202610.xlsx 不是可读取的 XLSX 工作簿")


def test_a_failed_check_says_what_is_wrong_not_which_rule_was_meant(delivered):
    (wrong,) = _feedback(delivered, "ga")["ga.population-20261101T020000"]
    assert wrong["主键"] == f"id_number={person_id(8)[:-1]}{wrong['原始值'][-1]}"
    assert (wrong["数据项名称"], wrong["规则"], wrong["问题说明"], wrong["处理结果"]) == (
        "公民身份号码", "id_valid", "“公民身份号码”不符合 GB 11643 校验（应为 18 位且校验码正确）",
        "已入库，请核实并在源系统更正")
