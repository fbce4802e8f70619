"""The delivered file is the raw record (issue 18): kept write-once under its SHA-256 in the
lake (`delivered/<sha256>`), with a small index per batch that finds each record in it.

A text delivery (CSV, JSON Lines) is not copied record by record into the lake: the raw step
keeps the file (a copy, hashed as it is written), checks
what rejects a batch whole, and writes `index.parquet` beside where the raw parts were — batch,
file, line number, the batch's and the file's SHA-256, the byte offset and length of the line in
the kept file. The standardised step then reads each kept file once (`pipelines.ingest.onepass`).

Offsets come from the undecoded bytes: 0x0A and 0x0D never occur inside a multi-byte character
of UTF-8, GBK or GB18030, so a line found in the bytes is the line `readers.text.lines_of`
decodes, in the same order and with the same number.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa

from catalog.lake import RAW_INDEX, fsync_path

__all__ = ["INDEX", "INDEX_SCHEMA", "KEPT", "WHITE_SPACE", "codec_of", "delivered_text", "discard",
           "find_kept", "keep", "keep_files", "kept_path", "line_chunks", "line_spans"]

KEPT = "delivered"  # lake/delivered/<sha256>: every delivered file, once
INDEX = RAW_INDEX
# The values one file shares (batch, file, hashes) are dictionary-encoded: a few bytes a row.
_SHARED = pa.dictionary(pa.int32(), pa.string())
INDEX_SCHEMA = pa.schema([
    ("_batch_id", _SHARED), ("_file", _SHARED), ("_record_no", pa.int64()),
    ("_sha256", _SHARED), ("_error", pa.string()), ("_file_sha256", _SHARED),
    ("_offset", pa.int64()), ("_length", pa.int64()),
])
_BLOCK = 8 * 1024 * 1024


def kept_path(lake: Path, sha256: str) -> Path:
    return lake / KEPT / sha256


def keep(lake: Path, file: Path, also: hashlib._Hash | None = None) -> tuple[str, bool]:
    """Keep a copy of `file` under its SHA-256 in the lake, write-once: (the SHA-256, whether
    this call kept it; False when it was kept before). `also`, a digest, is fed the same bytes
    (a batch's hash over several files), so the file is read once.

    A copy, never a hard link: a link would share the landing file's bytes, which a department
    (or `cp` over it) can still change in place; the kept file must stay as it was read. The
    copy is hashed as it is written, made read-only, fsynced and renamed into place."""
    folder = lake / KEPT
    folder.mkdir(parents=True, exist_ok=True)
    staged = folder / f".{uuid.uuid4().hex}"
    try:
        digest = hashlib.sha256()
        with file.open("rb") as src, staged.open("wb") as dst:
            while block := src.read(_BLOCK):
                digest.update(block)
                if also is not None:
                    also.update(block)
                dst.write(block)
            dst.flush()
            os.fsync(dst.fileno())
        staged.chmod(0o444)
        sha = digest.hexdigest()
        target = kept_path(lake, sha)
        if target.exists():
            return sha, False
        os.replace(staged, target)
        fsync_path(folder)
        return sha, True
    finally:
        staged.unlink(missing_ok=True)


def keep_files(lake: Path, files: list[Path]) -> tuple[str, dict[Path, tuple[str, bool]]]:
    """Keep every file of a batch (`keep`), each read once: (the batch's SHA-256 over the files'
    bytes in order, as `landing.Delivery.sha256` computes it; each file → its SHA-256 and
    whether this call kept it). One file's hash is the batch's."""
    batch = hashlib.sha256() if len(files) != 1 else None
    kept = {file: keep(lake, file, batch) for file in files}
    return (batch.hexdigest() if batch is not None else kept[files[0]][0]), kept


def discard(lake: Path, kept: dict[Path, tuple[str, bool]]) -> None:
    """Remove the files `keep_files` kept for a batch that is not read after all (a duplicate,
    a file merely touched, a batch rejected whole); files kept before stay."""
    for sha, new in kept.values():
        if new:
            kept_path(lake, sha).unlink(missing_ok=True)


def find_kept(raw_dir: Path, sha256: str) -> Path:
    """The kept file of a batch's index: in the lake holding `raw_dir` (`<lake>/raw/<table>/
    <batch>`), or beside a raw directory written outside a lake (tools, tests)."""
    for folder in (raw_dir, *list(raw_dir.parents)[:3]):
        if (path := kept_path(folder, sha256)).exists():
            return path
    raise FileNotFoundError(f"no kept file {sha256} for {raw_dir}")


def codec_of(encoding: str) -> str:
    """The codec a delivery is decoded with: GB 18030 is a superset of GBK, so GBK (and GB 2312)
    deliveries are decoded as GB 18030 and lose nothing."""
    return "gb18030" if encoding.lower() in {"gbk", "gb2312", "gb18030"} else encoding


def _bom(encoding: str) -> bytes:
    """The bytes of a byte-order mark at the start of a file, which `lines_of` drops."""
    name = codecs.lookup(codec_of(encoding)).name
    return codecs.BOM_UTF8 if name in {"utf-8", "utf-8-sig"} else "\ufeff".encode(name)


# What RE2's `\s` matches (`readers.common.blank_filtered`): a line of these only is blank.
WHITE_SPACE = b" \t\n\r\x0c"
_WHITE = np.zeros(256, dtype=bool)
_WHITE[list(WHITE_SPACE)] = True


def line_spans(path: Path, encoding: str, chunk_bytes: int
               ) -> Iterator[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
    """Yield (number of the first line, offsets, lengths, blank) per chunk of the file: the
    lines `readers.text.lines_of` yields (LF, CRLF or a lone CR ends one; a BOM is no data),
    found in the undecoded bytes."""
    bom = _bom(encoding)
    line_no, base = 1, 0
    for data in line_chunks(path, chunk_bytes):
        skip = len(bom) if line_no == 1 and data.startswith(bom) else 0
        starts, lengths, blank = _spans(data, skip)
        yield line_no, starts + base, lengths, blank
        line_no += len(starts)
        base += len(data)


def line_chunks(path: Path, chunk_bytes: int) -> Iterator[bytes]:
    """The file's bytes in chunks of about `chunk_bytes`, each ending at a line end (LF, CRLF
    or a lone CR, as Python's universal newlines read them), the last at the end of the file:
    how both the index (`line_spans`) and the decoding (`readers.text.lines_of`) cut a file,
    so they number its lines alike."""
    carry = b""
    with path.open("rb") as fh:
        while block := fh.read(chunk_bytes):
            # A CR that ends the block may be the first half of a CRLF, so it is cut at only
            # once the next block is read.
            cut = max(block.rfind(b"\n"), block.rfind(b"\r", 0, len(block) - 1))
            if cut < 0:
                carry += block
                continue
            view = memoryview(block)
            yield b"".join((carry, view[: cut + 1]))  # the chunk, copied once
            carry = bytes(view[cut + 1 :])
    if carry:
        yield carry


def _spans(data: bytes, skip: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Offsets, lengths and blankness of the lines of one chunk (it ends at a line end, or at
    the end of the file)."""
    a = np.frombuffer(data, dtype=np.uint8)
    n = len(a)
    ends = np.flatnonzero(a == 10)  # the terminator of each line
    stops = ends.copy()
    if data.find(b"\r") >= 0:  # (most files have LF line ends only: one search tells)
        cr = np.flatnonzero(a == 13)
        lone_cr = cr[(cr + 1 >= n) | (a[np.minimum(cr + 1, n - 1)] != 10)]
        ends = np.sort(np.concatenate([ends, lone_cr]))
        stops = ends.copy()
        if len(ends):
            crlf = (a[ends] == 10) & (ends > 0) & (a[np.maximum(ends - 1, 0)] == 13)
            stops[crlf] -= 1
    starts = np.concatenate([[skip], ends[:-1] + 1]) if len(ends) else np.array([skip])
    if not len(ends) or ends[-1] != n - 1:  # the last line of a file with no line end
        starts = np.concatenate([starts, [ends[-1] + 1]]) if len(ends) else starts
        stops = np.concatenate([stops, [n]])
    starts = starts.astype(np.int64)
    lengths = (stops - starts).astype(np.int64)
    # Blank lines are few: only a line that is empty or begins with white space is looked at.
    first = a[np.minimum(starts, n - 1)] if n else np.zeros(0, dtype=np.uint8)
    blank = lengths == 0
    for i in np.flatnonzero(~blank & _WHITE[first]):
        blank[i] = not data[starts[i]:stops[i]].strip(WHITE_SPACE)
    return starts, lengths, blank


def delivered_text(encoding: str, spans: list[tuple[Path, int, int]]) -> list[str]:
    """The text of lines of kept files, given (kept file, offset, length): each decoded as
    `lines_of` decodes it (undecodable bytes as U+FFFD)."""
    codec = codec_of(encoding)
    if codecs.lookup(codec).name in {"utf-8", "utf-8-sig"}:
        codec = "utf-8"  # `utf-8-sig` would drop a U+FEFF that begins a line: it is data there
    texts = []
    opened: dict[Path, int] = {}
    try:
        for path, offset, length in spans:
            if path not in opened:
                opened[path] = os.open(path, os.O_RDONLY)
            texts.append(os.pread(opened[path], length, offset).decode(codec, errors="replace"))
    finally:
        for fd in opened.values():
            os.close(fd)
    return texts
