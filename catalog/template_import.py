"""Import a resource directory from a spreadsheet laid out like the national cataloguing template
(《政务信息资源目录编制指南》): XLSX, or CSV in UTF-8, GB18030 or UTF-16 (Excel's Unicode text).

One row per data item (信息项); a resource's own columns repeated on each of its rows or filled
only on its first. The result is all or nothing: every resource validated against
`catalog.model.Resource`, or none and a report of every problem (row, column, English key,
Chinese message). Nothing is written here: the registry import builds on this.
The columns and words are in `catalog.template_columns` and docs/directory-import.md.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from catalog.i18n import _
from catalog.model import Department, Resource
from catalog.template_columns import COLUMNS, header_key
from catalog.template_resource import HEADERS, Problem, Rows, build_resource

__all__ = ["ImportResult", "Problem", "department_index", "import_directory", "import_rows"]

_HEADER_SEARCH = 10  # a title or notes may stand above the header row
_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".txt")
_RESOURCE_KEYS = frozenset(c.key for c in COLUMNS if not c.key.startswith("item_"))


@dataclass(frozen=True)
class ImportResult:
    """The validated resources (empty unless every row passed) and the problems found."""

    resources: tuple[Resource, ...] = ()
    problems: tuple[Problem, ...] = ()
    rows: Mapping[str, tuple[int, int]] = field(default_factory=dict)  # code → first, last row
    ignored_columns: tuple[str, ...] = ()  # headers the hub does not read (序号, 备注 …)

    @property
    def ok(self) -> bool:
        return not self.problems

    def report(self) -> list[dict[str, object]]:
        return [p.as_dict() for p in self.problems]


def department_index(departments: Iterable[Department]) -> dict[str, Department]:
    """The city's departments by every name a template may use: code, full and short name."""
    index: dict[str, Department] = {}
    for d in departments:
        for name in (d.code, d.name, d.short_name):
            index.setdefault(name, d)
    return index


def import_directory(path: Path, departments: Mapping[str, Department], *,
                     released: date | None = None, encoding: str | None = None) -> ImportResult:
    """Read and validate a directory file (`.xlsx`, or `.csv` in UTF-8 or GB18030 — detected
    unless `encoding` is given). `departments` maps each name or code a provider may be given
    by to the city's department (`department_index`); `released` is the release date of rows
    that give none (default: today)."""
    suffix = path.suffix.lower()
    try:
        if suffix not in _SUFFIXES:
            raise _Unreadable("unsupported_file", _(
                "the file {file} is not an XLSX or CSV file (save .xls and other formats as "
                ".xlsx in Excel or WPS)", file=path.name))
        sheet = _xlsx_rows(path) if suffix in (".xlsx", ".xlsm") else _csv_rows(path, encoding)
    except _Unreadable as exc:
        return ImportResult(problems=(Problem(0, "", exc.key, str(exc)),))
    return import_rows(sheet, departments, released=released)


def import_rows(sheet: list[list[str]], departments: Mapping[str, Department], *,
                released: date | None = None) -> ImportResult:
    """`import_directory` over a sheet already read as text (row 1 first)."""
    header_at = next((i for i, row in enumerate(sheet[:_HEADER_SEARCH])
                      if any(header_key(c) == "name" for c in row)), None)
    if header_at is None:
        return ImportResult(problems=(Problem(0, "", "no_header", _(
            "no header found: none of the first {rows} rows has the column “信息资源名称”",
            rows=_HEADER_SEARCH)),))
    keys, data_at, ignored = _header(sheet, header_at)
    problems = _header_problems(keys, header_at + 1)
    if problems:
        return ImportResult(problems=tuple(problems), ignored_columns=ignored)
    rows = [(n, {k: row[j] if j < len(row) else "" for j, k in keys.items()})
            for n, row in enumerate(sheet[data_at:], start=data_at + 1)]
    groups, problems = _group(rows)
    if not groups and not problems:
        problems.append(Problem(0, "", "empty", _("the sheet holds no resource")))
    resources = []
    for group in groups:
        resource, found = build_resource(group, departments, released or date.today())
        problems.extend(found)
        if resource is not None:
            resources.append(resource)
    problems.sort(key=lambda p: p.row)
    spans = {g[0][1]["code"].strip(): (g[0][0], g[-1][0]) for g in groups}
    return ImportResult(() if problems else tuple(resources), tuple(problems), spans, ignored)


def _header(sheet: list[list[str]], at: int) -> tuple[dict[int, str], int, tuple[str, ...]]:
    """Column index → key; the first data row's index; headers not read. A second header row
    (名称/类型/长度 under a merged 信息项) is merged into the first."""
    top = sheet[at]
    below = sheet[at + 1] if at + 1 < len(sheet) else []
    width = max(len(top), len(below))

    def cell(row: list[str], j: int) -> str:
        return row[j].strip() if j < len(row) else ""

    name_col = next(j for j in range(len(top)) if header_key(top[j]) == "name")
    two_rows = bool(below) and not cell(below, name_col) and any(
        cell(below, j) and not cell(top, j) for j in range(width))
    keys, ignored, group = {}, [], ""
    for j in range(width):
        head, sub = cell(top, j), cell(below, j) if two_rows else ""
        group = head or group
        text = sub or head
        key = header_key(sub, group) if sub else header_key(head)
        if key is not None and key not in keys.values():
            keys[j] = key
        elif key is not None:
            keys.setdefault(-1 - j, key)  # a repeated column: reported by _header_problems
        elif text:
            ignored.append(text)
    return keys, at + (2 if two_rows else 1), tuple(ignored)


