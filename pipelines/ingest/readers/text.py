"""Text files read as physical lines, in bulk: Python decodes byte chunks, Arrow splits lines.

A broken line (bad bytes, a NUL) is one record marked by U+FFFD and never swallows its
neighbours; CSV and JSON Lines both read through here."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.ingest.delivered import INDEX_SCHEMA, codec_of, kept_path, line_chunks, line_spans
from pipelines.ingest.readers.common import RawResult, ReadContext, relative

__all__ = ["first_line", "index_lines", "line_table", "lines_of", "read_ahead"]


def lines_of(path: Path, encoding: str, chunk_bytes: int) -> Iterator[tuple[int, pa.Array]]:
    """Yield (number of the first line, lines) per chunk of the file.

    Chunks end at a line end (LF, CRLF or a lone CR, as Python's universal newlines read
    them); 0x0A and 0x0D never occur inside a multi-byte character of UTF-8, GBK or GB18030,
    so each chunk decodes on its own. Undecodable bytes become U+FFFD, which marks their
    record.
    """
    codec = codec_of(encoding)
    line_no = 1
    for data in line_chunks(path, chunk_bytes):
        utf8 = _to_utf8(data, codec)
        if line_no == 1:
            utf8 = utf8.removeprefix(codecs.BOM_UTF8)  # a BOM, declared or not, is no data
        lines = _split_lines(utf8)
        yield line_no, lines
        line_no += len(lines)


def read_ahead(chunks: Iterator[tuple[int, pa.Array]]) -> Iterator[tuple[int, pa.Array]]:
    """The chunks of `lines_of`, each next one decoded in a thread while the caller writes this
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
        if _valid_utf8(view[checked:stop]):
            checked = stop
            continue
        try:
            codecs.utf_8_decode(view[checked:stop], "strict", True)
            checked = stop  # (Arrow and Python agree on what is valid; kept as a guard)
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


def _valid_utf8(data: memoryview) -> bool:
    """Whether the bytes are valid UTF-8, checked by Arrow's validator (SIMD; a third of the
    time of Python's decoder, and it builds no string)."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    try:
        pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(data)).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _split_lines(utf8: bytes) -> pa.Array:
    """Lines of a UTF-8 chunk as Arrow strings, built without a Python object per line."""
    if b"\r" in utf8:
        utf8 = utf8.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    end = len(utf8) - 1 if utf8.endswith(b"\n") else len(utf8)
    offsets = pa.py_buffer(np.array([0, end], dtype=np.int32))
    whole = pa.StringArray.from_buffers(1, offsets, pa.py_buffer(utf8))
    return pc.split_pattern(whole, "\n").flatten()


def line_table(first_line: int, lines: pa.Array) -> pa.Table:
    numbers = pa.array(range(first_line, first_line + len(lines)), pa.int64())
    return pa.table({"line_no": numbers, "line": lines})


def first_line(path: Path, encoding: str) -> str:
    """The file's first line as `lines_of` decodes it (a header), reading no further than its
    line end (blocks are searched as they come: a file of one huge line is read once)."""
    codec = codec_of(encoding)
    pieces: list[bytes] = []
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            ends = [i for i in (block.find(b"\n"), block.find(b"\r")) if i >= 0]
            if ends:
                pieces.append(block[: min(ends)])
                break
            pieces.append(block)
    text = _to_utf8(b"".join(pieces), codec).removeprefix(codecs.BOM_UTF8)
    return text.decode("utf-8")


def index_lines(ctx: ReadContext, file: Path, result: RawResult, chunk_bytes: int,
                header: bool) -> None:
    """Index the records of a kept text file: one row per line that is not blank (nor the
    header), with its number and where it lies in the kept file (`pipelines.ingest.delivered`).
    The lines are found in the bytes; nothing is decoded."""
    assert ctx.index is not None
    sha = ctx.kept[file]
    rel = relative(ctx, file)
    for first, offsets, lengths, blank in line_spans(kept_path(ctx.lake, sha),
                                                     ctx.resource.encoding, chunk_bytes):
        numbers = np.arange(first, first + len(offsets), dtype=np.int64)
        record = ~blank
        if header and first == 1:
            record[0] = False  # the header is no record, nor a blank line
            result.blank_lines += int(blank[1:].sum())
        else:
            result.blank_lines += int(blank.sum())
        n = int(record.sum())
        if n == 0:
            continue
        same = pa.array(np.zeros(n, dtype=np.int32))

        def shared(value: str, same: pa.Array = same) -> pa.DictionaryArray:
            return pa.DictionaryArray.from_arrays(same, pa.array([value], pa.string()))

        ctx.index.write_table(pa.table({
            "_batch_id": shared(ctx.delivery.batch_id), "_file": shared(rel),
            "_record_no": numbers[record], "_sha256": shared(ctx.sha256),
            "_error": pa.nulls(n, pa.string()), "_file_sha256": shared(sha),
            "_offset": offsets[record], "_length": lengths[record],
        }, schema=INDEX_SCHEMA))
        result.rows += n
