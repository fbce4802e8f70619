"""The Dagster resource that gives assets the hub's settings and registry."""


import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

import dagster as dg

from catalog import RESOURCES, HubSettings, Registry, get_settings, open_registry
from catalog.analystdb import rebuild_analyst_db

__all__ = ["HubResource"]


class HubResource(dg.ConfigurableResource):
    """Settings come from `HUB_*` variables of the process running the asset."""

    @cached_property
    def settings(self) -> HubSettings:
        return get_settings()

    @cached_property
    def registry(self) -> Registry:
        return open_registry(self.settings)

    @contextmanager
    def analyst_db_lock(self) -> Iterator[None]:
        """One rebuild of the analysts' database at a time, whichever process runs it."""
        lock_path = self.settings.home / ".analyst-db.lock"
        with lock_path.open("a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def refresh_analyst_db(self) -> None:
        with self.analyst_db_lock():
            rebuild_analyst_db(self.settings, self.registry, list(RESOURCES.values()))
