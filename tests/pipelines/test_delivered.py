"""The delivered file as the raw record (issue 18): the lines found in the undecoded bytes are
the lines the readers decode, and a kept file is written once and read back as delivered."""

from __future__ import annotations

import codecs
import hashlib
import os
import stat

import pyarrow.compute as pc
import pytest

from pipelines.ingest.delivered import (
    delivered_text,
    discard,
    keep,
    keep_files,
    kept_path,
    line_spans,
)
from pipelines.ingest.readers.text import first_line, lines_of

LINES = ["姓名,身份证号", "张三,1", "", "  \t", "\ufeff李四,2", "𠀀王五,3", "x\x00y", "\u3000"]


def _variants():
    for encoding in ("utf-8", "utf-8-sig", "gbk", "gb18030"):
        for newline in ("\n", "\r\n", "\r"):
            for bom in (False, True):
                for end in (True, False):
                    yield encoding, newline, bom, end


@pytest.mark.parametrize(("encoding", "newline", "bom", "end"), list(_variants()))
@pytest.mark.parametrize("chunk", [1, 7, 1 << 20])
def test_lines_in_the_bytes_are_the_lines_decoded(tmp_path, encoding, newline, bom, end, chunk):
    codec = "gb18030" if encoding == "gbk" else encoding
    text = newline.join(LINES) + (newline if end else "")
    data = (codecs.BOM_UTF8 if bom and codec.startswith("utf") else
            "\ufeff".encode(codec) if bom else b"") + text.encode(codec, errors="replace")
    data += b"\xff\xfe bad" + newline.encode()  # an undecodable line
    path = tmp_path / "f"
    path.write_bytes(data)
    decoded = [line for _, lines in lines_of(path, encoding, chunk) for line in lines.to_pylist()]
    spans = list(line_spans(path, encoding, chunk))
    numbers = [first + i for first, offsets, _, _ in spans for i in range(len(offsets))]
    assert numbers == list(range(1, len(decoded) + 1))
    where = [(path, int(o), int(n)) for _, offsets, lengths, _ in spans
             for o, n in zip(offsets, lengths, strict=True)]
    assert delivered_text(encoding, where) == decoded
    blank = [bool(b) for _, _, _, flags in spans for b in flags]
    expected = pc.match_substring_regex(pc.cast(decoded, "string"), r"^\s*$").to_pylist()
    assert blank == expected
    assert first_line(path, encoding) == decoded[0]


def test_a_kept_file_is_written_once_and_reused(tmp_path):
    lake, landing = tmp_path / "lake", tmp_path / "landing"
    landing.mkdir()
    one = landing / "a.csv"
    one.write_bytes(b"h\n1\n")
    sha, new = keep(lake, one)
    assert new and kept_path(lake, sha).read_bytes() == b"h\n1\n"
    again = landing / "b.csv"
    again.write_bytes(b"h\n1\n")
    assert keep(lake, again) == (sha, False)
    assert [p.name for p in (lake / "delivered").iterdir()] == [sha]  # nothing staged is left


def test_a_kept_file_is_a_read_only_copy_the_landing_cannot_change(tmp_path):
    """Not a hard link: a department writing over its landing file in place (as `cp` does)
    changes the landing's bytes, never the raw record's."""
    source = tmp_path / "a.csv"
    source.write_bytes(b"h\n1\n")
    sha, new = keep(tmp_path / "lake", source)
    kept = kept_path(tmp_path / "lake", sha)
    assert new and kept.read_bytes() == b"h\n1\n"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o444
    assert os.stat(kept).st_ino != os.stat(source).st_ino
    with source.open("r+b") as landing:  # in place: same inode
        landing.write(b"X")
    assert kept.read_bytes() == b"h\n1\n"
    assert stat.S_IMODE(source.stat().st_mode) != 0o444  # the landing's own mode untouched


def test_a_batch_is_hashed_as_its_files_are_kept_and_what_it_kept_can_be_discarded(tmp_path):
    """One read of each file gives both hashes: the batch's (over its files in order, as
    `Delivery.sha256`) and each file's; discarding a batch not read removes only what it kept."""
    lake, landing = tmp_path / "lake", tmp_path / "landing"
    landing.mkdir()
    a, b = landing / "a.csv", landing / "b.csv"
    a.write_bytes(b"h\n1\n")
    b.write_bytes(b"h\n2\n")
    assert keep_files(lake, [a]) == (hashlib.sha256(b"h\n1\n").hexdigest(),
                                     {a: (hashlib.sha256(b"h\n1\n").hexdigest(), True)})
    sha, kept = keep_files(lake, [a, b])
    assert sha == hashlib.sha256(b"h\n1\nh\n2\n").hexdigest()
    assert kept == {a: (hashlib.sha256(b"h\n1\n").hexdigest(), False),
                    b: (hashlib.sha256(b"h\n2\n").hexdigest(), True)}
    discard(lake, kept)
    assert [p.name for p in (lake / "delivered").iterdir()] == [kept[a][0]]
