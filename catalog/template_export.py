"""Declarations written back as the national cataloguing template (the layout
`catalog.template_import` reads): one row per data item, the resource's own cells on its first
row, in the words people write (有条件共享, 字符型, 身份证号码 …). Importing the file gives the same
declarations (derived datasets excepted: the template has no column for their inputs).

Used to hand a directory to people as a spreadsheet, and to build large templates for tests and
benchmarks of the import.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from catalog.model import DataItem, ItemType, Resource, Sensitivity
from catalog.template_columns import COLUMNS

__all__ = ["HEADER", "template_rows", "write_template"]

HEADER = tuple(c.header for c in COLUMNS if c.key != "provider_code")
_KEYS = tuple(c.key for c in COLUMNS if c.key != "provider_code")

_TYPE_WORDS = {
    ItemType.TEXT: "字符型", ItemType.DECIMAL: "数值型", ItemType.INTEGER: "整型",
    ItemType.AMOUNT: "货币型", ItemType.DATE: "日期型", ItemType.MONTH: "年月",
    ItemType.CODE: "代码型", ItemType.DISTRICT: "行政区划代码", ItemType.ID_NUMBER: "身份证号码",
    ItemType.ID_LIST: "身份证号码列表", ItemType.USCC: "统一社会信用代码", ItemType.NAME: "姓名",
}
_SENSITIVITY_WORDS = {
    Sensitivity.NONE: "", Sensitivity.ID_NUMBER: "身份证号码", Sensitivity.NAME: "姓名",
    Sensitivity.PHONE: "电话", Sensitivity.ADDRESS: "地址", Sensitivity.BIRTH_DATE: "出生日期",
    Sensitivity.GENDER: "性别", Sensitivity.FINANCIAL: "财务", Sensitivity.HEALTH: "健康",
    Sensitivity.PROPERTY: "房产", Sensitivity.HOUSEHOLD: "户籍", Sensitivity.VEHICLE: "车辆",
}
_FORMAT_WORDS = {"csv": "CSV", "xlsx": "XLSX", "jsonl": "JSON Lines", "parquet": "Parquet"}
_ENCODING_WORDS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8-BOM", "gbk": "GBK", "gb18030": "GB18030"}
_DELIMITER_WORDS = {"\t": "制表符"}
_LOAD_WORDS = {"snapshot": "全量", "append": "增量"}


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(value)


def _resource_cells(r: Resource) -> dict[str, str]:
    return {
        "name": r.name, "code": r.code, "provider": r.provider.name, "abstract": r.abstract,
        "category": str(r.category), "format": _FORMAT_WORDS[r.format.value],
        "name_en": r.name_en, "encoding": _ENCODING_WORDS.get(r.encoding, r.encoding),
        "delimiter": _DELIMITER_WORDS.get(r.delimiter, r.delimiter),
        "load": _LOAD_WORDS[r.load.value], "sharing": str(r.sharing),
        "sharing_conditions": r.sharing_conditions, "open": str(r.open),
        "open_conditions": r.open_conditions, "update_cycle": str(r.update_cycle),
        "release_date": r.release_date.isoformat(), "related": "、".join(r.related),
    }


def _item_cells(i: DataItem) -> dict[str, str]:
    return {
        "item_zh": i.zh_name, "item_name": i.name, "item_source": i.source,
        "item_type": _TYPE_WORDS[i.type], "item_key": "是" if i.key else "否",
        "item_required": "是" if i.required else "否", "item_codes": "、".join(i.codes),
        "item_grade": str(i.grade), "item_sensitivity": _SENSITIVITY_WORDS[i.sensitivity],
        "item_max": _number(i.max_value), "item_description": i.description,
    }


def template_rows(resources: Iterable[Resource], *, repeated: bool = False) -> list[list[str]]:
    """The header, then one row per data item; a resource's own cells on its first row only,
    or on every row (`repeated`)."""
    rows = [list(HEADER)]
    for resource in resources:
        own = _resource_cells(resource)
        for n, item in enumerate(resource.items):
            cells = {**(own if n == 0 or repeated else {}), **_item_cells(item)}
            rows.append([cells.get(key, "") for key in _KEYS])
    return rows


def write_template(resources: Iterable[Resource], path: Path, *, repeated: bool = False) -> Path:
    """Write the template as `.xlsx` (one sheet, every cell text) or `.csv` (UTF-8 with BOM,
    which Excel and WPS open as Unicode)."""
    rows = template_rows(resources, repeated=repeated)
    if path.suffix.lower() == ".xlsx":
        import xlsxwriter

        with xlsxwriter.Workbook(str(path), {"constant_memory": True}) as book:
            sheet = book.add_worksheet("信息资源目录")
            for r, row in enumerate(rows):
                for c, text in enumerate(row):
                    if text:
                        sheet.write_string(r, c, text)
        return path
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(rows)
    return path
