"""What every format's reader shares: the batch's context, the result, the reason a batch is
rejected whole, and the writing of raw parts with their lineage."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from catalog import Resource
from pipelines.ingest.fields import sql_str
from pipelines.ingest.landing import Delivery

__all__ = ["LINEAGE", "REPLACEMENT", "BatchRejected", "RawResult", "ReadContext", "blank_filtered",
           "copy_part", "csv_header", "lineage_sql", "listed", "relative"]

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
class ReadContext:
    """One delivery being read: where its parts go and what they are checked against."""

    con: duckdb.DuckDBPyConnection
    resource: Resource
    delivery: Delivery
    sha256: str
    landing: Path
    out: Path


def copy_part(ctx: ReadContext, select_sql: str, result: RawResult) -> None:
    part = ctx.out / f"part-{result.parts:05d}.parquet"
    ctx.con.execute(
        f"COPY ({select_sql}) TO {sql_str(str(part))} (FORMAT parquet, COMPRESSION snappy)"
    )
    result.parts += 1


def relative(ctx: ReadContext, file: Path) -> str:
    return str(file.relative_to(ctx.landing)) if file.is_relative_to(ctx.landing) else str(file)


def lineage_sql(ctx: ReadContext, file: Path, record_no: str) -> str:
    rel = relative(ctx, file)
    return (
        f"{sql_str(ctx.delivery.batch_id)} AS _batch_id, {sql_str(rel)} AS _file, "
        f"{record_no} AS _record_no, {sql_str(ctx.sha256)} AS _sha256"
    )


def listed(names: list[str], most: int = 5, *, zh: bool = False) -> str:
    """Column names for a reason: an empty one shown as "", long ones cut, at most `most`
    (a file that is not what it claims would otherwise put its data in the reason)."""
    shown = [f'"{n}"' if not n else n if len(n) <= 40 else n[:40] + "…" for n in names[:most]]
    rest = len(names) - most
    if zh:
        return "、".join(shown) + (f" 等 {len(names)} 个" if rest > 0 else "")
    return ", ".join(shown) + (f" and {rest} more" if rest > 0 else "")


def csv_header(resource: Resource, header_line: str) -> dict[str, int]:
    """Position of each data item's column; a renamed, missing or unknown column rejects."""
    names = [h.strip().strip('"').strip() for h in header_line.split(resource.delimiter)]
    expected = [item.source for item in resource.items]
    present, counts = set(names), Counter(names)
    missing = [h for h in expected if h not in present]
    unknown = [h for h in names if h not in set(expected)]
    duplicated = sorted(h for h, n in counts.items() if n > 1)
    problems, zh = [], []
    if missing:
        problems.append(f"missing column(s) {listed(missing)}")
        zh.append(f"缺少列 {listed(missing, zh=True)}")
    if unknown:
        problems.append(f"unexpected column(s) {listed(unknown)}")
        zh.append(f"多出列 {listed(unknown, zh=True)}（列名被改动或不在规范内）")
    if duplicated:
        problems.append(f"repeated column(s) {listed(duplicated)}")
        zh.append(f"列 {listed(duplicated, zh=True)} 重复出现")
    if problems:
        raise BatchRejected(
            "header does not match the contract: " + "; ".join(problems)
            + f" (expected {resource.delimiter.join(expected)})",
            "表头与数据规范不符：" + "；".join(zh) + f"（应为 {resource.delimiter.join(expected)}）",
        )
    return {item.name: names.index(item.source) for item in resource.items}


def blank_filtered(table: pa.Table, result: RawResult) -> pa.Table:
    """Whitespace-only lines are no records (counted, not loaded)."""
    blank = pc.match_substring_regex(table["line"], r"^\s*$")
    kept = table.filter(pc.invert(blank))
    result.blank_lines += table.num_rows - kept.num_rows
    return kept
