"""The Dagster resource that gives assets the hub's settings and registry."""


from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

import dagster as dg

from catalog import RESOURCES, HubSettings, Registry, get_settings, open_registry
from catalog.analystdb import rebuild_analyst_db
from catalog.relocation import analyst_db_lock, ensure_analyst_db_home

__all__ = ["HubResource"]


class HubResource(dg.ConfigurableResource):
    """Settings come from `HUB_*` variables of the process running the asset."""

    @cached_property
    def settings(self) -> HubSettings:
        return get_settings()

    @cached_property
    def registry(self) -> Registry:
        registry = open_registry(self.settings)
        ensure_analyst_db_home(self.settings, registry, list(RESOURCES.values()))
        return registry

    @contextmanager
    def analyst_db_lock(self) -> Iterator[None]:
        """One rebuild of the analysts' database at a time, whichever process runs it."""
        with analyst_db_lock(self.settings):
            yield

    def refresh_analyst_db(self) -> None:
        with self.analyst_db_lock():
            rebuild_analyst_db(self.settings, self.registry, list(RESOURCES.values()))
