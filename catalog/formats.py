"""Bulk-extract encodings, streamed batch by batch: Parquet, CSV (UTF-8 with BOM or GB18030),
Arrow IPC stream. The bytes are hashed as they leave, for the delivery's manifest. CSV text
cells are neutralised against spreadsheet formulas (`catalog.spreadsheet`).

Shared by the sharing API (streamed extracts) and the pipelines (extracts prepared as Dagster
runs), so one format means the same bytes on both paths."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from catalog.spreadsheet import neutralise, safe_schema

__all__ = ["FORMATS", "Encoded", "encode", "encode_then"]

# format -> (media type, file suffix)
FORMATS: dict[str, tuple[str, str]] = {
    "parquet": ("application/vnd.apache.parquet", "parquet"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "csv-gb18030": ("text/csv; charset=gb18030", "csv"),
    "arrow": ("application/vnd.apache.arrow.stream", "arrows"),
}
_BOM = "\ufeff".encode()


class _Chunks(io.RawIOBase):
    """A write-only file whose bytes are taken away after each batch."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._parts.append(bytes(data))
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        out, self._parts = b"".join(self._parts), []
        return out


@dataclass
class Encoded:
    """Running totals of one encoded stream; complete once the iterator is exhausted."""

    rows: int = 0
    bytes: int = 0
    digest: hashlib._Hash = field(default_factory=hashlib.sha256)

    @property
    def sha256(self) -> str:
        return self.digest.hexdigest()


def _writer(fmt: str, sink: _Chunks, schema: pa.Schema):
    if fmt == "parquet":
        return pq.ParquetWriter(sink, schema, compression="zstd")
    if fmt == "arrow":
        return pa.ipc.new_stream(sink, schema)
    return pacsv.CSVWriter(sink, safe_schema(schema))


def encode(reader: pa.RecordBatchReader, fmt: str, totals: Encoded) -> Iterator[bytes]:
    """The encoded bytes of every batch of `reader`, counted and hashed into `totals`."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    sink = _Chunks()

    def out(data: bytes) -> bytes:
        if fmt == "csv-gb18030":
            data = data.decode("utf-8").encode("gb18030")  # batches end on whole characters
        totals.bytes += len(data)
        totals.digest.update(data)
        return data

    if fmt == "csv":
        yield out(_BOM)
    writer = _writer(fmt, sink, reader.schema)
    csv = fmt.startswith("csv")
    for batch in reader:
        writer.write_batch(neutralise(batch) if csv else batch)
        totals.rows += batch.num_rows
        if chunk := sink.take():
            yield out(chunk)
    writer.close()
    if chunk := sink.take():
        yield out(chunk)


def encode_then(reader: pa.RecordBatchReader, fmt: str,
                finish: Callable[[Encoded, bool], None]) -> Iterator[bytes]:
    """`encode`, then — also when the consumer stops early or encoding fails — close the reader
    and call `finish(totals, complete)`, so a download is recorded whole or as aborted."""
    totals = Encoded()
    complete = False
    try:
        yield from encode(reader, fmt, totals)
        complete = True
    finally:
        reader.close()
        finish(totals, complete)
