"""Reading an extract as it streams: Arrow record batches decoded straight from the response
while its SHA-256 is computed, then the whole checked against the delivery's manifest."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator

import httpx
import pyarrow as pa

from hubclient.errors import ManifestMismatch

__all__ = ["HashingStream", "check_manifest", "read_arrow"]


class HashingStream(io.RawIOBase):
    """A response body as a file pyarrow can read; counts and hashes what passes through."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""
        self.sha256 = hashlib.sha256()
        self.bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self.sha256.update(chunk)
            self.bytes += len(chunk)
            self._pending = chunk
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size



def read_arrow(response: httpx.Response) -> tuple[pa.Table | None, HashingStream]:
    """The Arrow IPC stream of `response` as a table, batch by batch, and what was hashed;
    None for a body that is no valid Arrow stream (the manifest then says why)."""
    body = HashingStream(response.iter_bytes())
    buffered = io.BufferedReader(body, 1 << 20)  # whole reads: Arrow takes a short one as EOF
    try:
        with pa.ipc.open_stream(buffered) as reader:
            table = reader.read_all()
    except (pa.ArrowInvalid, OSError):
        table = None
    while buffered.read(1 << 20):  # what follows the stream's end is hashed too
        pass
    return table, body


def check_manifest(manifest: dict, table: pa.Table | None, body: HashingStream) -> None:
    """Raise `ManifestMismatch` unless the delivery is complete and matches what was read."""
    problems = []
    if manifest.get("status") != "complete":
        problems.append(f"status is {manifest.get('status')}")
    if manifest.get("sha256") != body.sha256.hexdigest():
        problems.append("SHA-256 differs")
    if manifest.get("bytes") != body.bytes:
        problems.append(f"{body.bytes} bytes received, {manifest.get('bytes')} sent")
    if table is None:
        problems.append("not a valid Arrow stream")
    elif manifest.get("rows") != table.num_rows:
        problems.append(f"{table.num_rows} rows read, {manifest.get('rows')} sent")
    if problems:
        raise ManifestMismatch(str(manifest.get("id")), problems)
