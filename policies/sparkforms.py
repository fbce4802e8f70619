"""A grant's masked, filtered form of a published table computed on Spark (grant snapshots and
prepared extracts with `HUB_ENGINE=spark`, docs/spark.md).

The form is the very sqlglot expression DuckDB runs (`snapshot_select`, `masked_select`), with
two things resolved for Spark first:

- its source `hub.published.<table>` is the view the analysts' database defines, read from the
  database the caller attached (so the rows are those of the publication its key names), its
  files (`~/…`) named below the home;
- its tokens. Spark has no HMAC, and a grant's key must never leave the hub's process: the
  distinct values that reach a token call are collected (one Spark job), tokenised on the driver
  by the function DuckDB's builds register (`policies.masks.tokens_of`, so the bytes are the
  same), and joined back from a lookup table (a map, for the elements of an ID list). Neither
  the key nor any token is in the SQL sent to Spark.

The rows come back to the driver as Arrow, cast to the schema DuckDB gives the same form, so
the files written from them read as the DuckDB build's.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa
import sqlglot
from sqlglot import exp

from catalog import HubSettings
from catalog.sqlspark import HubDuckDB
from policies.masks import grant_key, token_function_name, tokens_of
from policies.rewrite import CATALOG_ALIAS

if TYPE_CHECKING:
    from pipelines.spark_engine import SparkEngine

__all__ = ["spark_form"]

_PUBLISHED = "published"
_names = itertools.count()


def spark_form(engine: SparkEngine, con: duckdb.DuckDBPyConnection, settings: HubSettings,
               select: exp.Select, keys: Mapping[str, str],
               schema: pa.Schema | None = None) -> pa.Table:
    """The rows of `select` (hub SQL over `hub.published.*`; `keys`: token key name -> grant id)
    computed on Spark, in `schema` (default: DuckDB's Arrow schema of the form). `con` has the
    analysts' database attached as the hub's catalog and the token functions registered: it
    gives the views and the schema, and reads no rows."""
    if schema is None:
        con.complete()  # a result the caller left unread (`fetchone`) would block `sql`
        schema = con.sql(
            f"SELECT * FROM ({select.sql(dialect='duckdb')}) LIMIT 0").to_arrow_table().schema
    tree = _with_sources(select.copy(), con, settings)
    views: list[str] = []
    try:
        tree = _with_tokens(engine, tree, settings, keys, views)
        table = engine.sql(tree).toArrow()
    finally:  # the tokens are not left in the session
        for view in views:
            engine.spark.catalog.dropTempView(view)
    return table.rename_columns(schema.names).cast(schema)


def _with_sources(tree: exp.Select, con: duckdb.DuckDBPyConnection,
                  settings: HubSettings) -> exp.Select:
    """Each `hub.published.<table>` replaced by the analysts' view of it, as a subquery."""
    for table in list(tree.find_all(exp.Table)):
        if table.catalog != CATALOG_ALIAS or table.db != _PUBLISHED:
            continue
        found = con.execute(
            "SELECT sql FROM duckdb_views() WHERE database_name = ? AND schema_name = ? "
            "AND view_name = ?", [CATALOG_ALIAS, _PUBLISHED, table.name]).fetchone()
        if found is None:
            raise LookupError(f"the analysts' database has no view published.{table.name}")
        view = sqlglot.parse_one(found[0], read=HubDuckDB).expression
        home = f"{settings.home}/"
        for literal in view.find_all(exp.Literal):
            if literal.is_string and literal.this.startswith("~/") \
                    and literal.find_ancestor(exp.ReadParquet) is not None:
                literal.replace(exp.Literal.string(home + literal.this[2:]))
        table.replace(exp.Subquery(this=view, alias=exp.TableAlias(
            this=exp.to_identifier(table.alias_or_name))))
    return tree


def _token_calls(tree: exp.Expression, keys: Mapping[str, str]) -> list[exp.Anonymous]:
    names = {token_function_name(k) for k in keys}
    return [f for f in tree.find_all(exp.Anonymous) if str(f.this) in names]


def _with_tokens(engine: SparkEngine, tree: exp.Select, settings: HubSettings,
                 keys: Mapping[str, str], views: list[str]) -> exp.Select:
    """Every token call of `tree` replaced by a lookup of tokens computed on the driver (in
    temporary views, named into `views`)."""
    secret = settings.secret_key.get_secret_value()
    for name, grant_id in keys.items():
        calls = _token_calls(tree, {name: grant_id})
        if not calls:
            continue
        view = f"hub_tokens_{next(_names)}"
        values = _values(engine, tree, calls)
        pairs = pa.table({"k": values, "v": tokens_of(grant_key(secret, grant_id), values)})
        engine.view(view, engine.spark.createDataFrame(pairs))
        views.append(view)
        _join_tokens(tree, calls, view)
    leftover = _token_calls(tree, keys)
    if leftover:  # a call the lookups could not reach: never sent (the dialect would refuse it)
        raise ValueError(f"token calls left unresolved: {len(leftover)}")
    return tree


def _lambda_of(call: exp.Expression) -> exp.Lambda | None:
    return call.find_ancestor(exp.Lambda)


def _values(engine: SparkEngine, tree: exp.Select, calls: list[exp.Anonymous]) -> pa.Array:
    """The distinct non-NULL values reaching `calls` over the rows `tree` reads (one job)."""
    arrays: list[exp.Expression] = []
    for call in calls:
        (argument,) = call.expressions
        lam = _lambda_of(call)
        if lam is None:
            found = exp.Anonymous(this="ARRAY", expressions=[argument.copy()])
            if found not in arrays:  # one value tokenised twice (an aggregate's person column)
                arrays.append(found)
        else:  # the values of the list the lambda runs over, as the call sees them (a NULL
            # list adds none: CONCAT with a NULL would lose the row's other values)
            listed = exp.Anonymous(this="TRANSFORM", expressions=[
                lam.parent.this.copy(),
                exp.Lambda(this=argument.copy(), expressions=[e.copy() for e in lam.expressions])])
            arrays.append(exp.Coalesce(this=listed, expressions=[exp.cast(
                exp.Anonymous(this="ARRAY", expressions=[]), "ARRAY<VARCHAR>")]))
    rows = exp.select(exp.Anonymous(this="EXPLODE", expressions=[
        exp.Anonymous(this="CONCAT", expressions=arrays) if len(arrays) > 1 else arrays[0]]
    ).as_("v"))
    rows.set("from_", tree.args["from_"].copy())
    for join in tree.args.get("joins") or []:
        rows.append("joins", join.copy())
    if tree.args.get("where") is not None:
        rows.set("where", tree.args["where"].copy())
    distinct = (exp.select("v").distinct().from_(rows.subquery("r"))
                .where(exp.column("v").is_(exp.null()).not_()))
    table = engine.sql(distinct).toArrow()
    return table.column("v").combine_chunks().cast(pa.string())


def _join_tokens(tree: exp.Select, calls: list[exp.Anonymous], view: str) -> None:
    """A LEFT JOIN of the tokens per distinct argument of a call outside a lambda; a map
    (joined once) for the calls in a lambda (the elements of an ID list), where no join reaches."""
    joined: dict[exp.Expression, str] = {}
    mapped: str | None = None
    for call in calls:
        (argument,) = call.expressions
        if _lambda_of(call) is not None:
            if mapped is None:
                mapped = f"_hub_tm{next(_names)}"
                entries = exp.Anonymous(this="MAP_FROM_ENTRIES", expressions=[
                    exp.Anonymous(this="COLLECT_LIST", expressions=[exp.Anonymous(
                        this="STRUCT", expressions=[exp.column("k"), exp.column("v")])])])
                tree.join(exp.select(entries.as_(mapped)).from_(view).subquery(f"{mapped}_t"),
                          join_type="cross", copy=False)
            call.replace(exp.Anonymous(this="TRY_ELEMENT_AT",
                                       expressions=[exp.column(mapped), argument.copy()]))
            continue
        if argument not in joined:
            n = next(_names)
            key, value = f"_hub_tk{n}", f"_hub_tv{n}"
            lookup = exp.select(exp.column("k").as_(key), exp.column("v").as_(value)).from_(view)
            tree.join(lookup.subquery(f"_hub_t{n}"), on=exp.column(key).eq(argument.copy()),
                      join_type="left", copy=False)
            joined[argument] = value
        call.replace(exp.column(joined[argument]))
