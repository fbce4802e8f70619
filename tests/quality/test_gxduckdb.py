"""The GX-on-DuckDB shim: why it exists, and that GX's core expectations run as DuckDB SQL."""

from __future__ import annotations

import great_expectations as gx
import pytest

from quality import gx_context
from quality.gxduckdb import DuckDBExecutionEngine


def _rows():
    return ("SELECT range AS id, 'a' || (range % 10)::VARCHAR AS s, "
            "CASE WHEN range % 7 = 0 THEN NULL ELSE range END AS n FROM range(100)")


def test_plain_gx_sql_datasource_loses_results_on_duckdb(parquet):
    """The reason for `DuckDBExecutionEngine`: without it every metric query fails in GX 1.24.
    When this test fails, GX has fixed it and the shim's first half can go."""
    path = parquet(_rows())
    context = gx.get_context(mode="ephemeral")
    source = context.data_sources.add_sql(name="plain", connection_string="duckdb:///:memory:")
    asset = source.add_query_asset(name="t", query=f"SELECT * FROM read_parquet('{path}')")
    batch = asset.add_batch_definition_whole_table("all").get_batch()
    result = batch.validate(gx.expectations.ExpectColumnValuesToNotBeNull(column="n"))
    assert result.success is False
    assert "list index out of range" in str(result.exception_info)


@pytest.mark.parametrize(("expectation", "unexpected"), [
    (gx.expectations.ExpectColumnValuesToNotBeNull(column="n"), 15),
    (gx.expectations.ExpectColumnValuesToBeUnique(column="id"), 0),
    (gx.expectations.ExpectColumnValuesToBeInSet(column="s", value_set=["a1", "a2"]), 80),
    (gx.expectations.ExpectColumnValuesToBeBetween(column="n", min_value=0, max_value=49), 43),
    (gx.expectations.ExpectColumnValueLengthsToEqual(column="s", value=2), 0),
    (gx.expectations.ExpectColumnValuesToMatchRegex(column="s", regex="[0-4]$"), 50),
    (gx.expectations.ExpectColumnValuesToNotMatchRegex(column="s", regex="^a[0-4]"), 50),
])
def test_core_expectations_count_exactly_on_duckdb(validate, expectation, unexpected):
    result = validate(expectation, _rows())
    assert result.exception_info["raised_exception"] is False
    assert result.result["unexpected_count"] == unexpected


def test_regex_has_search_semantics_like_other_backends(validate):
    """GX regex expectations match anywhere in the value (PostgreSQL `~`, pandas `contains`)."""
    result = validate(gx.expectations.ExpectColumnValuesToMatchRegex(column="s", regex="1"),
                      "SELECT unnest(['a1', '1b', 'c', 'x1y']) AS s")
    assert result.result["unexpected_count"] == 1
    assert result.result["partial_unexpected_list"] == ["c"]


def test_install_is_idempotent_and_leaves_other_dialects_alone():
    from great_expectations.expectations.metrics.column_map_metrics import (
        column_values_match_regex as module,
    )

    gx_context(None)
    first = module.get_dialect_regex_expression
    gx_context(None)
    assert module.get_dialect_regex_expression is first
    assert first.__wrapped__.__name__ == "get_dialect_regex_expression"


def test_the_kept_connection_draws_no_progress_bars():
    engine = DuckDBExecutionEngine(connection_string="duckdb:///:memory:")
    try:
        with engine.get_connection() as connection:
            setting = connection.exec_driver_sql(
                "SELECT current_setting('enable_progress_bar')").scalar()
    finally:
        engine.close()
    assert setting is False
