"""Directory import from the national cataloguing template (catalog.template_import): the shipped
sample in every layout and file type gives the same validated resources; each kind of bad row is
reported at its row and column, and then nothing is imported."""

from __future__ import annotations

import re
from datetime import date

import pytest

from catalog.model import (
    Department,
    Grade,
    ItemType,
    Load,
    OpenAttribute,
    Sensitivity,
    SharingAttribute,
    SourceFormat,
    UpdateCycle,
)
from catalog.template_import import department_index, import_directory, import_rows
from tests.catalog.template_sheets import (
    SAMPLE_CSV,
    SAMPLE_XLSX,
    repeated,
    sample_rows,
    write_csv,
    write_xlsx,
)

CITY = department_index([
    Department(code="ga", name="惠州市公安局", short_name="公安"),
    Department(code="sj", name="惠州市市场监督管理局", short_name="市场监管"),
    Department(code="rs", name="惠州市人力资源和社会保障局", short_name="人社"),
])
RELEASED = date(2026, 6, 1)
CODES = ("ga.residence_permits", "sj.food_licences", "rs.employment_subsidies")


def run(rows):
    return import_rows(rows, CITY, released=RELEASED)


@pytest.fixture(scope="module")
def expected():
    result = import_directory(SAMPLE_CSV, CITY, released=RELEASED)
    assert result.ok, result.report()
    return result.resources


def test_sample_csv_declares_three_resources_as_written(expected):
    permits, food, subsidies = expected
    assert tuple(r.code for r in expected) == CODES
    assert (permits.name, permits.provider.code, permits.format, permits.encoding,
            permits.load, permits.update_cycle, permits.sharing, permits.open) == (
        "居住证登记", "ga", SourceFormat.CSV, "gb18030", Load.SNAPSHOT, UpdateCycle.MONTHLY,
        SharingAttribute.CONDITIONAL, OpenAttribute.NOT_OPEN)
    assert permits.sharing_conditions == "仅限履行法定职责所需，按需申请核验"
    assert permits.related == ("ga.population",)
    assert permits.release_date == date(2026, 1, 1)
    assert permits.key == ("permit_no",)
    assert permits.item("id_number").type is ItemType.ID_NUMBER
    assert permits.item("id_number").grade is Grade.CORE
    assert permits.item("id_number").sensitivity is Sensitivity.ID_NUMBER
    assert permits.item("id_number").source == "公民身份号码"  # the Chinese name by default
    assert permits.item("status").codes == ("有效", "注销")
    # 市场监管 is the department's short name; 电子表格 is XLSX
    assert (food.provider.code, food.format, food.open, food.release_date) == (
        "sj", SourceFormat.XLSX, OpenAttribute.OPEN, date(2026, 3, 1))
    assert food.item("uscc").type is ItemType.USCC
    assert food.name_en == "sj.food_licences"  # no 英文名称: the code stands in
    assert (subsidies.format, subsidies.load) == (SourceFormat.JSONL, Load.APPEND)
    assert subsidies.release_date == RELEASED  # none given: the caller's default
    amount = subsidies.item("amount")
    assert (amount.type, amount.max_value, amount.source, amount.description) == (
        ItemType.AMOUNT, 100000.0, "amount", "单位：元")
    assert subsidies.item("name").source == "person.name"
    assert subsidies.item("period").type is ItemType.MONTH


def test_ignored_columns_and_spans_are_reported():
    result = import_directory(SAMPLE_CSV, CITY, released=RELEASED)
    assert result.ignored_columns == ("序号", "备注")
    assert dict(result.rows) == {"ga.residence_permits": (2, 7), "sj.food_licences": (8, 12),
                                 "rs.employment_subsidies": (13, 18)}


def test_shipped_xlsx_two_row_header_and_merged_cells(expected):
    result = import_directory(SAMPLE_XLSX, CITY, released=RELEASED)
    assert result.ok, result.report()
    assert result.resources == expected
    assert dict(result.rows)["ga.residence_permits"] == (4, 9)  # a title row and two header rows