def _header_problems(keys: dict[int, str], row: int) -> list[Problem]:
    problems = [Problem(row, HEADERS[k], "duplicate_column",
                        _("the column “{column}” appears more than once in the header",
                          column=HEADERS[k]))
                for j, k in keys.items() if j < 0]
    present = set(keys.values())
    problems += [Problem(row, c.header, "missing_column",
                         _("the required column “{column}” is missing", column=c.header))
                 for c in COLUMNS if c.required and c.key not in present]
    for j in [j for j in keys if j < 0]:
        del keys[j]
    return problems


def _group(rows: Rows) -> tuple[list[Rows], list[Problem]]:
    """Rows → one list of rows per resource: a row with a new code starts one, a row without a
    code or with the code of the row above continues it. A code used by an earlier resource is
    a duplicate (so is a resource's code written again after rows that left it blank, or
    under another resource name)."""
    groups: list[Rows] = []
    problems: list[Problem] = []
    first_row: dict[str, int] = {}
    current, skipping = "", False  # the resource being read; whether its rows are dropped
    continued = False  # whether a row of the current resource left its code blank
    name = ""  # the current resource's name: another name under the same code is another one
    for row_no, cells in rows:
        if not any(v.strip() for v in cells.values()):
            continue
        code = cells.get("code", "").strip()
        if not code:
            if any(cells.get(k, "").strip() for k in ("name", "provider")) or not (
                    current or skipping):
                problems.append(Problem(row_no, HEADERS["code"], "missing_value",
                                        _("the resource code is missing (the first row of "
                                          "a resource must give it)")))
                current, skipping = "", True
            elif not skipping:
                groups[-1].append((row_no, cells))
                continued = True
        elif code == current and not continued and cells.get("name", "").strip() in ("", name):
            if not skipping:  # the code repeated on each row of the resource
                groups[-1].append((row_no, cells))
        elif code in first_row:
            problems.append(Problem(row_no, HEADERS["code"], "duplicate_code",
                                    _("the resource code “{code}” is already used in row "
                                      "{row}", code=code, row=first_row[code])))
            current, skipping, continued = code, True, False  # its rows are not read
            name = cells.get("name", "").strip()
        else:
            first_row[code] = row_no
            current, skipping, continued = code, False, False
            name = cells.get("name", "").strip()
            groups.append([(row_no, cells)])
    return groups, problems


class _Unreadable(Exception):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def _text(value: object) -> str:
    """A cell as a person reads it: whole numbers without `.0`, dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _xlsx_rows(path: Path) -> list[list[str]]:
    """The first sheet holding the template's header (or the first sheet)."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheets = [workbook.get_sheet_by_index(i).to_python(skip_empty_area=False)
                  for i in range(len(workbook.sheet_names))]
    except Exception as exc:  # noqa: BLE001 (calamine raises its own types for damaged files)
        raise _Unreadable("unreadable_file", _(
            "the file {file} is not a readable XLSX workbook ({error})", file=path.name,
            error=exc)) from None
    rows = [[[_text(v) for v in row] for row in sheet] for sheet in sheets]
    for sheet in rows:
        if any(header_key(c) == "name" for row in sheet[:_HEADER_SEARCH] for c in row):
            return sheet
    return rows[0] if rows else []


def _csv_rows(path: Path, encoding: str | None) -> list[list[str]]:
    """CSV in the given encoding, else UTF-16 when it starts with its BOM (Excel's "Unicode
    text"), else UTF-8 (with or without BOM), else GB18030 (GBK's superset). The delimiter is
    the comma, or a tab or semicolon when the header row holds more of those."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _Unreadable("unreadable_file",
                          _("the file {file} cannot be read ({error})", file=path.name,
                            error=exc.strerror)) from None
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    for codec in (encoding,) if encoding else ("utf-16",) if utf16 else ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(codec)
            break
        except (UnicodeDecodeError, LookupError):
            continue
    else:
        raise _Unreadable("bad_encoding",
                          _("the file {file} is not text in {encoding}", file=path.name,
                            encoding=encoding) if encoding else
                          _("the file {file} is not text in UTF-8 or GB18030", file=path.name))
    head = next((line for line in text.splitlines()[:_HEADER_SEARCH] if "资源名称" in line), "")
    delimiter = max((",", "\t", ";"), key=head.count)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise _Unreadable("unreadable_file",
                          _("the file {file} is not a readable CSV ({error})", file=path.name,
                            error=exc)) from None
