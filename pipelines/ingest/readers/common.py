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


class BatchRejected(Exception):
    """The whole batch breaks the contract; the reason is shown to the department.

    Control characters from the delivery (a NUL in a header, say) are shown as `�`: the
    reason is stored in the registry, and PostgreSQL's text refuses a NUL."""

    def __init__(self, reason: str) -> None:
        super().__init__("".join(c if c.isprintable() else REPLACEMENT for c in reason))


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


def listed(names: list[str], most: int = 5) -> str:
    """Column names for a reason: an empty one shown as "", long ones cut, at most `most`
    (a file that is not what it claims would otherwise put its data in the reason)."""
    shown = [f'"{n}"' if not n else n if len(n) <= 40 else n[:40] + "…" for n in names[:most]]
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return ", ".join(shown) + more


def csv_header(resource: Resource, header_line: str) -> dict[str, int]:
    """Position of each data item's column; a renamed, missing or unknown column rejects."""
    names = [h.strip().strip('"').strip() for h in header_line.split(resource.delimiter)]
    expected = [item.source for item in resource.items]
    present, counts = set(names), Counter(names)
    missing = [h for h in expected if h not in present]
    unknown = [h for h in names if h not in set(expected)]
    duplicated = sorted(h for h, n in counts.items() if n > 1)
    problems = []
    if missing:
        problems.append(f"missing column(s) {listed(missing)}")
    if unknown:
        problems.append(f"unexpected column(s) {listed(unknown)}")
    if duplicated:
        problems.append(f"repeated column(s) {listed(duplicated)}")
    if problems:
        raise BatchRejected(
            "header does not match the contract: " + "; ".join(problems)
            + f" (expected {resource.delimiter.join(expected)})"
        )
    return {item.name: names.index(item.source) for item in resource.items}


def blank_filtered(table: pa.Table, result: RawResult) -> pa.Table:
    """Whitespace-only lines are no records (counted, not loaded)."""
    blank = pc.match_substring_regex(table["line"], r"^\s*$")
    kept = table.filter(pc.invert(blank))
    result.blank_lines += table.num_rows - kept.num_rows
    return kept
