"""Great Expectations on DuckDB: the small compatibility layer GX 1.24 lacks (see shared NOTES).

GX 1.24 has no DuckDB dialect; through its generic SQL engine two things break, and this module
fixes exactly those two, so validation runs as SQL inside DuckDB instead of in pandas:

1. GX opens a SQLAlchemy connection per query, closes it, then reads the rows. duckdb-engine's
   cursor is the connection, so the rows are gone and every metric fails with
   `list index out of range`. GX keeps one connection open for SQLite and SQL Server for a
   similar reason; `DuckDBExecutionEngine` does the same for DuckDB.
2. GX knows no regex function for DuckDB, so regex expectations raise `NotImplementedError`.
   `install()` maps them to `regexp_matches` (search semantics, like PostgreSQL's `~` in GX).

Importing this module registers the fluent datasource type `duckdb`
(`context.data_sources.add_duckdb(...)`), which validates through `DuckDBExecutionEngine`.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import sqlalchemy as sa
from great_expectations.datasource.fluent import SQLDatasource
from great_expectations.execution_engine import SqlAlchemyExecutionEngine

__all__ = ["DuckDBDatasource", "DuckDBExecutionEngine", "install"]

# The GX metric modules that imported `get_dialect_regex_expression` by name.
_REGEX_MODULES = tuple(
    f"great_expectations.expectations.metrics.column_map_metrics.{name}"
    for name in (
        "column_values_match_regex", "column_values_not_match_regex",
        "column_values_match_regex_list", "column_values_not_match_regex_list",
    )
)


class DuckDBExecutionEngine(SqlAlchemyExecutionEngine):
    """GX's SQL engine with one DuckDB connection kept open, so results outlive each query.

    The connection shows no progress bar: DuckDB would draw one into the run log for every
    query over two seconds (it cannot be turned off in the connect configuration)."""

    _connection = None

    @contextmanager
    def get_connection(self) -> Iterator[sa.Connection]:
        if self._connection is None or self._connection.closed:
            self._connection = self.engine.connect()
            self._connection.exec_driver_sql("SET enable_progress_bar = false")
        yield self._connection

    def close(self) -> None:
        """Close the kept connection and the engine's pool (releases the DuckDB database), and
        forget the answers kept for this validation (`quality.expectations`)."""
        self.__dict__.pop("_hub_key_duplicates", None)
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        self.engine.dispose()


class DuckDBDatasource(SQLDatasource):
    """A GX SQL datasource on a DuckDB database (`duckdb:///:memory:` or a file)."""

    type: Literal["duckdb"] = "duckdb"  # type: ignore[assignment]

    @property
    def execution_engine_type(self) -> type[SqlAlchemyExecutionEngine]:
        return DuckDBExecutionEngine

    def close(self) -> None:
        """Release every DuckDB connection this datasource opened."""
        engine = self._execution_engine
        if isinstance(engine, DuckDBExecutionEngine):
            engine.close()
        if self._engine is not None:
            self._engine.dispose()


def _with_duckdb_regex(original):
    @functools.wraps(original)
    def regex_expression(column, regex, dialect, positive=True):
        if getattr(dialect, "name", None) == "duckdb":
            matches = sa.func.regexp_matches(column, sa.literal(regex))
            return matches if positive else sa.not_(matches)
        return original(column, regex, dialect, positive)

    regex_expression.handles_duckdb = True
    return regex_expression


def install() -> None:
    """Teach GX's regex metrics DuckDB's `regexp_matches` (idempotent; other dialects unchanged)."""
    for name in _REGEX_MODULES:
        module = importlib.import_module(name)
        current = module.get_dialect_regex_expression
        if not getattr(current, "handles_duckdb", False):
            module.get_dialect_regex_expression = _with_duckdb_regex(current)
