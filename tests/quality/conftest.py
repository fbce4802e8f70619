"""Fixtures of the quality tests: small Parquet tables validated through GX on DuckDB."""

from __future__ import annotations

from pathlib import Path

import duckdb
import great_expectations as gx
import pytest

from catalog import HubSettings
from quality import gx_context
from quality.gxduckdb import DuckDBDatasource


@pytest.fixture
def hub_settings(tmp_path: Path) -> HubSettings:
    return HubSettings(home=tmp_path / "home", duckdb_memory_limit="1GB")


@pytest.fixture
def parquet(tmp_path: Path):
    """Write rows (a DuckDB SELECT) to a Parquet file and return its path."""

    def write(select: str, name: str = "t") -> Path:
        path = tmp_path / f"{name}.parquet"
        with duckdb.connect() as con:
            con.execute(f"COPY ({select}) TO '{path}' (FORMAT parquet)")
        return path

    return write


@pytest.fixture
def validate(parquet):
    """Validate one expectation on rows of a SELECT; returns the GX result of it."""

    def run(expectation, select: str):
        path = parquet(select)
        context = gx_context(None)
        source: DuckDBDatasource = context.data_sources.add_duckdb(
            name="t", connection_string="duckdb:///:memory:")
        try:
            asset = source.add_query_asset(name="t", query=f"SELECT * FROM read_parquet('{path}')")
            batch = asset.add_batch_definition_whole_table("all").get_batch()
            return batch.validate(expectation, result_format={"result_format": "SUMMARY"})
        finally:
            source.close()

    return run


def suite_of(*expectations) -> gx.ExpectationSuite:
    return gx.ExpectationSuite(name="test", expectations=list(expectations))
