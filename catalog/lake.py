"""The lake's storage rules: where each layer's files live and how they appear atomically.

Files are written under `<lake>/_staging/`, which no reader scans, fsynced, and renamed into
place; a registry row then lists them. A kill at any point leaves either nothing visible or
an unlisted directory that the next run replaces.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from catalog.settings import HubSettings

__all__ = ["PASS_COUNTS", "Lake", "connect", "fsync_path", "fsync_tree"]

LAYERS = ("raw", "standardised", "quarantine")
# Beside a batch's accepted file: what the blocking checks need, counted as it was written
# (`pipelines.ingest.standardise` writes it, `quality.folded` reads it).
PASS_COUNTS = "checks.json"


def connect(
    settings: HubSettings, database: str | Path = ":memory:", *, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection configured explicitly: no extension downloads, sized threads/memory."""
    config = {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "threads": settings.duckdb_threads,
        "memory_limit": settings.duckdb_memory_limit,
    }
    con = duckdb.connect(str(database), read_only=read_only, config=config)
    if not read_only:
        temp = settings.home / "tmp" / "duckdb"
        temp.mkdir(parents=True, exist_ok=True)
        con.execute("SET temp_directory = ?", [str(temp)])
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")  # it would fill run logs with terminal bars
    return con


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
