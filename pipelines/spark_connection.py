"""A DuckDB-connection-shaped facade on the Spark engine: a step written against DuckDB's
`con.execute(...)` runs its same SQL on Spark (issue 19: the cross-check).

What a step does on its DuckDB connection, and what it becomes here:

- `ATTACH <analysts' database> AS hub`: each `hub.<schema>.<table>` the step names becomes a
  Spark view built from the same view's SQL in that database (its `~/` files named from the
  home); `hub.meta.*` tables (small: the registry's lists) are copied in as data.
- `CREATE [OR REPLACE] TEMP TABLE x AS <query>`: the query on Spark, kept in memory (`persist`)
  and computed at once, as DuckDB does; `TEMP VIEW`: a view, computed when read.
- `CREATE TEMP TABLE x (<columns>)` then `INSERT INTO x <query>`: an empty table of that shape
  extended by each insert.
- `COPY (<query>) TO <file> (FORMAT parquet, COMPRESSION c)`: the rows through the driver
  (Arrow), written by pyarrow as DuckDB writes them.
- `register(name, arrow)` / `unregister`: a Spark view of a small Arrow table.
- parameters (`?`, `$name`) are put in as literals before the SQL is generated for Spark.

Every query goes through `SparkEngine.sql`: the hub's Spark dialect (`catalog.sqlspark`), the
rules' macros expanded, Python fallbacks only for the values needing them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot
from sqlglot import exp
from sqlglot.tokens import TokenType

from catalog.sqlspark import HubDuckDB, HubSpark, SparkSQLError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from catalog import HubSettings
    from pipelines.spark_engine import SparkEngine

__all__ = ["SparkConnection", "with_parameters"]

_HUB = "hub"  # the alias the steps attach the analysts' database as


def _literal(value: Any) -> str:
    """A Python parameter as a DuckDB SQL literal."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    raise SparkSQLError(f"no SQL literal for a parameter of type {type(value).__name__}")


def with_parameters(sql: str, params: list | tuple | dict | None) -> str:
    """`sql` with its parameters (`?` in order, or `$name`) written in as literals; the
    tokenizer finds them, so a `?` inside a string literal stays as it is."""
    if not params:
        return sql
    tokens = HubDuckDB().tokenize(sql)
    out, at, positional = [], 0, iter(params if isinstance(params, list | tuple) else ())
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.token_type in (TokenType.PLACEHOLDER, TokenType.QDCOLON) and \
                sql[token.start] == "?":
            out += [sql[at:token.start], _literal(next(positional))]
            at = token.start + 1
        elif token.token_type is TokenType.PARAMETER and i + 1 < len(tokens) \
                and isinstance(params, dict):
            name = tokens[i + 1]
            out += [sql[at:token.start], _literal(params[name.text])]
            at, i = name.end + 1, i + 1
        i += 1
    return "".join(out) + sql[at:]


@dataclass
class _Result:
    """What `execute` returns: the rows of a query, fetched on demand."""

    frame: DataFrame | None

    def fetchall(self) -> list[tuple]:
        return [] if self.frame is None else [tuple(r) for r in self.frame.collect()]


