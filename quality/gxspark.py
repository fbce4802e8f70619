"""The hub's expectation suites on Spark, through Great Expectations' own Spark execution engine.

GX 1.24 validates a Spark DataFrame with its `SparkDFExecutionEngine` (a `spark` datasource,
one dataframe asset): its own expectations (not null, in set, regex, lengths, row count, column
exists) have Spark implementations and run as they are. The hub's custom expectations
(`quality.expectations`) were written for GX's SQL engine only; their Spark forms here are the
same conditions — the SQLAlchemy expression compiled to DuckDB's SQL, generated for Spark by
the hub's dialect (`catalog.sqlspark.to_spark`) — so the two engines judge by one definition.
The key check (`table.hub_key_duplicates`) is the same GROUP BY on the DataFrame.

`validate_on_spark` reads the same files as `quality.runner.validate_files` (the same query,
run by the Spark engine) and returns the same `ValidationOutcome`, for the parity test.
"""

from __future__ import annotations

import functools
import inspect
from pathlib import Path
from typing import TYPE_CHECKING

import great_expectations as gx
import sqlalchemy as sa
import sqlglot
from great_expectations.checkpoint import UpdateDataDocsAction
from great_expectations.core.metric_domain_types import MetricDomainTypes
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context import AbstractDataContext
from great_expectations.execution_engine import SparkDFExecutionEngine
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnMapMetricProvider,
    ColumnPairMapMetricProvider,
    column_condition_partial,
    column_pair_condition_partial,
)
from great_expectations.expectations.metrics.metric_provider import metric_value
from great_expectations.expectations.metrics.table_metric_provider import TableMetricProvider

from catalog import HubSettings, Resource
from catalog.sqlspark import HubDuckDB, to_spark
from quality import expectations as hub
from quality.context import gx_context
from quality.runner import (
    SAMPLE_SIZE,
    ValidationOutcome,
    _check,
    _row_count,
    index_columns,
    source_query,
)

if TYPE_CHECKING:
    from pipelines.spark_engine import SparkEngine

__all__ = ["spark_condition", "validate_on_spark"]


@functools.cache
def _duckdb_dialect():
    from duckdb_engine import Dialect

    return Dialect()


def spark_condition(condition: sa.ColumnElement):
    """A SQLAlchemy condition of the hub's SQL expectations as a Spark column: compiled to
    DuckDB's SQL, generated for Spark by the hub's dialect (default-deny function table)."""
    from pyspark.sql import functions as F

    text = str(condition.compile(dialect=_duckdb_dialect(),
                                 compile_kwargs={"literal_binds": True}))
    text = text.replace("%%", "%")  # the driver's paramstyle doubles every `%`; none is left
    spark_sql = to_spark(sqlglot.parse_one(f"SELECT {text} AS c", read=HubDuckDB))
    return F.expr(spark_sql.removeprefix("SELECT ").removesuffix(" AS c"))


def _sql_condition(provider: type):
    """The SQL engine's condition function of one of the hub's metric providers (unwrapped
    from GX's decorators: it builds a SQLAlchemy expression from its columns)."""
    return inspect.unwrap(provider._sqlalchemy)


def _name(column) -> str:
    return column._jc.toString().strip("`")


def _spark_form(provider: type, condition=None) -> type:
    """The Spark form of one of the hub's map metric providers: `condition` (by default the
    provider's own SQL condition) on the DataFrame's columns, compiled for Spark. Defining the
    class registers it with GX under the provider's metric name."""
    condition = condition or _sql_condition(provider)
    if issubclass(provider, ColumnPairMapMetricProvider):
        base = ColumnPairMapMetricProvider

        @column_pair_condition_partial(engine=SparkDFExecutionEngine)
        def _spark(cls, column_A, column_B, **kwargs):
            return spark_condition(condition(cls, sa.column(_name(column_A)),
                                             sa.column(_name(column_B)), **kwargs))
    else:
        base = ColumnMapMetricProvider

        @column_condition_partial(engine=SparkDFExecutionEngine)
        def _spark(cls, column, **kwargs):
            return spark_condition(condition(cls, sa.column(_name(column)), **kwargs))

    return type(f"Spark{provider.__name__}", (base,), {
        "condition_metric_name": provider.condition_metric_name,
        "condition_value_keys": provider.condition_value_keys,
        "condition_domain_keys": provider.condition_domain_keys,
        "_spark": _spark})