def test_repeated_layout_reads_the_same(expected, tmp_path):
    rows = repeated(sample_rows())
    assert all(row[2] for row in rows)  # every row carries its resource's code
    assert run(rows).resources == expected
    result = import_directory(write_csv(rows, tmp_path / "r.csv"), CITY, released=RELEASED)
    assert result.resources == expected
    xlsx = import_directory(write_xlsx(rows, tmp_path / "r.xlsx"), CITY, released=RELEASED)
    assert xlsx.resources == expected


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8"])
def test_csv_encodings_are_detected(expected, tmp_path, encoding):
    path = write_csv(sample_rows(), tmp_path / "d.csv", encoding=encoding)
    assert import_directory(path, CITY, released=RELEASED).resources == expected


def test_declared_encoding_that_does_not_fit_is_one_problem(tmp_path, monkeypatch):
    path = write_csv(sample_rows(), tmp_path / "d.csv", encoding="gb18030")
    result = import_directory(path, CITY, released=RELEASED, encoding="utf-8")
    assert [(p.row, p.key) for p in result.problems] == [(0, "bad_encoding")]
    assert result.problems[0].message == "the file d.csv is not text in utf-8"
    monkeypatch.delenv("HUB_LANGUAGE")  # the hub's own language: Chinese
    result = import_directory(path, CITY, released=RELEASED, encoding="utf-8")
    assert result.problems[0].message == "文件 d.csv 不是 utf-8 编码的文本"


def cell(rows, row, header, value):
    """Set one cell of the sheet (row as numbered in the sheet: the header is row 1)."""
    rows[row - 1][rows[0].index(header)] = value
    return rows


# (what is changed: sheet row, header, new value) → (row, column, key) reported
BAD_ROWS = [
    ((2, "信息资源提供方", "惠州市教育局"), (2, "信息资源提供方", "unknown_department")),
    ((8, "信息资源代码", "ga.residence_permits"), (8, "信息资源代码", "duplicate_code")),
    ((13, "信息资源代码", "ga.residence_permits"), (13, "信息资源代码", "duplicate_code")),
    ((8, "信息资源代码", ""), (8, "信息资源代码", "missing_value")),
    ((2, "信息资源代码", "ga-residence-permits"), (2, "信息资源代码", "bad_code")),
    ((2, "信息资源代码", "sj.residence_permits"), (2, "信息资源代码", "code_prefix")),
    ((2, "信息资源名称", ""), (2, "信息资源名称", "missing_value")),
    ((2, "共享属性", "部分共享"), (2, "共享属性", "unknown_value")),
    ((2, "共享条件", ""), (2, "共享条件", "missing_value")),
    ((8, "开放属性", "有条件开放"), (8, "开放条件", "missing_value")),
    ((2, "更新周期", "不定期"), (2, "更新周期", "unknown_value")),
    ((2, "信息资源格式", "数据库"), (2, "信息资源格式", "unknown_value")),
    ((2, "信息资源分类", "其他"), (2, "信息资源分类", "unknown_value")),
    ((2, "字符编码", "BIG5"), (2, "字符编码", "unknown_value")),
    ((2, "分隔符", "#"), (2, "分隔符", "unknown_value")),
    ((2, "加载方式", "按需"), (2, "加载方式", "unknown_value")),
    ((2, "发布日期", "明年"), (2, "发布日期", "bad_date")),
    ((2, "关联资源代码", "人口库"), (2, "关联资源代码", "bad_code")),
    ((4, "信息项类型", "布尔"), (4, "信息项类型", "unknown_value")),
    ((4, "信息项类型", "通用型"), (4, "信息项类型", "unsupported_type")),
    ((4, "信息项类型", "身份证号码列表"), (4, "信息项类型", "unsupported_type")),
    ((4, "字段名", "Name"), (4, "字段名", "bad_item_name")),
    ((4, "字段名", ""), (4, "字段名", "missing_value")),
    ((4, "信息项名称", ""), (4, "信息项名称", "missing_value")),
    ((4, "字段名", "id_number"), (4, "字段名", "duplicate_item")),
    ((2, "主键", "否"), (2, "主键", "no_key")),
    ((4, "主键", "可能"), (4, "主键", "bad_flag")),
    ((4, "信息项长度", "十八"), (4, "信息项长度", "bad_length")),
    ((4, "信息项长度", "0"), (4, "信息项长度", "bad_length")),
    ((4, "分级", "绝密"), (4, "分级", "unknown_value")),
    ((4, "敏感类别", "指纹"), (4, "敏感类别", "unknown_value")),
    ((4, "最大值", "很多"), (4, "最大值", "bad_number")),
]


