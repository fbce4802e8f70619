"""Spark as an execution engine of the hub's SQL: a session, and statements handed to it.

`SparkEngine.sql` takes the hub's SQL (DuckDB's dialect, or its sqlglot expression) and runs
it on Spark as `catalog.sqlspark.to_spark` generates it (default-deny: nothing outside the
dialect's function table reaches Spark). Every statement it sends is kept (`emitted`), so a
test can show each one parses on Spark and calls only permitted functions.

The Python fallbacks (`hub_py_*`) run only for the values the fast path rejects: for each call
the values that reach it (the conditions of the CASEs around it, `_reach`) are collected with
one Spark job per round, folded in Python on the driver, and joined back as a map lookup
(a scalar subquery Spark computes once). Spark would evaluate a Python UDF for every row,
whichever branch of a CASE it sits in.
"""

from __future__ import annotations

import itertools
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp

from catalog.sqlfunctions import FALLBACK_PREFIX, expand_calls, python_fallback, without_kernels
from catalog.sqlspark import SESSION_CONF, HubDuckDB, to_spark

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["SparkEngine", "spark_engine_for", "spark_session"]

_SESSIONS: dict[str, SparkSession] = {}


def spark_session(master: str) -> SparkSession:
    """The process's Spark session for `master` (started once): offline, no UI, its scratch
    space in a temporary directory; a `sc://` master is a Spark Connect server."""
    from pyspark.sql import SparkSession

    session = _SESSIONS.get(master)
    if session is not None and _alive(session):
        return session
    if master.startswith("sc://"):
        session = SparkSession.builder.remote(master).getOrCreate()
        for key, value in SESSION_CONF.items():
            session.conf.set(key, value)
    else:
        scratch = tempfile.mkdtemp(prefix="hub-spark-")
        builder = (SparkSession.builder.master(master).appName("city-data-hub")
                   .config("spark.ui.enabled", "false")
                   .config("spark.ui.showConsoleProgress", "false")
                   .config("spark.local.dir", scratch)
                   .config("spark.sql.warehouse.dir", f"{scratch}/warehouse")
                   .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={scratch}")
                   .config("spark.sql.shuffle.partitions", "4")
                   .config("spark.driver.memory", "3g")  # local: the driver holds the batch
                   .config("spark.jars.packages", ""))  # nothing is fetched from Maven
        for key, value in SESSION_CONF.items():
            builder = builder.config(key, value)
        session = builder.getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
    _SESSIONS[master] = session
    return session


def spark_engine_for(engine: str, spark_master: str) -> SparkEngine | None:
    """A Spark engine on the process's session for `spark_master`, or None for DuckDB."""
    return SparkEngine(spark_session(spark_master)) if engine == "spark" else None


def _alive(session: SparkSession) -> bool:
    """Whether `session` can still run queries (a test may have stopped it)."""
    if hasattr(session, "is_stopped"):
        return not session.is_stopped
    return session.sparkContext._jsc is not None


