"""Write batches in the contract's formats (CSV in its encoding, JSON Lines, XLSX, Parquet), and
whole-batch breakage (empty, header only, renamed or missing column) for tests.

A large city arrives in slices: each batch file is opened once, every slice's rows are appended
(CSV header once, Parquet through one open writer, XLSX streamed, a new part file every
XLSX_MAX_ROWS rows), and the file is renamed into place when the last slice is in.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from catalog.identifiers import id_check_char, uscc_check_char

from .noise import NoisyTable
from .tables import RESOURCES, Resource, Table
from .xlsx import SheetWriter

__all__ = ["BROKEN_KINDS", "XLSX_MAX_ROWS", "BatchFile", "open_batch", "write_batch", "write_broken_batch"]

XLSX_MAX_ROWS = 1_000_000  # docs/contract.md: a sheet holds at most 1,000,000 rows
BROKEN_KINDS = ("empty", "header_only", "renamed_column", "missing_column")
_PARQUET_TYPES = {"co_owner_id_numbers": pa.list_(pa.string()), "area_m2": pa.float64(), "register_date": pa.date32()}
_SHEET = "养老金发放"


class BatchFile(ABC):
    """One batch being delivered: written as `<batch>.<ext>.part` (as departments do), appended
    to slice by slice, renamed into place by `close`."""

    def __init__(self, resource: Resource, batch_id: str, landing: Path):
        self.resource, self.batch_id = resource, batch_id
        self.folder = landing / resource.code
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / f"{batch_id}.{resource.ext}"
        self.staging = self.path.with_name(self.path.name + ".part")
        self.records = 0

    def append(self, noisy: NoisyTable) -> None:
        self._write(noisy)
        self.records += len(noisy.table)

    def close(self) -> list[tuple[Path, int]]:
        """Finish the file(s); (path, delivered records) per file."""
        self._finish()
        return self._place()

    def _place(self) -> list[tuple[Path, int]]:
        os.replace(self.staging, self.path)
        return [(self.path, self.records)]

    @abstractmethod
    def _write(self, noisy: NoisyTable) -> None: ...

    @abstractmethod
    def _finish(self) -> None: ...


class _TextFile(BatchFile):
    def __init__(self, resource: Resource, batch_id: str, landing: Path):
        super().__init__(resource, batch_id, landing)
        self._fh = open(self.staging, "wb")  # noqa: SIM115 - open across slices, closed in _finish
        self._first = True

    def _write(self, noisy: NoisyTable) -> None:
        data = _csv_bytes(noisy, self._first) if self.resource.fmt == "csv" else _jsonl_bytes(noisy.table)
        self._fh.write(data)
        self._first = False

    def _finish(self) -> None:
        self._fh.close()


class _ParquetFile(BatchFile):
    def __init__(self, resource: Resource, batch_id: str, landing: Path):
        super().__init__(resource, batch_id, landing)
        self._schema = pa.schema([(c, _PARQUET_TYPES.get(c, pa.string())) for c in resource.columns])
        self._writer = pq.ParquetWriter(self.staging, self._schema)

    def _write(self, noisy: NoisyTable) -> None:
        t = noisy.table
        arrays = [pa.array(t.data[c].tolist(), type=self._schema.field(c).type) for c in t.resource.columns]
        self._writer.write_table(pa.Table.from_arrays(arrays, schema=self._schema))

    def _finish(self) -> None:
        self._writer.close()


class _XlsxFile(BatchFile):
    """One workbook, or `<batch>/part-<k>.xlsx` when the batch outgrows XLSX_MAX_ROWS rows."""

    def __init__(self, resource: Resource, batch_id: str, landing: Path):
        super().__init__(resource, batch_id, landing)
        self.staging = self.folder / f"{batch_id}.part"  # a directory, ignored by the hub while written
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging.mkdir()
        self._parts: list[int] = []
        self._sheet: SheetWriter | None = None

    def _write(self, noisy: NoisyTable) -> None:
        t = noisy.table
        rows = list(zip(*(t.data[c] for c in t.resource.columns)))
        while rows or self._sheet is None:
            if self._sheet is None or self._sheet.rows >= XLSX_MAX_ROWS:
                self._next_part()
            room = XLSX_MAX_ROWS - self._sheet.rows
            self._sheet.append(rows[:room])
            self._parts[-1] = self._sheet.rows
            rows = rows[room:]

    def _next_part(self) -> None:
        if self._sheet is not None:
            self._sheet.close()
        self._parts.append(0)
        self._sheet = SheetWriter(self.staging / f"part-{len(self._parts)}.xlsx", _SHEET, self.resource.columns)

    def _finish(self) -> None:
        if self._sheet is not None:
            self._sheet.close()

    def _place(self) -> list[tuple[Path, int]]:
        target = self.folder / self.batch_id
        if len(self._parts) == 1:
            shutil.rmtree(target, ignore_errors=True)  # a regenerated city must not hold the batch twice
            os.replace(self.staging / "part-1.xlsx", self.path)
            self.staging.rmdir()
            return [(self.path, self._parts[0])]
        shutil.rmtree(target, ignore_errors=True)
        self.path.unlink(missing_ok=True)
        os.replace(self.staging, target)
        return [(target / f"part-{k}.xlsx", n) for k, n in enumerate(self._parts, 1)]


def open_batch(resource: Resource, batch_id: str, landing: Path) -> BatchFile:
    """Start writing a batch under landing/<resource>/."""
    kind = {"csv": _TextFile, "jsonl": _TextFile, "parquet": _ParquetFile, "xlsx": _XlsxFile}[resource.fmt]
    return kind(resource, batch_id, landing)


def write_batch(noisy: NoisyTable, landing: Path) -> list[tuple[Path, int]]:
    """Write one whole batch under landing/<resource>/; returns (path, delivered records) per file."""
    batch = open_batch(noisy.table.resource, noisy.table.batch_id, landing)
    batch.append(noisy)
    return batch.close()


def _csv_bytes(noisy: NoisyTable, header: bool) -> bytes:
    """The batch's lines (after line-level damage), with the header when it starts the file."""
    t, r = noisy.table, noisy.table.resource
    delim = r.delimiter
    columns = []
    for c in r.columns:
        values = t.data[c]
        if c in r.amounts and delim == ",":  # thousands separators need quoting
            values = [f'"{v}"' if "," in v else v for v in values]
        columns.append(values)
    lines = [delim.join(row) for row in zip(*columns)]
    for i, kind in noisy.line_noise.items():
        lines[i] = _damaged(lines[i], kind, delim, i)
    if noisy.truncate_last and lines:  # cut before the last delimiter: the line is short of fields
        lines[-1] = lines[-1][: min(len(lines[-1]) // 2, lines[-1].rfind(delim))]
    text = (delim.join(r.columns) + "\n" if header else "") + "".join(line + "\n" for line in lines)
    if noisy.truncate_last and lines:
        text = text[:-1]
    # A byte-order mark starts the file, not each slice appended to it.
    data = text.encode(r.encoding if header or r.encoding != "utf-8-sig" else "utf-8")
    if "csv_invalid_bytes" in noisy.line_noise.values():
        data = data.replace(b"\x00", b"\xff")  # the placeholder becomes a byte no codec accepts
    return data


def _damaged(line: str, kind: str, delim: str, i: int) -> str:
    fields = line.split(delim)
    if kind == "csv_field_count":
        if i % 2 == 0:
            return line + delim + "备注"
        # Drop the last field whole: a quoted "8,500.00" cut at its comma would leave a stray
        # quote, a different fault from the one counted.
        return line[: line.rfind('"', 0, len(line) - 1) - 1] if line.endswith('"') else delim.join(fields[:-1])
    if kind == "csv_unbalanced_quote":
        fields[1] = '"' + fields[1]
        return delim.join(fields)
    middle = len(line) // 2
    return line[:middle] + "\x00" + line[middle:]


def _jsonl_bytes(t: Table) -> bytes:
    columns = t.resource.columns
    nested = [c.split(".", 1) if "." in c else None for c in columns]
    lines = []
    for row in zip(*(t.data[c] for c in columns)):
        obj: dict = {}
        for c, split, v in zip(columns, nested, row):
            if split:
                obj.setdefault(split[0], {})[split[1]] = v
            else:
                obj[c] = v
        lines.append(json.dumps(obj, ensure_ascii=False))
    return "".join(line + "\n" for line in lines).encode("utf-8")


# --- whole-batch breakage ------------------------------------------------------------------------
_RENAMES = {"公民身份号码": "身份证号码", "身份证号": "证件号码", "申请人身份证号": "申请人证件号", "成员身份证号": "成员证件号"}


def write_broken_batch(landing: Path, resource_code: str, kind: str, batch_id: str) -> Path:
    """A batch the hub must reject whole: `empty` (0 bytes), `header_only`, `renamed_column` or
    `missing_column` (the first ID column renamed or dropped, with three valid records).

    JSON Lines has no header, so `header_only` is refused for wj.deaths and sj.enterprises.
    """
    if kind not in BROKEN_KINDS:
        raise ValueError(f"kind must be one of {BROKEN_KINDS}")
    resource = RESOURCES[resource_code]
    path = landing / resource_code / f"{batch_id}.{resource.ext}"
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "empty":
        part = path.with_name(path.name + ".part")
        part.write_bytes(b"")
        os.replace(part, path)
        return path
    if kind == "header_only" and resource.fmt == "jsonl":
        raise ValueError("JSON Lines files have no header")
    table = _sample_table(resource, batch_id, rows=0 if kind == "header_only" else 3)
    if kind in ("renamed_column", "missing_column"):
        column = resource.id_cols[0]
        if kind == "renamed_column":
            new = _RENAMES.get(column, column.replace("id_number", "idcard"))
            columns = tuple(new if c == column else c for c in resource.columns)
            data = {new if c == column else c: v for c, v in table.data.items()}
        else:
            columns = tuple(c for c in resource.columns if c != column)
            data = {c: v for c, v in table.data.items() if c != column}
        table = Table(dataclasses.replace(resource, columns=columns), batch_id, data, table.protected)
    return write_batch(NoisyTable(table), landing)[0][0]


def _sample_table(resource: Resource, batch_id: str, rows: int) -> Table:
    """A few valid records of any resource (for the broken-batch helper)."""
    ids = [f"44130219850{k + 1}0112{k}" for k in range(rows)]
    ids = [i + id_check_char(i) for i in ids]
    uscc = [f"92441302MA5{k}0000{k}X" for k in range(rows)]
    uscc = [u[:17] + uscc_check_char(u[:17]) for u in uscc]
    values = {
        "ga.population": lambda k: [ids[k], "张伟", "男", ids[k][6:14], "汉族", "12345678" + str(k), "户主", "441302", "惠州市惠城区江北街道人民路1号", "正常", "", ""],
        "ga.vehicles": lambda k: [f"粤L1234{k}", ids[k], "张伟", "小型汽车", "比亚迪", "2020-05-01", "正常"],
        "wj.deaths": lambda k: [f"Q4413022600000{k}", ids[k], "张伟", "男", "2026-03-14", "医院", "441302"],
        "rs.social_insurance": lambda k: [ids[k], "张伟", uscc[k], "惠州市华兴贸易有限公司", "养老", "202610", "6000.00"],
        "rs.pensions": lambda k: [ids[k], "张伟", "企业职工养老", 3200.0, "201801", "正常发放"],
        "gjj.deposits": lambda k: [f"44130000000{k}", ids[k], "张伟", "惠州市华兴贸易有限公司", "60000", "1200000", "202610", "正常"],
        "zr.real_estate": lambda k: [f"粤(2020)惠州市不动产权第000000{k}号", ids[k], "张伟", [], "住宅", 89.5, "惠州市惠城区江北街道人民路1号", "441302", dt.date(2020, 5, 1), "现势"],
        "sj.enterprises": lambda k: [uscc[k], "惠州市华兴贸易有限公司", "有限责任公司", "张伟", ids[k], 50.0, "存续", "2019-05-20", "441302"],
        "mz.recipients": lambda k: [f"DB44130200000{k}", "低保", ids[k], "张伟", "441302", "1", "600.00", "202401", "在保"],
        "mz.members": lambda k: [f"DB44130200000{k}", ids[k], "张伟", "本人"],
    }[resource.code]
    records = [values(k) for k in range(rows)]
    data = {}
    for j, c in enumerate(resource.columns):
        column = np.empty(rows, dtype=object)
        for i, record in enumerate(records):
            column[i] = record[j]
        data[c] = column
    return Table(resource, batch_id, data, np.ones(rows, dtype=bool))
