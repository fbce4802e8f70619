"""Delivered files → the raw layer: every record as delivered, with lineage, as Parquet parts.

Text formats (CSV, JSON Lines) are read as physical lines, so a broken line (bad bytes, wrong
field count, unbalanced quote, malformed JSON) is one record with an `_error` and never
swallows its neighbours. Decoding and splitting run in bulk: Python decodes byte chunks, Arrow
splits lines, DuckDB splits fields and writes Parquet.
"""

from __future__ import annotations

import codecs
import json
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from python_calamine import CalamineWorkbook

from catalog import ItemType, Resource, SourceFormat
from pipelines.ingest.fields import csv_split_sql, ident, json_path, sql_str
from pipelines.ingest.landing import Delivery

__all__ = ["BatchRejected", "RawResult", "write_raw"]

LINEAGE = ("_batch_id", "_file", "_record_no", "_sha256")
REPLACEMENT = "\ufffd"  # what undecodable bytes become; such a record is quarantined


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else REPLACEMENT for c in text)


class BatchRejected(Exception):
    """The whole batch breaks the contract: `reason` for the hub's staff and registry, `zh`
    the same in Chinese for the department's feedback file.

    Control characters from the delivery (a NUL in a header, say) are shown as `�`: the
    reason is stored in the registry, and PostgreSQL's text refuses a NUL."""

    def __init__(self, reason: str, zh: str) -> None:
        super().__init__(_printable(reason))
        self.zh = _printable(zh)


@dataclass
class RawResult:
    rows: int = 0
    blank_lines: int = 0
    parts: int = 0
    layout: dict[str, dict[str, int]] = field(default_factory=dict)  # CSV: file → item → column


@dataclass(frozen=True)
class _Context:
    con: duckdb.DuckDBPyConnection
    resource: Resource
    delivery: Delivery
    sha256: str
    landing: Path
    out: Path


def write_raw(
    con: duckdb.DuckDBPyConnection,
    resource: Resource,
    delivery: Delivery,
    sha256: str,
    landing: Path,
    out: Path,
    chunk_bytes: int,
) -> RawResult:
    """Write the raw layer of one delivery into `out` (a staging directory)."""
    if delivery.refused:
        raise BatchRejected(delivery.refused, delivery.refused_zh)
    if delivery.unexpected:
        names = ", ".join(p.name for p in delivery.unexpected)
        raise BatchRejected(f"unexpected file type for a {resource.format} resource: {names}",
                            f"文件类型不符：本资源按规范报送 {resource.format} 文件，收到 {names}")
    if not delivery.files:
        raise BatchRejected("the batch holds no files", "批次中没有任何文件")
    ctx = _Context(con, resource, delivery, sha256, landing, out)
    result = RawResult()
    for file in delivery.files:
        if file.stat().st_size == 0:
            raise BatchRejected(f"{file.name} is empty", f"文件 {file.name} 为空")
        reader = {
            SourceFormat.CSV: _read_csv,
            SourceFormat.JSONL: _read_jsonl,
            SourceFormat.XLSX: _read_xlsx,
            SourceFormat.PARQUET: _read_parquet,
        }[resource.format]
        rows_before = result.rows
        try:
            reader(ctx, file, result, chunk_bytes)
        except (duckdb.IOException, duckdb.OutOfMemoryException):
            raise  # the hub's disk or memory, not the delivery
        except duckdb.Error as exc:  # the file's content broke a cast or the Parquet reader
            raise BatchRejected(f"{file.name} could not be read: {_first_line(exc)}",
                                f"文件 {file.name} 无法读取（内容与规范的格式不符）：{_first_line(exc)}"
                                ) from None
        if result.rows == rows_before:
            raise BatchRejected(f"{file.name} holds no records",
                                f"文件 {file.name} 没有任何记录（只有表头或全为空行）")
    return result


def _first_line(exc: Exception, limit: int = 300) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= limit else text[:limit] + "…"


# --- text: physical lines -------------------------------------------------------------------