@dataclass
class SparkEngine:
    """The hub's SQL on a Spark session."""

    spark: SparkSession
    emitted: list[str] = field(default_factory=list)
    _names: Iterator[int] = field(default_factory=itertools.count)

    def sql(self, sql: str | exp.Expression) -> DataFrame:
        """Hub SQL (DuckDB's dialect) as a DataFrame of Spark; fallbacks resolved first."""
        tree = sqlglot.parse_one(sql, read=HubDuckDB) if isinstance(sql, str) else sql.copy()
        tree = self._resolve_fallbacks(_lift_common(without_kernels(expand_calls(tree), "spark")))
        return self._run(to_spark(tree))

    def _run(self, spark_sql: str) -> DataFrame:
        self.emitted.append(spark_sql)
        return self.spark.sql(spark_sql)

    def parsed_functions(self, spark_sql: str) -> set[str]:
        """The functions Spark's own parser finds in `spark_sql` (it raises if it cannot read
        it): its unresolved plan prints each function call as `'name(`."""
        parser = self.spark._jsparkSession.sessionState().sqlParser()
        plan = parser.parsePlan(spark_sql).toString()
        return {name.upper() for name in re.findall(r"'([A-Za-z_][A-Za-z0-9_]*)\(", plan)}

    def view(self, name: str, frame: DataFrame) -> None:
        frame.createOrReplaceTempView(name)

    # -- the Python fallbacks, for the rejected values only ----------------------------------

    def _resolve_fallbacks(self, tree: exp.Expression) -> exp.Expression:
        """Every `hub_py_*` call replaced by a lookup of its folded values (innermost SELECT
        first: an outer SELECT reads the inner one's resolved columns)."""
        for select in reversed(list(tree.find_all(exp.Select))):
            while calls := _calls(select):
                ready = [c for c in calls if not any(_calls_in(x) for x in (_reach(c, select),
                                                                            *c.expressions))]
                if not ready:
                    raise ValueError("fallback calls depend on each other in a circle")
                self._fold(select, ready)
        return tree

    def _fold(self, select: exp.Select, calls: list[exp.Anonymous]) -> None:
        """Collect the values reaching `calls` (one Spark job), fold them in Python, and put a
        lookup in place of each call (calls of one function on one argument share a map)."""
        keys: dict[tuple[str, str], list[exp.Anonymous]] = {}
        for call in calls:
            keys.setdefault((call.name.lower(), call.expressions[0].sql()), []).append(call)
        source = select.copy()
        for arg in ("where", "group", "having", "qualify", "order", "limit", "distinct"):
            source.set(arg, None)
        # the columns the values read, by names of their own (`r.id` is `_hub_v0` outside)
        columns: dict[str, tuple[str, exp.Expression]] = {}

        def outside(node: exp.Expression) -> exp.Expression:
            if (isinstance(node, exp.Column) and not _lambda_bound(node)
                    and node.find_ancestor(exp.Select) is None):  # not a lookup's own
                name, _ = columns.setdefault(node.sql(), (f"_hub_v{len(columns)}", node.copy()))
                return exp.column(name)
            return node

        values = [_values(same, select).transform(outside) for same in keys.values()]
        source.set("expressions", [c.as_(name) for name, c in columns.values()] or [exp.Star()])
        structs = ", ".join(f"named_struct('site', {site}, 'vs', {to_spark(v)})"
                            for site, v in enumerate(values))
        found = self._run(
            f"SELECT DISTINCT site, v FROM (SELECT site, explode(vs) AS v FROM ("
            f"SELECT inline(array({structs})) FROM ({to_spark(source)}))) "
            f"WHERE v IS NOT NULL").collect()
        values: dict[int, set[str]] = {}
        for row in found:
            values.setdefault(row["site"], set()).add(row["v"])
        for site, ((name, _), same) in enumerate(keys.items()):
            fn = python_fallback(name)
            view = f"hub_fold_{next(self._names)}"
            pairs = [(v, fn(v)) for v in sorted(values.get(site, ()))]
            self.spark.createDataFrame(pairs, "k string, v string").createOrReplaceTempView(view)
            lookup = exp.select(exp.Anonymous(this="MAP_FROM_ENTRIES", expressions=[
                exp.Anonymous(this="COLLECT_LIST", expressions=[exp.Anonymous(
                    this="STRUCT", expressions=[exp.column("k"), exp.column("v")])])])
            ).from_(view)
            literal = exp.Anonymous(this="MAP_FROM_ARRAYS", expressions=[
                exp.Anonymous(this="ARRAY", expressions=[exp.Literal.string(k) for k, _ in pairs]),
                exp.Anonymous(this="ARRAY", expressions=[
                    exp.Null() if v is None else exp.Literal.string(v) for _, v in pairs])])
            for call in same:
                found_at = exp.Anonymous(this="TRY_ELEMENT_AT", expressions=[
                    exp.Subquery(this=lookup.copy()), call.expressions[0]])
                if call.find_ancestor(exp.Lambda) is not None:
                    # a lambda's own values (ID lists: few) are inlined
                    found_at.set("expressions", [literal.copy(), call.expressions[0]])
                elif _in_higher_order(call):
                    # Spark allows no subquery in a function taking a lambda: looked up in a
                    # column of a layer below (`_hub_fold_*`, internal)
                    column = f"_hub_fold_{next(self._names)}"
                    below = exp.select(exp.Star(), found_at.as_(column))
                    below.set("from_", select.args["from_"].copy())
                    select.set("from_", exp.From(this=exp.Subquery(this=below)))
                    found_at = exp.column(column)
                call.replace(found_at)


def _in_higher_order(node: exp.Expression) -> bool:
    """Whether `node` is within a function taking a lambda (Spark allows no subquery anywhere
    in those)."""
    parent = node.parent
    while parent is not None:
        if any(isinstance(arg, exp.Lambda) for arg in parent.iter_expressions()):
            return True
        parent = parent.parent
    return False


def _is_fallback(node: exp.Expression) -> bool:
    return isinstance(node, exp.Anonymous) and node.name.lower().startswith(FALLBACK_PREFIX)


def _calls_in(node: exp.Expression) -> list[exp.Anonymous]:
    return [n for n in node.find_all(exp.Anonymous) if _is_fallback(n)]


def _calls(select: exp.Select) -> list[exp.Anonymous]:
    """The fallback calls in `select`'s own projections and filters (not in its subqueries)."""
    found = []
    for part in (*select.expressions, select.args.get("where")):
        if part is None:
            continue
        for node in part.find_all(exp.Anonymous):
            if _is_fallback(node) and node.find_ancestor(exp.Select) is select:
                found.append(node)
    return found


