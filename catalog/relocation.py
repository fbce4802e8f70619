"""A hub home copied or moved elsewhere works unchanged.

The registry names the lake's files relative to the home (`catalog.tables.HomePath`), the
analysts' views as `~/…` with `~` set to the home on every connection (`catalog.lake.in_home`):
nothing is rebuilt when a home moves. Views of a home built before that named files
absolutely; they are rebuilt once, the first time the hub opens it.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager

from catalog.homestamp import VIEWS_FORMAT, views_format
from catalog.model import Resource
from catalog.registry import Registry
from catalog.settings import HubSettings

__all__ = ["analyst_db_lock", "ensure_analyst_db_home"]


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
    """Rebuild the analysts' views if they name files absolutely; True if rebuilt."""
    if not settings.analyst_db.exists() or views_format(settings) == VIEWS_FORMAT:
        return False
    from catalog.analystdb import rebuild_analyst_db  # DuckDB, only when a rebuild is due

    with analyst_db_lock(settings):
        rebuild_analyst_db(settings, registry, resources)
    return True
