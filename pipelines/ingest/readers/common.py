"""What every format's reader shares: the batch's context, the result, the reason a batch is
rejected whole, and the writing of raw parts (XLSX, Parquet) with their lineage."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from catalog import Resource
from catalog.i18n import Lazy, _
from pipelines.ingest.delivered import WHITE_SPACE
from pipelines.ingest.fields import sql_str
from pipelines.ingest.landing import Delivery, in_both

__all__ = ["LINEAGE", "REPLACEMENT", "BatchRejected", "RawResult", "ReadContext", "blank_filtered",
           "copy_part", "csv_header", "lineage_sql", "listed", "relative"]

LINEAGE = ("_batch_id", "_file", "_record_no", "_sha256")
REPLACEMENT = "\ufffd"  # what undecodable bytes become; such a record is quarantined


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else REPLACEMENT for c in text)


class BatchRejected(Exception):
    """The whole batch breaks the contract. `say` words why in the language of the moment
    (`lazy(...)` from the catalogs, or a function wording it); it is said in English, the exception's text, for the hub's staff and
    the registry, and in Chinese, `zh`, for the department's feedback file (`in_both`).
    A refusal already worded (a refused delivery's) is given as the pair.

    Control characters from the delivery (a NUL in a header, say) are shown as `�`: the
    reason is stored in the registry, and PostgreSQL's text refuses a NUL."""

    def __init__(self, say: Lazy | Callable[[], str] | tuple[str, str]) -> None:
        reason, zh = say if isinstance(say, tuple) else in_both(say)
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
    lake: Path  # where delivered files are kept (`pipelines.ingest.delivered`)
    kept: dict[Path, str] = field(default_factory=dict)  # delivered file → its SHA-256
    index: pq.ParquetWriter | None = None  # text formats: the batch's index of lines


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
    """Column names for a reason, in the language of the moment: an empty one shown as "",
    long ones cut, at most `most` (a file that is not what it claims would otherwise put its
    data in the reason)."""
    shown = [f'"{n}"' if not n else n if len(n) <= 40 else n[:40] + "…" for n in names[:most]]
    rest = len(names) - most
    if rest > 0:
        return _("{names} and {rest} more", names=_(", ").join(shown), rest=rest)
    return _(", ").join(shown)


def csv_header(resource: Resource, header_line: str) -> dict[str, int]:
    """Position of each data item's column; a renamed, missing or unknown column rejects."""
    names = [h.strip().strip('"').strip() for h in header_line.split(resource.delimiter)]
    expected = [item.source for item in resource.items]
    present, counts = set(names), Counter(names)
    missing = [h for h in expected if h not in present]
    unknown = [h for h in names if h not in set(expected)]
    duplicated = sorted(h for h, n in counts.items() if n > 1)
    if missing or unknown or duplicated:
        def problems() -> str:
            said = [_("missing column(s) {columns}", columns=listed(missing)) if missing else "",
                    _("unexpected column(s) {columns}", columns=listed(unknown))
                    if unknown else "",
                    _("repeated column(s) {columns}", columns=listed(duplicated))
                    if duplicated else ""]
            return _("; ").join(s for s in said if s)

        raise BatchRejected(lambda: _(
            "header does not match the contract: {problems} (expected {header})",
            problems=problems(), header=resource.delimiter.join(expected)))
    return {item.name: names.index(item.source) for item in resource.items}


# Lines that can be blank begin with what RE2's `\s` matches, or are empty: only those are
# matched against the pattern (a regular expression over every line cost more than decoding).
_SPACES = pa.array(list(WHITE_SPACE.decode()))


def blank_filtered(table: pa.Table, result: RawResult) -> pa.Table:
    """Whitespace-only lines are no records (counted, not loaded)."""
    line = table["line"]
    first = pc.utf8_slice_codeunits(line, 0, 1)
    maybe = pc.indices_nonzero(pc.fill_null(
        pc.or_(pc.equal(first, ""), pc.is_in(first, value_set=_SPACES)), False))
    if len(maybe) == 0:
        return table
    blank = maybe.filter(pc.match_substring_regex(line.take(maybe), r"^\s*$"))
    if len(blank) == 0:
        return table
    keep = np.ones(table.num_rows, dtype=bool)
    keep[blank.to_numpy()] = False
    result.blank_lines += len(blank)
    return table.filter(pa.array(keep))