@pytest.mark.parametrize(("change", "reported"), BAD_ROWS,
                         ids=[f"{c[1]}={c[2] or 'blank'}" for c, _ in BAD_ROWS])
def test_each_bad_row_is_reported_and_nothing_is_imported(change, reported):
    result = run(cell(sample_rows(), *change))
    assert result.resources == ()
    assert [(p.row, p.column, p.key) for p in result.problems] == [reported]
    assert all(p.message for p in result.problems)


def test_messages_name_the_value_and_what_to_do(monkeypatch):
    monkeypatch.delenv("HUB_LANGUAGE")  # said in the hub's own language: Chinese
    result = run(cell(sample_rows(), 2, "信息资源提供方", "惠州市教育局"))
    assert result.report() == [{
        "row": 2, "column": "信息资源提供方", "key": "unknown_department",
        "message": "提供方“惠州市教育局”不是本市登记的部门（按部门名称、简称或代码填写）"}]
    result = run(cell(sample_rows(), 2, "共享属性", "部分共享"))
    assert result.problems[0].message == (
        "共享属性“部分共享”不是可用的值（可用：无条件共享、有条件共享、不予共享）")


def test_every_problem_of_a_sheet_is_reported_at_once():
    rows = cell(cell(cell(sample_rows(), 2, "信息资源提供方", "教育局"), 9, "信息项类型", "布尔"),
                14, "字段名", "Amount!")
    result = run(rows)
    assert [(p.row, p.key) for p in result.problems] == [
        (2, "unknown_department"), (9, "unknown_value"), (14, "bad_item_name")]
    assert result.resources == ()


def test_repeated_layout_with_a_differing_value_is_inconsistent(monkeypatch):
    monkeypatch.delenv("HUB_LANGUAGE")  # said in the hub's own language: Chinese
    rows = cell(repeated(sample_rows()), 5, "更新周期", "每日")
    result = run(rows)
    assert [(p.row, p.column, p.key) for p in result.problems] == [(5, "更新周期", "inconsistent")]
    assert result.problems[0].message == "更新周期“每日”与本资源第 2 行的“每月”不同"


def test_duplicate_code_in_repeated_layout_is_reported_once():
    rows = repeated(sample_rows())
    for n in range(8, 13):  # the food licences take the permits' code
        cell(rows, n, "信息资源代码", "ga.residence_permits")
    assert [(p.row, p.key) for p in run(rows).problems] == [(8, "duplicate_code")]


def test_department_by_code_and_conflicting_provider_code():
    rows = cell(sample_rows(), 2, "信息资源提供方", "ga")
    assert run(rows).ok
    rows = [row + [""] for row in sample_rows()]
    rows[0][-1] = "提供方代码"
    assert run(cell(rows, 2, "提供方代码", "ga")).ok
    result = run(cell(rows, 2, "提供方代码", "sj"))
    assert [(p.column, p.key) for p in result.problems] == [
        ("信息资源提供方", "inconsistent"), ("信息资源代码", "code_prefix")]


def test_departments_come_from_the_caller_only():
    result = import_rows(sample_rows(), {}, released=RELEASED)
    assert {p.key for p in result.problems} == {"unknown_department"}
    assert [p.row for p in result.problems] == [2, 8, 13]


