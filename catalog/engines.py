"""The execution engine the settings name (`HUB_ENGINE`), found as a plugin.

The Spark engine lives with the pipelines (`pipelines.spark_engine`); the policies' builds
(grant snapshots) need it too, and may not import the pipelines. The pipelines offer it as an
entry point of the group `hub.engines` (as with `hub.cli` and `hub.audits`): a callable
`(engine, master) -> engine`. DuckDB, the default, needs none: each step opens its own
connection.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from catalog.settings import HubSettings

__all__ = ["ENTRY_POINTS", "sql_engine"]

ENTRY_POINTS = "hub.engines"


def sql_engine(settings: HubSettings):
    """The engine the hub's SQL is handed to, or None for DuckDB in process."""
    if settings.engine == "duckdb":
        return None
    found = list(entry_points(group=ENTRY_POINTS, name=settings.engine))
    if len(found) != 1:
        raise LookupError(f"no installed engine {settings.engine!r} (entry points "
                          f"{ENTRY_POINTS!r}: reinstall the hub)")
    return found[0].load()(settings.engine, settings.spark_master)
