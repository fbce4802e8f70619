"""The lake's storage rules: where each layer's files live and how they appear atomically.

Files are written under `<lake>/_staging/`, which no reader scans, fsynced, and renamed into
place; a registry row then lists them. A kill at any point leaves either nothing visible or
an unlisted directory that the next run replaces.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from catalog.settings import HubSettings

if TYPE_CHECKING:  # imported where a connection is made: the CLI's light commands need none
    import duckdb

__all__ = ["PASS_COUNTS", "RAW_INDEX", "Lake", "connect", "engine_config", "fsync_path", "fsync_tree",
           "in_home", "parquet_columns", "write_json"]

LAYERS = ("raw", "standardised", "quarantine")
# Beside a batch's accepted file: what the blocking checks need, counted as it was written
# (`pipelines.ingest.standardise` writes it, `quality.folded` reads it).
PASS_COUNTS = "checks.json"
# A text batch's raw record: the index of its lines in the kept delivered files
# (`lake/raw/<table>/<batch>/index.parquet`, written by `pipelines.ingest.delivered`).
RAW_INDEX = "index.parquet"


def engine_config(settings: HubSettings, *, memory_limit: str | None = None) -> dict:
    """How every hub connection is configured: no extension downloads, sized threads and
    memory, and `~` meaning the hub's home, so the analysts' views (`in_home`) read this
    home's files wherever it has been copied or moved."""
    return {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "threads": settings.duckdb_threads,
        "memory_limit": memory_limit or settings.duckdb_memory_limit,
        "home_directory": str(settings.home),
    }


def in_home(settings: HubSettings, path: str | Path) -> str:
    """A file as the analysts' views name it: `~/<path below the home>`, which DuckDB resolves
    against the connection's `home_directory` (never the working directory, unlike a relative
    path); a file outside the home keeps its absolute path."""
    path = Path(path)
    return f"~/{path.relative_to(settings.home).as_posix()}" \
        if path.is_relative_to(settings.home) else str(path)


def connect(
    settings: HubSettings, database: str | Path = ":memory:", *, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection configured as `engine_config` says, with its temporary files in
    the home and times in UTC."""
    import duckdb

    con = duckdb.connect(str(database), read_only=read_only, config=engine_config(settings))
    if not read_only:
        temp = settings.home / "tmp" / "duckdb"
        temp.mkdir(parents=True, exist_ok=True)
        con.execute("SET temp_directory = ?", [str(temp)])
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")  # it would fill run logs with terminal bars
    return con


def parquet_columns(files: Iterable[str | Path]) -> set[str]:
    """The columns any of these Parquet files holds (files read with an older schema revision
    lack the items added since). Each footer is read once per version of its file (a batch
    standardised again is a new file at the same place)."""
    columns = set()
    for f in files:
        info = os.stat(f)
        columns.update(_footer_columns(str(f), info.st_mtime_ns, info.st_size))
    return columns


@functools.lru_cache(maxsize=65536)
def _footer_columns(path: str, _mtime_ns: int, _size: int) -> tuple[str, ...]:
    import pyarrow.parquet as pq

    return tuple(pq.read_schema(path).names)


def fsync_tree(path: Path) -> None:
    """Flush every file below `path` and the directories themselves to disk."""
    for root, _dirs, files in os.walk(path):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_path(Path(root))


def fsync_path(path: Path) -> None:
    """Flush one file, or one directory's entries (a rename is durable once its directory is)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_json(path: Path, document: dict) -> None:
    """Write beside the target, fsync, rename: a reader sees the whole file or none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    try:
        with staged.open("w", encoding="utf-8") as fh:
            json.dump(document, fh, ensure_ascii=False, indent=2, default=str)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(staged, path)
        fsync_path(path.parent)
    finally:
        staged.unlink(missing_ok=True)


class Lake:
    """Paths of the lake's layers and the one way files enter them."""

    def __init__(self, settings: HubSettings) -> None:
        self.root = settings.lake
        self.staging_root = self.root / "_staging"

    def batch_dir(self, layer: str, table: str, batch_id: str) -> Path:
        if layer not in LAYERS:
            raise ValueError(f"unknown layer {layer!r}")
        return self.root / layer / table / batch_id

    @contextmanager
    def staging(self) -> Iterator[Path]:
        """A fresh private directory; whatever is left in it afterwards is removed."""
        path = self.staging_root / uuid.uuid4().hex
        path.mkdir(parents=True)
        try:
            yield path
        finally:
            shutil.rmtree(path, ignore_errors=True)

    def promote(self, staged: Path, final: Path) -> Path:
        """Make a fully written staging directory the final one, durably and atomically.

        An existing `final` can only be a leftover of a killed run that was never listed in
        the registry (listed directories are never rewritten), so it is replaced.
        """
        fsync_tree(staged)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            shutil.rmtree(final)
        os.rename(staged, final)
        fsync_path(final.parent)
        return final

    def clear_staging(self) -> None:
        """Remove what killed runs left in staging (call when no run is in progress)."""
        shutil.rmtree(self.staging_root, ignore_errors=True)
