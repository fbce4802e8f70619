"""A hub home copied or moved elsewhere works unchanged.

The registry names the lake's files relative to the home (`catalog.registry.HomePath`). The
analysts' views name them absolutely, so that `duckdb -readonly <home>/hub.duckdb` works from
any directory; they are rebuilt from the registry for the home's new place the first time the
hub opens it there. Which home they were built for is a small file, read without DuckDB.
"""

from __future__ import annotations

import fcntl
import json
from collections.abc import Iterator
from contextlib import contextmanager

from catalog.home_stamp import stamp_home, stamp_path
from catalog.model import Resource
from catalog.registry import Registry
from catalog.settings import HubSettings

__all__ = ["analyst_db_lock", "ensure_analyst_db_home", "stamp_home"]


@contextmanager
def analyst_db_lock(settings: HubSettings) -> Iterator[None]:
    """One rebuild of the analysts' database at a time, whichever process runs it."""
    with (settings.home / ".analyst-db.lock").open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def ensure_analyst_db_home(settings: HubSettings, registry: Registry,
                           resources: list[Resource]) -> bool:
    """Rebuild the analysts' views if they were built for another home; True if rebuilt."""
    if not settings.analyst_db.exists():
        return False
    try:
        built_for = json.loads(stamp_path(settings).read_text()).get("home")
    except (OSError, ValueError):
        built_for = None  # built before homes were stamped: rebuild once
    if built_for == str(settings.home):
        return False
    from catalog.analystdb import rebuild_analyst_db  # DuckDB, only when a rebuild is due

    with analyst_db_lock(settings):
        rebuild_analyst_db(settings, registry, resources)
    return True