def _not_taken(cond: exp.Expression) -> exp.Expression:
    return exp.Not(this=exp.Coalesce(this=cond.copy(), expressions=[exp.false()]))


def _taken(cond: exp.Expression) -> exp.Expression:
    return exp.Coalesce(this=cond.copy(), expressions=[exp.false()])


def _reach(call: exp.Expression, select: exp.Select) -> exp.Expression:
    """A condition true for every row where `call` is evaluated (the CASEs around it; a
    superset is safe, it only folds more values), up to `select` or an enclosing lambda."""
    terms: list[exp.Expression] = []
    child, node = call, call.parent
    while node is not None and node is not select and not isinstance(node, exp.Lambda):
        if isinstance(node, exp.If) and isinstance(node.parent, exp.Case):
            pass  # handled at the CASE, which knows the order of its branches
        elif isinstance(node, exp.Case) and node.args.get("this") is None:
            branches = node.args.get("ifs") or []
            if child is node.args.get("default"):
                terms += [_not_taken(b.this) for b in branches]
            else:
                for i, branch in enumerate(branches):
                    if child is branch:
                        terms += [_not_taken(b.this) for b in branches[:i]]
                        if _contains(branch.args.get("true"), call):
                            terms.append(_taken(branch.this))
                        break
        child, node = node, node.parent
    return exp.and_(*terms) if terms else exp.true()


def _contains(tree: exp.Expression | None, node: exp.Expression) -> bool:
    return tree is not None and any(n is node for n in tree.walk())


def _lambda_bound(column: exp.Column) -> bool:
    """Whether `column` names a parameter of a lambda around it."""
    lam = column.find_ancestor(exp.Lambda)
    while lam is not None:
        if not column.table and column.name in {p.name for p in lam.expressions}:
            return True
        lam = lam.find_ancestor(exp.Lambda)
    return False


def _values(calls: list[exp.Anonymous], select: exp.Select) -> exp.Expression:
    """The array of values reaching `calls` (one function on one argument) on one row (in a
    lambda: one per element of the list the lambda runs over)."""
    reaches = list(dict.fromkeys(_reach(call, select) for call in calls))
    reach = reaches[0] if len(reaches) == 1 else exp.or_(*reaches)
    call = calls[0]
    value = exp.Case(ifs=[exp.If(this=reach, true=call.expressions[0].copy())])
    lam = call.find_ancestor(exp.Lambda)
    if lam is not None and lam.find_ancestor(exp.Select) is select:
        over = lam.parent
        body = exp.Lambda(this=value, expressions=[e.copy() for e in lam.expressions])
        return exp.Transform(this=over.this.copy(), expression=body)
    return exp.Array(expressions=[value])


# -- common subexpressions ------------------------------------------------------------------

def _liftable(node: exp.Expression) -> bool:
    return (isinstance(node, exp.Case) and node.find_ancestor(exp.Lambda) is None
            and not node.find(exp.AggFunc, exp.Window, exp.Lambda, exp.Select))


def _lift_common(tree: exp.Expression) -> exp.Expression:
    """Repeated CASEs of a SELECT with an explicit column list computed once, in a layer
    below it. The templates expand one argument into every place it is used (a date's folded
    text 16 times), which DuckDB evaluates once; Spark's analyser copes badly with such trees
    (minutes for one resource) unless each is a column."""
    names = itertools.count()
    for select in list(tree.find_all(exp.Select)):
        if (any(p.is_star for p in select.expressions) or select.args.get("joins")
                or not select.args.get("from_") or select.args.get("group")):
            continue
        while True:
            seen: dict[exp.Expression, int] = {}
            for part in select.expressions:
                for node in part.find_all(exp.Case):
                    if node.find_ancestor(exp.Select) is select and _liftable(node):
                        seen[node] = seen.get(node, 0) + 1
            repeated = {n for n, count in seen.items() if count > 1}
            # the innermost first: those containing no other repeated CASE
            lifted = [n for n in repeated
                      if not any(o is not n and o in repeated for o in n.find_all(exp.Case)
                                 if o is not n)]
            if not lifted:
                break
            columns = {}
            for node in lifted:
                columns[node] = f"_hub_cse_{next(names)}"

            def swap(node: exp.Expression, columns=columns) -> exp.Expression:
                return exp.column(columns[node]) if node in columns else node

            select.set("expressions", [p.transform(swap) for p in select.expressions])
            below = exp.select(exp.Star(), *(n.copy().as_(c) for n, c in columns.items()))
            below.set("from_", select.args["from_"].copy())
            select.set("from_", exp.From(this=exp.Subquery(this=below)))
    return tree
