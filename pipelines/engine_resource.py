"""The Dagster resource that chooses where the hub's SQL runs: DuckDB (default) or Spark.

Built from the settings in the definitions, as the `hub` resource is (`HubSettings.engine`,
`HubSettings.spark_master`). The assets hand it the same sqlglot expressions whichever engine
it names: on DuckDB each step opens its own connection as before (`sql_engine()` is None);
on Spark the expressions are generated in the hub's Spark dialect (`pipelines.spark_engine`).
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

import dagster as dg

from catalog import HubSettings
from pipelines.spark_engine import spark_engine_for

if TYPE_CHECKING:
    from pipelines.spark_engine import SparkEngine

__all__ = ["EngineResource"]


class EngineResource(dg.ConfigurableResource):
    """The execution engine: `duckdb` or `spark` on `spark_master`."""

    engine: str = "duckdb"
    spark_master: str = "local[2]"

    @classmethod
    def from_settings(cls, settings: HubSettings) -> EngineResource:
        return cls(engine=settings.engine, spark_master=settings.spark_master)

    @cached_property
    def sql_engine(self) -> SparkEngine | None:
        """The Spark engine the steps hand their SQL to, or None: DuckDB in process."""
        return spark_engine_for(self.engine, self.spark_master)