def _lines(path: Path, encoding: str, chunk_bytes: int) -> Iterator[tuple[int, pa.Array]]:
    """Yield (number of the first line, lines) per chunk of the file.

    Chunks end at a line end (LF, CRLF or a lone CR, as Python's universal newlines read
    them); 0x0A and 0x0D never occur inside a multi-byte character of UTF-8, GBK or GB18030,
    so each chunk decodes on its own. Undecodable bytes become U+FFFD, which marks their
    record.
    """
    # GB18030 is a superset of GBK: decode GBK deliveries as GB18030 and lose nothing.
    codec = "gb18030" if encoding.lower() in {"gbk", "gb2312", "gb18030"} else encoding
    line_no = 1
    carry = b""
    with path.open("rb") as fh:
        while True:
            block = fh.read(chunk_bytes)
            data = carry + block
            if block:
                # A line ends at LF, CRLF or a lone CR; a CR that ends the block may be the
                # first half of a CRLF, so it is cut at only once the next block is read.
                cut = max(data.rfind(b"\n"), data.rfind(b"\r", 0, len(data) - 1))
                if cut < 0:
                    carry = data
                    continue
                data, carry = data[: cut + 1], data[cut + 1 :]
            elif not data:
                return
            utf8 = _to_utf8(data, codec)
            if line_no == 1:
                utf8 = utf8.removeprefix(codecs.BOM_UTF8)  # a BOM, declared or not, is no data
            lines = _split_lines(utf8)
            yield line_no, lines
            line_no += len(lines)
            if not block:
                return


def _read_ahead(chunks: Iterator[tuple[int, pa.Array]]) -> Iterator[tuple[int, pa.Array]]:
    """The chunks of `_lines`, each next one decoded in a thread while the caller writes this
    one: decoding holds the GIL and DuckDB's COPY releases it, so the two overlap."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hub-read-ahead") as pool:
        pending = pool.submit(next, chunks, None)
        while (chunk := pending.result()) is not None:
            pending = pool.submit(next, chunks, None)
            yield chunk


def _to_utf8(data: bytes, codec: str) -> bytes:
    """The chunk as UTF-8. Valid UTF-8 is passed through as it is; in a UTF-8 delivery with bad
    bytes only the lines that hold them are decoded with replacement."""
    if codecs.lookup(codec).name in {"utf-8", "utf-8-sig"}:
        return _repair_utf8(data)
    return data.decode(codec, errors="replace").encode("utf-8")


_UTF8_WINDOW = 1 << 20


def _repair_utf8(data: bytes) -> bytes:
    """Each line with an invalid UTF-8 sequence gets U+FFFD for it; the rest is copied once.

    Validity is checked a window of about a megabyte at a time: Python sizes its decoding
    buffer by the input, so checking the rest of the chunk after every bad line would be
    quadratic."""
    view = memoryview(data)
    pieces: list[bytes | memoryview] = []
    start = 0  # the first byte not yet copied into `pieces`
    checked = 0  # bytes before this are known to be valid or repaired
    while checked < len(data):
        stop = data.find(b"\n", min(checked + _UTF8_WINDOW, len(data)))
        stop = len(data) if stop < 0 else stop + 1
        try:
            codecs.utf_8_decode(view[checked:stop], "strict", True)
            checked = stop
        except UnicodeDecodeError as exc:
            bad = checked + exc.start
            line_start = data.rfind(b"\n", 0, bad) + 1
            line_end = data.find(b"\n", bad)
            line_end = len(data) if line_end < 0 else line_end
            pieces.append(view[start:line_start])
            pieces.append(data[line_start:line_end].decode("utf-8", errors="replace").encode())
            start = checked = line_end
    if not pieces:
        return data
    pieces.append(view[start:])
    return b"".join(pieces)


def _split_lines(utf8: bytes) -> pa.Array:
    """Lines of a UTF-8 chunk as Arrow strings, built without a Python object per line."""
    if b"\r" in utf8:
        utf8 = utf8.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    end = len(utf8) - 1 if utf8.endswith(b"\n") else len(utf8)
    offsets = pa.py_buffer(np.array([0, end], dtype=np.int32))
    whole = pa.StringArray.from_buffers(1, offsets, pa.py_buffer(utf8))
    return pc.split_pattern(whole, "\n").flatten()


def _line_table(first_line: int, lines: pa.Array) -> pa.Table:
    numbers = pa.array(range(first_line, first_line + len(lines)), pa.int64())
    return pa.table({"line_no": numbers, "line": lines})






def _copy_part(ctx: _Context, select_sql: str, result: RawResult) -> None:
    part = ctx.out / f"part-{result.parts:05d}.parquet"
    ctx.con.execute(
        f"COPY ({select_sql}) TO {sql_str(str(part))} (FORMAT parquet, COMPRESSION snappy)"
    )
    result.parts += 1


def _relative(ctx: _Context, file: Path) -> str:
    return str(file.relative_to(ctx.landing)) if file.is_relative_to(ctx.landing) else str(file)


def _lineage_sql(ctx: _Context, file: Path, record_no: str) -> str:
    rel = _relative(ctx, file)
    return (
        f"{sql_str(ctx.delivery.batch_id)} AS _batch_id, {sql_str(rel)} AS _file, "
        f"{record_no} AS _record_no, {sql_str(ctx.sha256)} AS _sha256"
    )


def _listed(names: list[str], most: int = 5, *, zh: bool = False) -> str:
    """Column names for a reason: an empty one shown as "", long ones cut, at most `most`
    (a file that is not what it claims would otherwise put its data in the reason)."""
    shown = [f'"{n}"' if not n else n if len(n) <= 40 else n[:40] + "…" for n in names[:most]]
    rest = len(names) - most
    if zh:
        return "、".join(shown) + (f" 等 {len(names)} 个" if rest > 0 else "")
    return ", ".join(shown) + (f" and {rest} more" if rest > 0 else "")


def _csv_header(resource: Resource, header_line: str) -> dict[str, int]:
    """Position of each data item's column; a renamed, missing or unknown column rejects."""
    names = [h.strip().strip('"').strip() for h in header_line.split(resource.delimiter)]
    expected = [item.source for item in resource.items]
    present, counts = set(names), Counter(names)
    missing = [h for h in expected if h not in present]
    unknown = [h for h in names if h not in set(expected)]
    duplicated = sorted(h for h, n in counts.items() if n > 1)
    problems, zh = [], []
    if missing:
        problems.append(f"missing column(s) {_listed(missing)}")
        zh.append(f"缺少列 {_listed(missing, zh=True)}")
    if unknown:
        problems.append(f"unexpected column(s) {_listed(unknown)}")
        zh.append(f"多出列 {_listed(unknown, zh=True)}（列名被改动或不在规范内）")
    if duplicated:
        problems.append(f"repeated column(s) {_listed(duplicated)}")
        zh.append(f"列 {_listed(duplicated, zh=True)} 重复出现")
    if problems:
        raise BatchRejected(
            "header does not match the contract: " + "; ".join(problems)
            + f" (expected {resource.delimiter.join(expected)})",
            "表头与数据规范不符：" + "；".join(zh) + f"（应为 {resource.delimiter.join(expected)}）",
        )
    return {item.name: names.index(item.source) for item in resource.items}


