"""The Dagster resource that gives assets, checks and sensors the hub's settings and registry.

Settings reach Dagster as this resource's configuration, built in one place: the definitions
(`pipelines.definitions.build_definitions(settings)`). A test or the `hub` command passes its
settings there (or `HubResource.from_settings(settings)` to `dg.materialize`); nothing in a
run reads `HUB_*` variables except the secret key, which stays out of the configuration (the
Dagster UI shows configuration) and is read from `HUB_SECRET_KEY` by `HubSettings` as always.
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

import dagster as dg

from catalog import RESOURCES, HubSettings, Registry, open_registry
from catalog.analystdb import rebuild_analyst_db
from catalog.relocation import analyst_db_lock, ensure_analyst_db_home

__all__ = ["HubResource"]

_SECRETS = frozenset({"secret_key"})


class HubResource(dg.ConfigurableResource):
    """The hub's settings, as configuration: `settings_json` is `HubSettings` as JSON (every
    field but the secret key), so a run sees exactly the settings its definitions were given."""

    settings_json: str

    @classmethod
    def from_settings(cls, settings: HubSettings) -> "HubResource":
        return cls(settings_json=settings.model_dump_json(exclude=set(_SECRETS)))

    @cached_property
    def settings(self) -> HubSettings:
        return HubSettings(**json.loads(self.settings_json))

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
