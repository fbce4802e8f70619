"""XLSX: the first sheet read with calamine, one record per row; a workbook with data beyond
its first sheet, or a used range too large to read, is rejected."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import date, datetime, time
from pathlib import Path

import pyarrow as pa
from python_calamine import CalamineWorkbook

from catalog.i18n import _, lazy
from pipelines.ingest.fields import ident
from pipelines.ingest.readers.common import (
    BatchRejected,
    RawResult,
    ReadContext,
    copy_part,
    csv_header,
    lineage_sql,
    listed,
)

__all__ = ["read"]


def _cell_text(value: object) -> str | None:
    """A cell as the text a person reads; Excel numbers that are whole print without `.0`."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def read(ctx: ReadContext, file: Path, result: RawResult, chunk_bytes: int) -> None:
    resource = ctx.resource
    _check_extent(file)
    try:
        workbook = CalamineWorkbook.from_path(str(file))
        rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
        others = [name for i, name in enumerate(workbook.sheet_names[1:], start=1)
                  if any(any(v != "" for v in row)
                         for row in workbook.get_sheet_by_index(i).to_python())]
    except Exception as exc:  # noqa: BLE001 (calamine raises its own types for damaged workbooks)
        raise BatchRejected(lazy("{name} is not a readable XLSX workbook ({error})",
                                 name=file.name, error=str(exc))) from None
    if others:
        raise BatchRejected(lambda: _(
            "{name} holds data in sheet(s) {sheets} besides the first: the contract has one "
            "sheet (split a batch over files)", name=file.name, sheets=listed(others)))
    if not rows:
        raise BatchRejected(lazy("{name} is empty", name=file.name))
    header = [(_cell_text(v) or "").strip() for v in rows[0]]
    while header and not header[-1]:
        header.pop()
    positions = csv_header(resource, resource.delimiter.join(header))
    width = len(header)
    numbers, records, errors = [], [], []
    columns: dict[str, list[str | None]] = {name: [] for name in positions}
    for row_no, row in enumerate(rows[1:], start=2):
        cells = [_cell_text(v) for v in row]
        if not any(cells):
            result.blank_lines += 1
            continue
        extra = any(c is not None for c in cells[width:])
        numbers.append(row_no)
        records.append(json.dumps(cells[: max(width, _last_filled(cells))], ensure_ascii=False))
        errors.append("field_count" if extra else None)
        for name, pos in positions.items():
            columns[name].append(None if extra or pos >= len(cells) else cells[pos])
    table = pa.table(
        {"line_no": pa.array(numbers, pa.int64()), "_error": pa.array(errors, pa.string()),
         "_record": pa.array(records, pa.string()),
         **{name: pa.array(values, pa.string()) for name, values in columns.items()}}
    )
    write_table(ctx, file, table, result)


# The most cells a sheet may span: the reader builds the whole rectangle from A1 to the last
# used cell, so one stray cell at XFD1048576 would ask for 17 billion (the process aborts).
_MAX_CELLS = 64_000_000
_DIMENSION = re.compile(rb'<dimension ref="[A-Z]*[0-9]*:?([A-Z]+)([0-9]+)"')


def _check_extent(file: Path) -> None:
    """Reject a workbook whose sheets claim a used range too large to read (the `dimension`
    each worksheet declares at its start)."""
    heads = []
    try:
        with zipfile.ZipFile(file) as archive:
            for name in archive.namelist():
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    with archive.open(name) as sheet:
                        heads.append((name, sheet.read(4096)))  # no more: it may be a bomb
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise BatchRejected(lazy("{name} is not a readable XLSX workbook ({error})",
                                 name=file.name, error=str(exc))) from None
    for name, head in heads:
        found = _DIMENSION.search(head)
        if not found:
            continue
        column, row = found.group(1).decode(), int(found.group(2))
        width = 0
        for letter in column:
            width = width * 26 + ord(letter) - ord("A") + 1
        if width * row > _MAX_CELLS:
            sheet = name.rsplit('/', 1)[-1]
            raise BatchRejected(lazy(
                "{name}: {sheet} spans A1:{cell} ({width} columns × {rows} rows), more than a "
                "sheet of this contract can hold; clear the cells outside the data",
                name=file.name, sheet=sheet, cell=f"{column}{row}", width=width, rows=row))


def _last_filled(cells: list[str | None]) -> int:
    return max((i + 1 for i, c in enumerate(cells) if c is not None), default=0)


def write_table(ctx: ReadContext, file: Path, table: pa.Table, result: RawResult) -> None:
    ctx.con.register("chunk", table)
    items = ", ".join(ident(item.name) for item in ctx.resource.items)
    copy_part(
        ctx,
        f"SELECT {lineage_sql(ctx, file, 'line_no')}, _error, _record, {items} FROM chunk",
        result,
    )
    ctx.con.unregister("chunk")
    result.rows += table.num_rows