def _read_csv(ctx: _Context, file: Path, result: RawResult, chunk_bytes: int) -> None:
    """Lines with their lineage and structural error; fields are derived later (`fields.py`)."""
    resource = ctx.resource
    positions: dict[str, int] | None = None
    parts, fields = csv_split_sql(resource.delimiter)
    for first_line, lines in _read_ahead(_lines(file, resource.encoding, chunk_bytes)):
        if positions is None:
            positions = _csv_header(resource, lines[0].as_py())
            result.layout[_relative(ctx, file)] = positions
            lines, first_line = lines[1:], first_line + 1
        table = _blank_filtered(_line_table(first_line, lines), result)
        if table.num_rows == 0:
            continue
        ctx.con.register("chunk", table)
        _copy_part(
            ctx,
            f"SELECT {_lineage_sql(ctx, file, 'line_no')}, CASE "
            f"WHEN contains(line, '{REPLACEMENT}') OR contains(line, chr(0)) "
            "THEN 'invalid_encoding' "
            "WHEN fields IS NULL THEN 'unbalanced_quote' "
            f"WHEN len(fields) <> {len(resource.items)} THEN 'field_count' END AS _error, "
            f"line AS _record FROM (SELECT line_no, line, {fields} AS fields "
            f"FROM (SELECT line_no, line, {parts} AS parts FROM chunk))",
            result,
        )
        ctx.con.unregister("chunk")
        result.rows += table.num_rows
    if positions is None:
        raise BatchRejected(f"{file.name} is empty", f"文件 {file.name} 为空")


def _blank_filtered(table: pa.Table, result: RawResult) -> pa.Table:
    """Whitespace-only lines are no records (counted, not loaded)."""
    blank = pc.match_substring_regex(table["line"], r"^\s*$")
    kept = table.filter(pc.invert(blank))
    result.blank_lines += table.num_rows - kept.num_rows
    return kept


