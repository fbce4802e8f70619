"""Read-only access to the analysts' DuckDB database for point lookups (verification).

The database is rebuilt elsewhere and renamed into place. DuckDB caches open database files
per path within a process, so a plain reconnect would keep reading the replaced file; each
generation of the file is instead attached, read-only, to a fresh in-memory connection.
Every thread uses its own cursor.
"""

from __future__ import annotations

import os
import threading

import duckdb

from catalog import HubSettings
from catalog.i18n import _
from catalog.lake import engine_config
from exchange.errors import ApiError

__all__ = ["LakeReader"]


class LakeReader:
    """Cursors on the current analysts' database, reopened when the file is replaced."""

    def __init__(self, settings: HubSettings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._generation: tuple[tuple[int, int], duckdb.DuckDBPyConnection] | None = None
        self._local = threading.local()

    def _open(self) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(":memory:", config=engine_config(self._settings))
        con.execute("ATTACH ? AS hub (READ_ONLY)", [str(self._settings.analyst_db)])
        con.execute("SET TimeZone = 'UTC'")
        return con

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor on the newest published generation (`USE hub` is set)."""
        try:
            info = os.stat(self._settings.analyst_db)
        except FileNotFoundError:
            raise ApiError(503, "unavailable", _("Nothing has been published yet.")) from None
        key = (info.st_ino, info.st_mtime_ns)
        with self._lock:
            if self._generation is None or self._generation[0] != key:
                self._generation = (key, self._open())
            base = self._generation[1]
        if getattr(self._local, "key", None) != key:
            cursor = base.cursor()
            cursor.execute("USE hub")
            self._local.key, self._local.cursor = key, cursor
        return self._local.cursor
