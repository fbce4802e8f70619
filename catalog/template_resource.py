"""One resource of an imported directory: its template rows → a validated `Resource`, or the
problems that keep it out (row, column, English key, Chinese message).

The rows of a resource are contiguous in the sheet; its resource-level columns may be filled on
every row (repeated) or only on some (the first row, or a merged cell): each takes the first
value found, and a different value on another row is a problem (`inconsistent`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from pydantic import ValidationError

from catalog.i18n import _
from catalog.model import (
    Department,
    Grade,
    ItemType,
    Load,
    OpenAttribute,
    Resource,
    Sensitivity,
    SharingAttribute,
    SourceFormat,
)
from catalog.template_columns import (
    COLUMNS,
    DELIMITERS,
    ENCODINGS,
    NO,
    RESOURCE_COLUMNS,
    UNSUPPORTED_TYPES,
    VOCABULARY,
    YES,
    lookup,
)

__all__ = ["Problem", "Rows", "build_resource"]

HEADERS = {c.key: c.header for c in COLUMNS}
_RESOURCE_CODE = re.compile(r"^[a-z]+\.[a-z_]+$")  # catalog.model.Resource.code
_ITEM_NAME = re.compile(r"^[a-z][a-z0-9_]*$")  # catalog.model.DataItem.name
_LENGTH = re.compile(r"^[(（]?\s*(\d+)\s*(?:[,，.]\s*(\d+))?\s*[)）]?$")
_LIST = re.compile(r"[、;；,，|/\s]+")
_SPACE = re.compile(r"\s+")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


@dataclass(frozen=True)
class Problem:
    """Why a row (or the file, row 0) keeps the directory from being imported."""

    row: int
    column: str  # the template's header ("" for the row or the file as a whole)
    key: str  # stable English key: missing_value, unknown_department, …
    message: str  # in Chinese, for the department's data officer

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "key": self.key, "message": self.message}


Rows = list[tuple[int, dict[str, str]]]  # (sheet row number, column key → cell text)


def _missing(key: str) -> str:
    return _("the {column} is missing", column=HEADERS[key])


def _unknown(key: str, text: str, allowed: str) -> str:
    return _("{column} “{value}” is not one of the values allowed ({allowed})",
             column=HEADERS[key], value=text, allowed=allowed)


@dataclass
class _Reader:
    """The rows of one resource, read column by column, collecting problems."""

    rows: Rows
    problems: list[Problem] = field(default_factory=list)

    @property
    def first(self) -> int:
        return self.rows[0][0]

    def problem(self, row: int, key: str, problem: str, message: str) -> None:
        self.problems.append(Problem(row, HEADERS.get(key, key), problem, message))

    def value(self, key: str) -> tuple[int, str]:
        """The resource-level value of a column and the row it came from (first row if blank)."""
        found: tuple[int, str] | None = None
        for row_no, cells in self.rows:
            text = cells.get(key, "").strip()
            if not text:
                continue
            if found is None:
                found = (row_no, text)
            elif text != found[1]:
                self.problem(row_no, key, "inconsistent",
                             _("{column} “{value}” differs from “{first}” in row {row} of this "
                               "resource", column=HEADERS[key], value=text, first=found[1],
                               row=found[0]))
        return found or (self.first, "")

    def required(self, key: str) -> tuple[int, str]:
        row, text = self.value(key)
        if not text:
            self.problem(row, key, "missing_value", _missing(key))
        return row, text

    def word(self, key: str, row: int, text: str, default=None):
        """A cell's word as the model's member (`default` when blank)."""
        if not text:
            if default is None:
                self.problem(row, key, "missing_value", _missing(key))
            return default
        member = lookup(key, text)
        if member is None:
            allowed = "、".join(dict.fromkeys(str(m) for m in VOCABULARY[key].values()))
            self.problem(row, key, "unknown_value", _unknown(key, text, allowed))
        return member


def _department(reader: _Reader, departments: Mapping[str, Department]) -> Department | None:
    by_name_row, name = reader.required("provider")
    code_row, code = reader.value("provider_code")
    chosen = None
    for row, key, text in ((code_row, "provider_code", code), (by_name_row, "provider", name)):
        if not text:
            continue
        found = departments.get(text) or departments.get(_SPACE.sub("", text))
        if found is None:
            reader.problem(row, key, "unknown_department",
                           _("the provider “{provider}” is not a department of the city (give "
                             "the department's name, short name or code)", provider=text))
        elif chosen is not None and found != chosen:
            reader.problem(row, key, "inconsistent",
                           _("the provider “{provider}” and the provider code “{code}” are not "
                             "the same department", provider=text, code=code))
        chosen = chosen or found
    return chosen


def _resource_fields(reader: _Reader, departments: Mapping[str, Department],
                     released: date) -> dict[str, object]:
    w = reader.word
    code_row, code = reader.required("code")
    if code and not _RESOURCE_CODE.match(code):
        reader.problem(code_row, "code", "bad_code",
                       _("the resource code “{code}” must be “department code.resource name” "
                         "in lower-case letters and underscores, such as ga.population",
                         code=code))
    provider = _department(reader, departments)
    if code and provider and _RESOURCE_CODE.match(code) and code.split(".")[0] != provider.code:
        reader.problem(code_row, "code", "code_prefix",
                       _("the resource code “{code}” must start with its provider's "
                         "department code “{prefix}.”", code=code, prefix=provider.code))
    sharing = w("sharing", *reader.required("sharing"))
    open_ = w("open", *reader.value("open"), default=OpenAttribute.NOT_OPEN)
    conditions = {}
    for attr, key, conditional, what in (
            (sharing, "sharing_conditions", SharingAttribute.CONDITIONAL, "有条件共享"),
            (open_, "open_conditions", OpenAttribute.CONDITIONAL, "有条件开放")):
        row, text = reader.value(key)
        if attr is conditional and not text:
            reader.problem(row, key, "missing_value", _(
                "a resource that is {attribute} must give its {column}", attribute=what,
                column=HEADERS[key]))
        conditions[key] = text
    fmt_row, fmt = reader.required("format")
    name_en = reader.value("name_en")[1]
    return {
        "code": code, "name": reader.required("name")[1], "name_en": name_en or code,
        "provider": provider, "abstract": reader.required("abstract")[1],
        "category": w("category", *reader.required("category")),
        "format": w("format", fmt_row, fmt) if fmt else None,
        "encoding": _choice(reader, "encoding", ENCODINGS, "utf-8"),
        "delimiter": _choice(reader, "delimiter", DELIMITERS, ","),
        "load": w("load", *reader.value("load"), default=Load.SNAPSHOT),
        "update_cycle": w("update_cycle", *reader.required("update_cycle")),
        "sharing": sharing, "open": open_, **conditions,
        "release_date": _release_date(reader, released),
        "related": _related(reader),
    }


def _choice(reader: _Reader, key: str, choices: Mapping[str, str], default: str) -> str:
    row, text = reader.value(key)
    if key == "delimiter" and not text:  # a cell holding only a tab is the tab delimiter
        text = "\\t" if any(c.get(key) == "\t" for _, c in reader.rows) else ""
    if not text:
        return default
    chosen = choices.get(text.lower().replace(" ", ""))
    if chosen is None:
        reader.problem(row, key, "unknown_value",
                       _unknown(key, text, "、".join(dict.fromkeys(choices))))
        return default
    return chosen


def _release_date(reader: _Reader, released: date) -> date:
    row, text = reader.value("release_date")
    if not text:
        return released
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text[:10] if fmt == "%Y-%m-%d" else text, fmt).date()
        except ValueError:
            continue
    reader.problem(row, "release_date", "bad_date", _(
        "the release date “{value}” is not a date (such as 2026-01-01)", value=text))
    return released


def _related(reader: _Reader) -> tuple[str, ...]:
    row, text = reader.value("related")
    codes = tuple(c for c in _LIST.split(text) if c)
    for code in codes:
        if not _RESOURCE_CODE.match(code):
            reader.problem(row, "related", "bad_code", _(
                "the related resource code “{code}” is not a resource code", code=code))
    return codes


def _flag(reader: _Reader, row: int, key: str, text: str) -> bool:
    word = text.strip().lower()
    if word in YES:
        return True
    if word not in NO:
        reader.problem(row, key, "bad_flag", _("{column} “{value}” must be “是” or “否”",
                                               column=HEADERS[key], value=text))
    return False


def _item(reader: _Reader, row: int, cells: dict[str, str]) -> dict[str, object]:
    def cell(key: str) -> str:
        return cells.get(key, "").strip()

    zh, name, type_word = cell("item_zh"), cell("item_name"), cell("item_type")
    for key, text in (("item_zh", zh), ("item_name", name)):
        if not text:
            reader.problem(row, key, "missing_value", _missing(key))
    if name and not _ITEM_NAME.match(name):
        reader.problem(row, "item_name", "bad_item_name",
                       _("the field name “{name}” must start with a lower-case letter and use "
                         "only lower-case letters, digits and underscores", name=name))
    item_type = None
    if type_word.lower() in UNSUPPORTED_TYPES:
        reader.problem(row, "item_type", "unsupported_type",
                       _("the data item type “{type}” (binary) cannot be collected as a data "
                         "item", type=type_word))
    else:
        item_type = reader.word("item_type", row, type_word)
    length = cell("item_length")
    found = _LENGTH.match(length)
    if length and (not found or int(found.group(1)) == 0):
        reader.problem(row, "item_length", "bad_length",
                       _("the data item length “{length}” must be a positive whole number (a "
                         "decimal may be written “14,2”)", length=length))
    max_value = None
    if text := cell("item_max"):
        try:
            max_value = float(text.replace(",", ""))
        except ValueError:
            reader.problem(row, "item_max", "bad_number",
                           _("the maximum “{value}” is not a number", value=text))
    return {
        "name": name, "zh_name": zh, "source": cell("item_source") or zh, "type": item_type,
        "description": cell("item_description"),
        "required": _flag(reader, row, "item_required", cell("item_required")),
        "key": _flag(reader, row, "item_key", cell("item_key")),
        "codes": tuple(c for c in _LIST.split(cell("item_codes")) if c),
        "sensitivity": reader.word("item_sensitivity", row, cell("item_sensitivity"),
                                   default=Sensitivity.NONE),
        "grade": reader.word("item_grade", row, cell("item_grade"), default=Grade.GENERAL),
        "max_value": max_value,
    }


def _items(reader: _Reader) -> list[dict[str, object]]:
    items, seen = [], {}
    for row, cells in reader.rows:
        item = _item(reader, row, cells)
        if item["name"] in seen:
            reader.problem(row, "item_name", "duplicate_item",
                           _("the field name “{name}” is already used in row {row}",
                             name=item["name"], row=seen[item["name"]]))
        seen.setdefault(item["name"], row)
        items.append(item)
    if items and not any(item["key"] for item in items):
        reader.problem(reader.first, "item_key", "no_key",
                       _("the resource has no key data item (give “是” as “主键” of at least "
                         "one data item)"))
    return items


def build_resource(rows: Rows, departments: Mapping[str, Department],
                   released: date) -> tuple[Resource | None, list[Problem]]:
    """The resource the rows declare, validated against `catalog.model.Resource`; `None` and
    the problems when anything is wrong."""
    reader = _Reader(rows)
    fields = _resource_fields(reader, departments, released)
    items = _items(reader)
    if fields["format"] not in (None, SourceFormat.PARQUET):
        # A list of ID numbers is delivered as a Parquet list: the standardiser reads the
        # fields of CSV, XLSX and JSON Lines as text.
        for (row, _cells), item in zip(rows, items):
            if item["type"] is ItemType.ID_LIST:
                reader.problem(row, "item_type", "unsupported_type",
                               _("a resource delivered as {format} cannot have a data item "
                                 "of the type “身份证号码列表” (Parquet only)",
                                 format=fields["format"]))
    if reader.problems:
        return None, reader.problems
    try:
        return Resource.model_validate({**fields, "items": items}), []
    except ValidationError as exc:
        for error in exc.errors():
            loc = error["loc"]
            row, key = reader.first, str(loc[0]) if loc else ""
            if loc[:1] == ("items",) and len(loc) > 2 and isinstance(loc[1], int):
                row, key = rows[loc[1]][0], _ITEM_KEYS.get(str(loc[2]), "")
            reader.problem(row, _RESOURCE_KEYS.get(key, key), "invalid",
                           _("does not fit the resource directory model: {error}",
                             error=error["msg"]))
        return None, reader.problems


_RESOURCE_KEYS = {c.key: c.key for c in RESOURCE_COLUMNS}
_ITEM_KEYS = {"name": "item_name", "zh_name": "item_zh", "source": "item_source",
              "type": "item_type", "codes": "item_codes", "sensitivity": "item_sensitivity",
              "grade": "item_grade", "max_value": "item_max", "key": "item_key",
              "required": "item_required", "description": "item_description"}