@dataclass
class SparkConnection:
    """The subset of a DuckDB connection the hub's steps use, on `engine` (see the module)."""

    engine: SparkEngine
    settings: HubSettings
    attached: dict[str, Path] = field(default_factory=dict)
    tables: dict[str, DataFrame] = field(default_factory=dict)
    _hub_views: set[str] = field(default_factory=set)

    def execute(self, sql: str, params: list | tuple | dict | None = None) -> _Result:
        tree = sqlglot.parse_one(with_parameters(sql, params), read=HubDuckDB)
        if isinstance(tree, exp.Attach):
            alias = tree.this.args.get("alias")
            self.attached[alias.name if alias else _HUB] = Path(tree.this.this.name)
            return _Result(None)
        tree = self._hub_tables(tree)
        if isinstance(tree, exp.Create):
            self._create(tree)
            return _Result(None)
        if isinstance(tree, exp.Insert):
            name = tree.this.name
            frame = self.tables[name].union(self.engine.sql(tree.expression))
            self._keep(name, frame)
            return _Result(None)
        if isinstance(tree, exp.Copy):
            self._copy(tree)
            return _Result(None)
        return _Result(self.engine.sql(tree))

    def register(self, name: str, table: pa.Table) -> None:
        self.engine.view(name, self.engine.spark.createDataFrame(table))

    def unregister(self, name: str) -> None:
        self.engine.spark.catalog.dropTempView(name)

    def close(self) -> None:
        """Drop what this connection kept in memory (its temp tables)."""
        for frame in self.tables.values():
            frame.unpersist()
        self.tables.clear()

    # -- statements ------------------------------------------------------------------------

    def _keep(self, name: str, frame: DataFrame) -> None:
        """A temp table: computed now and kept (DuckDB's TEMP TABLE is a materialised copy).
        A local checkpoint, not `persist`: the plans of later steps start from the rows, not
        from every step before (a cached relation prints its whole plan in each one, and
        Spark spent minutes writing plan strings)."""
        old = self.tables.get(name)
        frame = frame.localCheckpoint(eager=True)
        if old is not None:
            old.unpersist()
        self.tables[name] = frame
        self.engine.view(name, frame)

    def _create(self, tree: exp.Create) -> None:
        kind = (tree.args.get("kind") or "").upper()
        target = tree.this
        if isinstance(target, exp.Schema):  # CREATE TABLE x (columns): empty, of that shape
            ddl = ", ".join(f"`{c.name}` {c.args['kind'].sql(dialect=HubSpark)}"
                            for c in target.expressions)
            empty = self.engine.spark.createDataFrame([], ddl)
            self._keep(target.this.name, empty)
            return
        frame = self.engine.sql(tree.expression)
        if kind == "TABLE":
            self._keep(target.name, frame)
        elif kind == "VIEW":
            self.engine.view(target.name, frame)
        else:
            raise SparkSQLError(f"CREATE {kind} has no Spark form here")

    def _copy(self, tree: exp.Copy) -> None:
        options = {p.this.name.upper(): p.args["expression"].name.lower()
                   for p in tree.args.get("params") or [] if p.args.get("expression")}
        if options.get("FORMAT", "parquet") != "parquet":
            raise SparkSQLError("COPY writes Parquet only on Spark")
        query = tree.this.this if isinstance(tree.this, exp.Subquery) else tree.this
        rows = self.engine.sql(query).toArrow()
        target = tree.args["files"][0].name
        pq.write_table(rows, target, compression=options.get("COMPRESSION", "snappy"))

    # -- the analysts' database ------------------------------------------------------------

    def _hub_tables(self, tree: exp.Expression) -> exp.Expression:
        """Each `hub.<schema>.<table>` as the Spark view `hub__<schema>__<table>`, made on
        first use from the analysts' database."""
        for table in list(tree.find_all(exp.Table)):
            if table.catalog in self.attached and table.db:
                name = f"{table.catalog}__{table.db}__{table.name}"
                self._hub_view(table.catalog, table.db, table.name, name)
                table.replace(exp.Table(this=exp.to_identifier(name),
                                        alias=table.args.get("alias")))
        return tree

    def _hub_view(self, catalog: str, schema: str, table: str, name: str) -> None:
        if name in self._hub_views:
            return
        import duckdb

        with duckdb.connect(str(self.attached[catalog]), read_only=True) as con:
            found = con.execute(
                "SELECT sql FROM duckdb_views() WHERE schema_name = ? AND view_name = ? "
                "AND NOT internal", [schema, table]).fetchall()
            if not found:
                # a table (meta.*: the registry's lists, small): copied in as data
                data = con.execute(f'SELECT * FROM "{schema}"."{table}"').to_arrow_table()
                self.engine.view(name, self.engine.spark.createDataFrame(data))
                self._hub_views.add(name)
                return
        view = sqlglot.parse_one(found[0][0], read=HubDuckDB)
        query = view.expression
        home = str(self.settings.home)
        for literal in query.find_all(exp.Literal):
            if literal.is_string and literal.this.startswith("~/"):
                literal.replace(exp.Literal.string(home + literal.this[1:]))
        query = self._hub_tables(_qualified(query, catalog))
        self.engine.view(name, self.engine.sql(query))
        self._hub_views.add(name)


def _qualified(query: exp.Expression, catalog: str) -> exp.Expression:
    """A view's own references to tables of its database (`history.t`) made `hub.history.t`."""
    for table in query.find_all(exp.Table):
        if table.db and not table.catalog:
            table.set("catalog", exp.to_identifier(catalog))
    return query
