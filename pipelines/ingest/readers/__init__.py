"""Delivered files → the raw layer: every record as delivered, with lineage.

Every delivered file is kept write-once under its SHA-256 (`pipelines.ingest.delivered`).
Text deliveries (CSV, JSON Lines) are their own raw record: the raw step checks what rejects a
batch whole (the header, the JSON fields of the first chunk) and writes an index of the lines
(`index.parquet`), and the standardised step reads each kept file once
(`pipelines.ingest.onepass`). XLSX and Parquet deliveries, small and already structured, are
still copied into a raw part with their fields (`part-*.parquet`), which the standardised step
reads.

One module per format (`csv`, `jsonl`, `xlsx`, `parquet`), each a `read` function, behind
one map, `READERS`; what they share is in `common` and, for text formats, `text`.

Text formats are read as physical lines, so a broken line (bad bytes, wrong field count,
unbalanced quote, malformed JSON) is one record with an `_error` and never swallows its
neighbours. Decoding and splitting run in bulk: Python decodes byte chunks, Arrow splits
lines, DuckDB splits fields.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from catalog import Resource, SourceFormat
from catalog.i18n import lazy
from pipelines.ingest.delivered import INDEX, INDEX_SCHEMA, keep, kept_path
from pipelines.ingest.landing import Delivery
from pipelines.ingest.readers import csv, jsonl, parquet, xlsx
from pipelines.ingest.readers.common import BatchRejected, RawResult, ReadContext

__all__ = ["READERS", "BatchRejected", "RawResult", "write_raw"]

Reader = Callable[[ReadContext, Path, RawResult, int], None]
READERS: dict[SourceFormat, Reader] = {
    SourceFormat.CSV: csv.read,
    SourceFormat.JSONL: jsonl.read,
    SourceFormat.XLSX: xlsx.read,
    SourceFormat.PARQUET: parquet.read,
}


def write_raw(
    con: duckdb.DuckDBPyConnection,
    resource: Resource,
    delivery: Delivery,
    sha256: str,
    landing: Path,
    out: Path,
    chunk_bytes: int,
    lake: Path | None = None,
    kept: dict[Path, tuple[str, bool]] | None = None,
) -> RawResult:
    """Write the raw layer of one delivery into `out` (a staging directory), its files kept in
    `lake` (beside `out` when not given: tools and tests writing outside a lake); `kept` gives
    the files `delivered.keep_files` kept already. A batch rejected whole keeps none of the
    files it brought."""
    if delivery.refused:
        raise BatchRejected((delivery.refused, delivery.refused_zh))
    if delivery.unexpected:
        names = ", ".join(p.name for p in delivery.unexpected)
        raise BatchRejected(lazy("unexpected file type for a {format} resource: {names}",
                                 format=resource.format, names=names))
    if not delivery.files:
        raise BatchRejected(lazy("the batch holds no files"))
    lake = lake or out.parent
    text = resource.format in (SourceFormat.CSV, SourceFormat.JSONL)
    index = pq.ParquetWriter(out / INDEX, INDEX_SCHEMA) if text else None
    ctx = ReadContext(con, resource, delivery, sha256, landing, out, lake,
                      {file: sha for file, (sha, _) in (kept or {}).items()}, index)
    kept_now = [sha for sha, new in (kept or {}).values() if new]
    try:
        result = _read(ctx, chunk_bytes, kept_now)
    except BaseException:
        for sha in kept_now:
            kept_path(lake, sha).unlink(missing_ok=True)
        raise
    finally:
        if index is not None:
            index.close()
    return result


def _read(ctx: ReadContext, chunk_bytes: int, kept_now: list[str]) -> RawResult:
    resource, delivery = ctx.resource, ctx.delivery
    result = RawResult()
    for file in delivery.files:
        if file.stat().st_size == 0:
            raise BatchRejected(lazy("{name} is empty", name=file.name))
        if file not in ctx.kept:
            sha, new = keep(ctx.lake, file)
            ctx.kept[file] = sha
            if new:
                kept_now.append(sha)
        reader = READERS[resource.format]
        rows_before = result.rows
        try:
            reader(ctx, file, result, chunk_bytes)
        except (duckdb.IOException, duckdb.OutOfMemoryException):
            raise  # the hub's disk or memory, not the delivery
        except duckdb.Error as exc:  # the file's content broke a cast or the Parquet reader
            raise BatchRejected(lazy("{name} could not be read: {error}", name=file.name,
                                     error=_first_line(exc))) from None
        if result.rows == rows_before:
            raise BatchRejected(lazy("{name} holds no records", name=file.name))
    return result


def _first_line(exc: Exception, limit: int = 300) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= limit else text[:limit] + "…"