def _read_jsonl(ctx: _Context, file: Path, result: RawResult, chunk_bytes: int) -> None:
    resource = ctx.resource
    checked = False
    for first_line, lines in _read_ahead(_lines(file, resource.encoding, chunk_bytes)):
        table = _blank_filtered(_line_table(first_line, lines), result)
        if table.num_rows == 0:
            continue
        ctx.con.register("chunk", table)
        # Parsing functions raise on malformed JSON, so each step only sees what passed the
        # previous one: readable text, then valid JSON, then an object.
        # Each document is parsed once for the types of its fields and once for the names in
        # the objects they are read from (DuckDB's JSON functions parse on every call).
        parents = sorted({"$"} | {json_path(i.source).rsplit(".", 1)[0] for i in resource.items})
        paths = ", ".join(sql_str(json_path(i.source)) for i in resource.items)
        ctx.con.execute(
            "CREATE OR REPLACE TEMP VIEW json_chunk AS SELECT line_no, line, CASE "
            f"WHEN {_UNREADABLE_LINE} THEN 'invalid_encoding' "
            "WHEN NOT is_object THEN 'malformed_json' "
            "WHEN list_bool_or(list_transform(names, "
            "lambda n: len(n) <> len(list_distinct(n)))) THEN 'repeated_field' "
            f"WHEN {_wrong_json_types(resource)} THEN 'wrong_type' END AS _error, "
            "CASE WHEN is_object THEN doc END AS doc FROM ("
            f"SELECT *, CASE WHEN is_object THEN json_type(doc, [{paths}]) END AS types, "
            f"CASE WHEN is_object THEN json_keys(doc, {_sql_list(parents)}) END AS names FROM ("
            "SELECT *, coalesce(json_type(doc) = 'OBJECT', false) AS is_object FROM ("
            f"SELECT line_no, line, CASE WHEN NOT ({_UNREADABLE_LINE}) "
            "AND json_valid(line) THEN line END AS doc FROM chunk)))"
        )
        if not checked:
            _check_json_fields(ctx)
            checked = True
        _copy_part(
            ctx,
            f"SELECT {_lineage_sql(ctx, file, 'line_no')}, _error, line AS _record "
            "FROM json_chunk",
            result,
        )
        ctx.con.unregister("chunk")
        result.rows += table.num_rows


# Replaced bytes, or a NUL (raw, or escaped in JSON): no department's text holds one.
_UNREADABLE_LINE = (f"contains(line, '{REPLACEMENT}') OR contains(line, chr(0)) "
                    "OR contains(line, '\\u0000')")


def _sql_list(values: list[str]) -> str:
    return "[" + ", ".join(sql_str(v) for v in values) + "]"


def _wrong_json_types(resource: Resource) -> str:
    """SQL true when a field (`types`, in item order) holds what its item cannot be: an
    object, array or boolean for a value, anything but an array for a list of ID numbers. A
    field named twice in one object (`repeated_field`, checked before) is as bad: which value
    is meant is anybody's guess (DuckDB reads the first, most parsers the last)."""
    checks = []
    for n, item in enumerate(resource.items, start=1):
        if item.type is ItemType.ID_LIST:
            checks.append(f"coalesce(types[{n}] NOT IN ('ARRAY', 'NULL'), false)")
        else:
            checks.append(f"coalesce(types[{n}] IN ('OBJECT', 'ARRAY', 'BOOLEAN'), false)")
    return " OR ".join(checks) or "false"


def _check_json_fields(ctx: _Context) -> None:
    """A field absent from every record of the first chunk was renamed or dropped: reject."""
    checks = ", ".join(
        f"bool_or(json_exists(doc, {sql_str(json_path(item.source))}))"
        for item in ctx.resource.items
    )
    present = ctx.con.execute(
        f"SELECT count(*), {checks} FROM json_chunk WHERE doc IS NOT NULL"
    ).fetchall()[0]
    if present[0] == 0:
        return  # no valid record at all: every line is quarantined as malformed
    missing = [item.source for item, ok in zip(ctx.resource.items, present[1:]) if not ok]
    if missing:
        raise BatchRejected(f"field(s) {', '.join(missing)} missing from every record",
                            f"所有记录都缺少字段 {'、'.join(missing)}（字段名被改动或遗漏）")


# --- spreadsheets ---------------------------------------------------------------------------


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