SPARK_FORMS = [
    _spark_form(hub.ColumnValuesValidIdNumber),
    # Its SQL form judges each distinct value once through a subquery of the table; the rule
    # for one value is the same.
    _spark_form(hub.ColumnValuesValidUscc, lambda cls, column, **kwargs: hub.uscc_valid(column)),
    _spark_form(hub.ColumnValuesKnownDistrict),
    _spark_form(hub.ColumnValuesPlausibleDate),
    _spark_form(hub.ColumnValuesAmountInRange),
    _spark_form(hub.ColumnPairGenderMatchesId),
    _spark_form(hub.ColumnPairBirthDateMatchesId),
]


class SparkKeyDuplicates(TableMetricProvider):
    """`table.hub_key_duplicates` on the DataFrame: the same GROUP BY as the SQL form."""

    metric_name = "table.hub_key_duplicates"
    value_keys = ("key", "counted_duplicates")

    @metric_value(engine=SparkDFExecutionEngine)
    def _spark(cls, execution_engine, metric_domain_kwargs, metric_value_kwargs, metrics,
               runtime_configuration):
        from pyspark.sql import functions as F

        if metric_value_kwargs.get("counted_duplicates") == 0:
            return {"duplicates": 0, "keys": []}
        frame, _, _ = execution_engine.get_compute_domain(
            metric_domain_kwargs, domain_type=MetricDomainTypes.TABLE)
        names = list(metric_value_kwargs["key"])
        repeated = frame.groupBy(*names).count().where(F.col("count") > 1)
        extra = repeated.agg(F.sum(F.col("count") - 1)).collect()[0][0]
        keys = repeated.orderBy(*names).limit(hub.SAMPLE_KEYS).collect()
        return {"duplicates": int(extra or 0),
                "keys": [{n: row[n] for n in names} for row in keys]}


def validate_on_spark(engine: SparkEngine, settings: HubSettings, resource: Resource,
                      suite: gx.ExpectationSuite, files: list[Path], *,
                      context: AbstractDataContext | None = None,
                      run_name: str | None = None) -> ValidationOutcome:
    """`validate_files` on Spark: the same rows (the same query, on the Spark engine),
    validated by GX's Spark execution engine; counts and samples as the SQL run reports. With
    a context that keeps reports the result is stored and its Data Docs page built, as
    `validate_files` does. (`settings`: the hub whose files these are.)"""
    # The originals are read as stored (`* REPLACE` restoring them has no Spark form): no
    # expectation reads an `<item>_orig` column, they only fill feedback files.
    frame = engine.sql(source_query(files))
    keep = context is not None
    context = context or gx_context(None)
    datasource = context.data_sources.add_or_update_spark(name=f"spark_{resource.table}")
    asset = datasource.add_dataframe_asset(name=resource.table)
    batch = asset.add_batch_definition_whole_dataframe("rows")
    suite = context.suites.add_or_update(suite)
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=suite.name, data=batch, suite=suite))
    checkpoint = context.checkpoints.add_or_update(gx.Checkpoint(
        name=suite.name, validation_definitions=[definition],
        result_format={"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_SIZE,
                       "unexpected_index_column_names": index_columns(resource)},
        actions=[UpdateDataDocsAction(name="data_docs")] if keep else []))
    run = checkpoint.run(batch_parameters={"dataframe": frame},
                         run_id=RunIdentifier(run_name=run_name))
    (validation,) = run.run_results.values()
    rows = _row_count(validation)
    return ValidationOutcome(resource_code=resource.code, suite_name=suite.name, rows=rows,
                             checks=[_check(r, rows) for r in validation.results],
                             run_name=run_name)
