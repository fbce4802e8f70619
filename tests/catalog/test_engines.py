"""The engine setting's plugins (`catalog.engines`): DuckDB needs none; Spark's is installed."""

from __future__ import annotations

from importlib.metadata import entry_points

from catalog import HubSettings
from catalog.engines import ENTRY_POINTS, sql_engine


def test_duckdb_needs_no_engine(tmp_path):
    assert sql_engine(HubSettings(home=tmp_path, landing=tmp_path)) is None


def test_the_spark_engine_is_the_pipelines():
    """Policies find Spark's engine by name, without importing the pipelines."""
    from pipelines.spark_engine import spark_engine_for

    [point] = entry_points(group=ENTRY_POINTS, name="spark")
    assert point.load() is spark_engine_for