def _read_xlsx(ctx: _Context, file: Path, result: RawResult, chunk_bytes: int) -> None:
    resource = ctx.resource
    _check_extent(file)
    try:
        workbook = CalamineWorkbook.from_path(str(file))
        rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
        others = [name for i, name in enumerate(workbook.sheet_names[1:], start=1)
                  if any(any(v != "" for v in row)
                         for row in workbook.get_sheet_by_index(i).to_python())]
    except Exception as exc:  # noqa: BLE001 (calamine raises its own types for damaged workbooks)
        raise BatchRejected(f"{file.name} is not a readable XLSX workbook ({exc})",
                            f"文件 {file.name} 不是可读取的 XLSX 工作簿（{exc}）") from None
    if others:
        raise BatchRejected(f"{file.name} holds data in sheet(s) {_listed(others)} besides the "
                            "first: the contract has one sheet (split a batch over files)",
                            f"文件 {file.name} 除第一个工作表外，工作表 {_listed(others, zh=True)} "
                            "中也有数据：规范只允许一个工作表（数据多时请分成多个文件报送）")
    if not rows:
        raise BatchRejected(f"{file.name} is empty", f"文件 {file.name} 为空")
    header = [(_cell_text(v) or "").strip() for v in rows[0]]
    while header and not header[-1]:
        header.pop()
    positions = _csv_header(resource, resource.delimiter.join(header))
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
    _write_table(ctx, file, table, result)


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
        raise BatchRejected(f"{file.name} is not a readable XLSX workbook ({exc})",
                            f"文件 {file.name} 不是可读取的 XLSX 工作簿（{exc}）") from None
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
            raise BatchRejected(
                f"{file.name}: {sheet} spans A1:{column}{row} "
                f"({width} columns × {row} rows), more than a sheet of this contract can hold; "
                "clear the cells outside the data",
                f"文件 {file.name} 的 {sheet} 使用范围为 A1:{column}{row}（{width} 列 × {row} 行），"
                "超出规范的工作表所能容纳的范围：请清除数据区域以外的单元格")


def _last_filled(cells: list[str | None]) -> int:
    return max((i + 1 for i, c in enumerate(cells) if c is not None), default=0)


def _write_table(ctx: _Context, file: Path, table: pa.Table, result: RawResult) -> None:
    ctx.con.register("chunk", table)
    items = ", ".join(ident(item.name) for item in ctx.resource.items)
    _copy_part(
        ctx,
        f"SELECT {_lineage_sql(ctx, file, 'line_no')}, _error, _record, {items} FROM chunk",
        result,
    )
    ctx.con.unregister("chunk")
    result.rows += table.num_rows


# --- parquet --------------------------------------------------------------------------------


_NESTED = ("STRUCT(", "MAP(", "UNION(")


def _is_value_type(sql_type: str) -> bool:
    return not sql_type.endswith("]") and not sql_type.startswith(_NESTED)


def _fits(item_type: ItemType, sql_type: str) -> bool:
    """Whether a Parquet column of `sql_type` can be read as the item: a value (any scalar
    type, read as its text), or for an ID list a list of values."""
    if item_type is ItemType.ID_LIST:
        element = sql_type[: sql_type.rfind("[")] if sql_type.endswith("]") else ""
        return bool(element) and _is_value_type(element)
    return _is_value_type(sql_type)


def _read_parquet(ctx: _Context, file: Path, result: RawResult, chunk_bytes: int) -> None:
    resource = ctx.resource
    source = f"read_parquet({sql_str(str(file))}, file_row_number = true)"
    try:
        described = ctx.con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    except duckdb.Error as exc:
        raise BatchRejected(f"{file.name} is not a readable Parquet file ({exc})",
                            f"文件 {file.name} 不是可读取的 Parquet 文件") from None
    columns = [row[0] for row in described if row[0] != "file_row_number"]
    _csv_header(resource, resource.delimiter.join(columns))
    types = {row[0]: row[1] for row in described}
    wrong = [f"{item.source} is {types[item.source]}" for item in resource.items
             if not _fits(item.type, types[item.source])]
    if wrong:
        raise BatchRejected(f"{file.name}: column type(s) the contract cannot hold: "
                            + "; ".join(wrong) + " (values, or a list of values for ID lists)",
                            f"文件 {file.name} 中列的类型与规范不符：" + "；".join(wrong)
                            + "（应为单个值；身份证号码列表应为值的列表）")
    values = []
    for item in resource.items:
        col = ident(item.source)
        if item.type is ItemType.ID_LIST:
            values.append(f"CAST({col} AS VARCHAR[]) AS {ident(item.name)}")
        else:
            values.append(f"CAST({col} AS VARCHAR) AS {ident(item.name)}")
    record = "to_json(struct_pack(" + ", ".join(
        f"{ident(item.source)} := {ident(item.source)}" for item in resource.items
    ) + "))::VARCHAR"
    _copy_part(
        ctx,
        f"SELECT {_lineage_sql(ctx, file, 'file_row_number + 1')}, NULL::VARCHAR AS _error, "
        f"{record} AS _record, {', '.join(values)} FROM {source}",
        result,
    )
    result.rows += ctx.con.execute(f"SELECT count(*) FROM {source}").fetchall()[0][0]