def test_missing_and_repeated_columns():
    rows = [[c for j, c in enumerate(row) if j != sample_rows()[0].index("共享属性")]
            for row in sample_rows()]
    result = run(rows)
    assert [(p.row, p.column, p.key) for p in result.problems] == [
        (1, "共享属性", "missing_column")]
    rows = [row + [row[1]] for row in sample_rows()]
    assert [(p.column, p.key) for p in run(rows).problems] == [("信息资源名称", "duplicate_column")]


def test_no_header_empty_sheet_and_damaged_workbook(tmp_path):
    assert [p.key for p in run([["a", "b"], ["1", "2"]]).problems] == ["no_header"]
    assert [p.key for p in run(sample_rows()[:1]).problems] == ["empty"]
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really")
    result = import_directory(bad, CITY)
    assert [(p.row, p.key) for p in result.problems] == [(0, "unreadable_file")]
    missing = import_directory(tmp_path / "none.csv", CITY)
    assert [p.key for p in missing.problems] == ["unreadable_file"]
    old = tmp_path / "directory.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    assert [p.message for p in import_directory(old, CITY).problems] == [
        "the file directory.xls is not an XLSX or CSV file (save .xls and other formats as .xlsx "
        "in Excel or WPS)"]


def test_xlsm_and_spaced_department_names(expected, tmp_path):
    macro = tmp_path / "directory.xlsm"
    macro.write_bytes(SAMPLE_XLSX.read_bytes())
    assert import_directory(macro, CITY, released=RELEASED).resources == expected
    rows = cell(sample_rows(), 2, "信息资源提供方", "惠州市 公安局")
    assert run(rows).resources == expected


def test_tab_delimiter_and_guide_type_letters():
    rows = cell(cell(sample_rows(), 2, "分隔符", "\t"), 6, "信息项类型", "D")
    result = run(rows)
    assert result.ok, result.report()
    permits = result.resources[0]
    assert permits.delimiter == "\t"
    assert permits.item("issue_date").type is ItemType.DATE


DOC = (SAMPLE_CSV.parents[1] / "directory-import.md").read_text(encoding="utf-8")
PROBLEM_KEYS = ("unreadable_file", "unsupported_file", "bad_encoding", "no_header", "missing_column",
                "duplicate_column", "empty", "missing_value", "unknown_value",
                "unknown_department", "bad_code", "code_prefix", "duplicate_code", "inconsistent",
                "bad_item_name", "duplicate_item", "unsupported_type", "no_key", "bad_length",
                "bad_number", "bad_flag", "bad_date", "invalid")


def test_every_column_and_problem_key_is_documented():
    from catalog.template_columns import COLUMNS

    for column in COLUMNS:
        assert f"| {column.header} |" in DOC, column.header
        for alias in column.aliases:
            assert alias in DOC, alias
    for key in PROBLEM_KEYS:
        assert f"`{key}`" in DOC, key
    source = "".join((SAMPLE_CSV.parents[2] / "catalog" / f"template_{m}.py").read_text()
                     for m in ("import", "resource"))
    # every key the importer reports: a literal followed by its message (translated)
    used = set(re.findall(r'"([a-z_]+)",\s*(?:_|_missing|_unknown)\(', source))
    assert used == set(PROBLEM_KEYS)


def test_excel_unicode_text_utf16_tab_separated(expected, tmp_path):
    path = tmp_path / "unicode.csv"
    path.write_bytes("\n".join("\t".join(row) for row in sample_rows()).encode("utf-16"))
    assert import_directory(path, CITY, released=RELEASED).resources == expected


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
@pytest.mark.parametrize("layout", ["first_row", "repeated"])
def test_exported_template_imports_as_the_same_declarations(expected, tmp_path, suffix, layout):
    from catalog.template_export import write_template

    path = write_template(expected, tmp_path / f"out.{suffix}", repeated=layout == "repeated")
    again = import_directory(path, CITY, released=date(2000, 1, 1))
    assert again.ok, again.report()
    assert again.resources == expected
