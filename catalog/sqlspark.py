"""The hub's SQL (written in DuckDB's dialect) generated for Spark 4, where it is used.

sqlglot's own DuckDB → Spark translation is silently wrong in places the hub relies on (each has
a test running the same hub expression on DuckDB and on Spark, `tests/catalog/test_sqlspark.py`):

- `QUALIFY … LIMIT`: sqlglot rewrites QUALIFY into a subquery and moves the LIMIT inside it
  (17 rows instead of 50). Spark 4 has QUALIFY: it is kept as written.
- `len(list)` became a string `LENGTH`: the hub's SQL is read with `len` meaning a list's size
  (`length` stays the string length) and written as `size` (NULL for NULL: the session sets
  `spark.sql.legacy.sizeOfNull=false`, `SESSION_CONF`).
- 1-based indexing: `list[i]` → `try_element_at(list, i)` (NULL when out of range, as DuckDB);
  a string slice `s[a:b]` (1-based, inclusive, negative from the end) → `substring`.
- `range(a, b) r(p)`: sqlglot lost the `r(p)` alias; Spark has the same table function.
- `read_parquet([files])` became an empty `FROM` that Spark still parses: it is read as
  `parquet.` of the files (a Hadoop glob `{a,b}`; missing columns merged by the session's
  `spark.sql.parquet.mergeSchema`, DuckDB's `union_by_name`).
- `regexp_full_match` passed through: `RLIKE` anchored with `\\A(?:…)\\z`; every pattern is
  translated from RE2 to Java (`\\p{Han}` → `\\p{IsHan}`, `\\s` spelled out as RE2 means it).
- `CREATE MACRO` passed through: refused; templates are expanded before SQL is generated.
- DuckDB-only functions the templates use: `isfinite`, `try_strptime` (with a list of formats).

Generated SQL is default-deny: every function in it must be in `SPARK_FUNCTIONS`, or
`to_spark` refuses it (`SparkSQLError`), so nothing untranslated reaches Spark.
"""

from __future__ import annotations

import os
import re

import sqlglot
from sqlglot import exp, transforms
from sqlglot.dialects.duckdb import DuckDB
from sqlglot.dialects.spark import Spark
from sqlglot.generators.spark import SparkGenerator

__all__ = ["SESSION_CONF", "SPARK_FUNCTIONS", "HubDuckDB", "HubSpark", "SparkSQLError",
           "functions_in", "java_regex", "to_spark"]


class SparkSQLError(ValueError):
    """Hub SQL that cannot be generated for Spark (a macro, a function outside the table)."""


# What every Spark session of the hub needs for the generated SQL to mean what DuckDB means.
SESSION_CONF = {
    "spark.sql.legacy.sizeOfNull": "false",  # size(NULL) is NULL, as DuckDB's len(NULL)
    "spark.sql.parquet.mergeSchema": "true",  # read_parquet(..., union_by_name = true)
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "true",  # a failed cast is an error, as in DuckDB
}

# Every function the generated Spark SQL may call (default-deny), by the name Spark SQL knows.
SPARK_FUNCTIONS = frozenset({
    # conditionals and casts
    "CASE", "CAST", "TRY_CAST", "COALESCE", "NULLIF", "IF", "BETWEEN",
    # text
    "RLIKE", "REGEXP_EXTRACT", "REGEXP_EXTRACT_ALL", "SUBSTRING", "LENGTH", "LPAD", "UPPER",
    "LOWER", "REPLACE", "CONCAT", "ASCII", "LOCATE", "SPLIT_PART", "SPLIT", "CONTAINS",
    "STARTSWITH", "ENDSWITH", "TRIM", "ARRAY_JOIN", "GET_JSON_OBJECT", "TO_JSON",
    # numbers
    "ABS", "ISNAN", "GREATEST", "LEAST", "ROUND",
    # dates
    "YEAR", "DATE_FORMAT", "TRY_TO_TIMESTAMP", "DATE_ADD",
    # arrays and maps (the Python fallbacks' folded values: `pipelines.spark_engine`)
    "ARRAY", "SIZE", "TRY_ELEMENT_AT", "TRANSFORM", "FILTER", "MAP_FROM_ENTRIES", "STRUCT",
    "MAP_FROM_ARRAYS",
    "INLINE", "EXPLODE", "NAMED_STRUCT",
    # aggregates and windows
    "COUNT", "SUM", "MAX", "MIN", "COLLECT_LIST", "ROW_NUMBER", "FIRST",
    # table functions
    "RANGE",
    # the display masks of grant snapshots and extracts (`policies.sparkforms`)
    "LEFT", "REPEAT", "DAYOFYEAR",
    # the cross-check (issue 19): lists, aggregates, JSON, hashes
    "ARRAY_CONTAINS", "ARRAY_COMPACT", "ARRAY_SORT", "COLLECT_SET", "ANY_VALUE",
    "MD5", "MAP", "INSTR", "EXISTS", "ARRAY_DISTINCT",
})

_HAN = re.compile(r"\\p\{Han\}")
_RE2_SPACE = "\\t\\n\\f\\r "  # RE2's \s (Java's adds \x0B)


def java_regex(pattern: str) -> str:
    """An RE2 pattern (DuckDB's) as a Java pattern (Spark's) matching the same strings, for the
    constructs the hub's patterns use: `\\p{Han}` and `\\s` (which differ), the rest as is."""
    out, in_class, i = [], False, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            pair = pattern[i:i + 2]
            if pair == "\\s":
                out.append(_RE2_SPACE if in_class else f"[{_RE2_SPACE}]")
            elif pattern.startswith("\\p{Han}", i):
                out.append("\\p{IsHan}")
                i += len("\\p{Han}")
                continue
            else:
                out.append(pair)
            i += 2
            continue
        if c == "[" and not in_class:
            in_class = True
            out.append(c)
            # a `]` (or `^]`) right after the opening is a literal in both engines
            if pattern[i + 1:i + 2] == "^":
                out.append("^")
                i += 1
            if pattern[i + 1:i + 2] == "]":
                out.append("\\]")
                i += 1
        elif c == "[" and in_class:
            out.append("\\[")  # literal in RE2, a nested class in Java
        elif c == "]" and in_class:
            in_class = False
            out.append(c)
        elif c == "&" and in_class:
            out.append("\\&")  # `&&` is intersection in Java
        else:
            out.append(c)
        i += 1
    return "".join(out)


def _pattern(node: exp.Expression) -> exp.Expression:
    if not (isinstance(node, exp.Literal) and node.is_string):
        raise SparkSQLError(f"a regular expression must be a literal for Spark: {node.sql()}")
    return exp.Literal.string(java_regex(node.this))


def _strftime_to_java(fmt: str) -> str:
    """A DuckDB strptime format as a Spark datetime pattern (the codes the hub's formats use).
    Spark reads a field of variable width only when a separator follows it: `%Y%m%d` is
    `yyyyMMdd`, `%Y-%m-%d` is `yyyy-M-d` (one or two digits, as DuckDB reads them)."""
    variable = {"%Y": "yyyy", "%m": "M", "%d": "d", "%H": "H", "%M": "m", "%S": "s"}
    fixed = {"%Y": "yyyy", "%m": "MM", "%d": "dd", "%H": "HH", "%M": "mm", "%S": "ss"}
    out, i, after_code = [], 0, False
    while i < len(fmt):
        if fmt[i] == "%":
            code = fmt[i:i + 2]
            if code not in variable:
                raise SparkSQLError(f"strptime format {code!r} has no Spark form")
            adjacent = after_code or fmt[i + 2:i + 3] == "%"
            out.append((fixed if adjacent else variable)[code])
            i, after_code = i + 2, True
            continue
        out.append(f"'{fmt[i]}'" if fmt[i].isascii() and fmt[i].isalpha()
                   else "''" if fmt[i] == "'" else fmt[i])
        i, after_code = i + 1, False
    return "".join(out)


def _rewrite(node: exp.Expression) -> exp.Expression:
    """The hub's DuckDB constructs sqlglot leaves wrong, as Spark expressions (see above)."""
    if isinstance(node, exp.Create) and (node.args.get("kind") or "").upper() == "MACRO":
        raise SparkSQLError("CREATE MACRO: expand the templates (catalog.sqlfunctions.expand) "
                            "before generating SQL for Spark")
    if isinstance(node, exp.RegexpFullMatch):
        inner = _pattern(node.expression).this
        return exp.RegexpLike(this=node.this, expression=exp.Literal.string(f"\\A(?:{inner})\\z"))
    if isinstance(node, exp.RegexpLike):
        return exp.RegexpLike(this=node.this, expression=_pattern(node.expression))
    if isinstance(node, (exp.RegexpExtract, exp.RegexpExtractAll)):
        group = node.args.get("group") or exp.Literal.number(0)
        name = "REGEXP_EXTRACT" if isinstance(node, exp.RegexpExtract) else "REGEXP_EXTRACT_ALL"
        return exp.Anonymous(this=name, expressions=[node.this, _pattern(node.expression), group])
    if isinstance(node, exp.Bracket):
        return _bracket(node)
    if isinstance(node, exp.Anonymous):
        name = node.name.lower()
        if name == "isfinite":
            (value,) = node.expressions
            return exp.LT(this=exp.Abs(this=value),
                          expression=exp.cast(exp.Literal.string("Infinity"), "DOUBLE"))
        if name == "try_strptime":
            value, formats = node.expressions
            listed = formats.expressions if isinstance(formats, exp.Array) else [formats]
            tries = [exp.Anonymous(this="TRY_TO_TIMESTAMP", expressions=[
                value.copy(), exp.Literal.string(_strftime_to_java(f.this))]) for f in listed]
            return tries[0] if len(tries) == 1 else exp.Coalesce(this=tries[0],
                                                                expressions=tries[1:])
    if isinstance(node, exp.Star) and (node.args.get("replace") or node.args.get("except")):
        # sqlglot writes `* REPLACE (…)` as is (Spark cannot read it) and drops `* EXCLUDE`
        raise SparkSQLError("SELECT * REPLACE/EXCLUDE has no Spark form: name the columns")
    if isinstance(node, exp.ArrayAgg):
        return _list_agg(node)
    if isinstance(node, exp.GroupConcat):
        return _string_agg(node)
    if isinstance(node, exp.ArrayContains):
        # DuckDB: a NULL element never makes the answer NULL (Spark's would)
        compact = exp.Anonymous(this="ARRAY_COMPACT", expressions=[node.this])
        return exp.Anonymous(this="ARRAY_CONTAINS", expressions=[compact, node.expression])
    if isinstance(node, exp.Div) and not node.args.get("typed"):
        # DuckDB's `/` divides as DOUBLE whatever the operands (a DECIMAL too); `//` is integer
        return exp.Div(this=exp.cast(node.this, "DOUBLE"), expression=node.expression)
    if isinstance(node, exp.JSONFormat) or (isinstance(node, exp.Anonymous)
                                            and node.name.lower() == "to_json"):
        # DuckDB writes a NULL field as `null`; Spark leaves it out unless told
        value = node.this if isinstance(node, exp.JSONFormat) else node.expressions[0]
        keep = exp.Anonymous(this="MAP", expressions=[exp.Literal.string("ignoreNullFields"),
                                                      exp.Literal.string("false")])
        return exp.Anonymous(this="TO_JSON", expressions=[value, keep])
    if isinstance(node, exp.Table) and isinstance(node.this, exp.ReadParquet):
        return _parquet_table(node)
    if isinstance(node, exp.Table) and isinstance(node.this, exp.GenerateSeries):
        series = node.this
        if not series.args.get("is_end_exclusive"):
            raise SparkSQLError("generate_series: write range(a, b) for Spark")
        fn = exp.Anonymous(this="RANGE", expressions=[series.args["start"], series.args["end"]])
        return exp.Table(this=fn, alias=node.args.get("alias"))
    return node


def _list_agg(node: exp.ArrayAgg) -> exp.Expression:
    """DuckDB's `list(x ORDER BY k)` (sqlglot drops the ORDER BY): the values sorted by their
    keys, NULL values kept (`collect_list` alone drops them: each value rides in a struct).
    `list(DISTINCT x ORDER BY x)`: the same, each value once. Only ascending keys with NULLs
    last (DuckDB's default)."""
    inner = node.this
    if not isinstance(inner, exp.Order):
        if isinstance(inner, exp.Distinct):
            raise SparkSQLError("list(DISTINCT …) has no order: write list(DISTINCT x ORDER BY x)")
        raise SparkSQLError("list(…) without ORDER BY: its order (and NULLs) differ on Spark")
    keys = inner.expressions
    if any(k.args.get("desc") or k.args.get("nulls_first") for k in keys):
        raise SparkSQLError(f"list(… ORDER BY …) ascending, NULLs last only: {node.sql()}")
    value = inner.this
    distinct = isinstance(value, exp.Distinct)
    if distinct:
        (value,) = value.expressions
        if [k.this for k in keys] != [value]:
            raise SparkSQLError(f"list(DISTINCT x ORDER BY x) only: {node.sql()}")
    fields: list[exp.Expression] = []
    for i, key in enumerate(keys):
        # `k IS NULL` first: NULLs last whatever Spark's order of NULL fields in a struct
        fields += [exp.Literal.string(f"n{i}"), exp.Is(this=key.this.copy(), expression=exp.Null()),
                   exp.Literal.string(f"k{i}"), key.this]
    fields += [exp.Literal.string("v"), value]
    pairs = exp.Anonymous(this="COLLECT_LIST", expressions=[
        exp.Anonymous(this="NAMED_STRUCT", expressions=fields)])
    sorted_ = exp.Anonymous(this="ARRAY_SORT", expressions=[pairs])
    lam = exp.Lambda(this=exp.column("v", table="e"), expressions=[exp.to_identifier("e")])
    listed: exp.Expression = exp.Transform(this=sorted_, expression=lam)
    if distinct:
        listed = exp.Anonymous(this="ARRAY_DISTINCT", expressions=[listed])
    return listed


def _string_agg(node: exp.GroupConcat) -> exp.Expression:
    """DuckDB's `string_agg(x, sep ORDER BY k)` (sqlglot makes it Spark's LISTAGG, which fails
    beside other DISTINCT aggregates in Spark 4.3): the `list` above joined, NULLs skipped,
    NULL when there is no value (as DuckDB)."""
    inner = node.this
    value = inner.this if isinstance(inner, exp.Order) else inner
    if isinstance(value, exp.Distinct):
        (value,) = value.expressions
    separator = node.args.get("separator") or exp.Literal.string(",")
    joined = exp.Anonymous(this="ARRAY_JOIN", expressions=[_list_agg(exp.ArrayAgg(this=inner)),
                                                          separator])
    some = exp.GT(this=exp.Count(this=value.copy()), expression=exp.Literal.number(0))
    return exp.Case(ifs=[exp.If(this=some, true=joined)])


def _bracket(node: exp.Bracket) -> exp.Expression:
    (index,) = node.expressions
    if isinstance(index, exp.Slice):
        start = index.this or exp.Literal.number(1)
        if not (isinstance(start, exp.Literal) and int(start.this) > 0):
            raise SparkSQLError(f"a slice must start at a positive literal: {node.sql()}")
        end = index.expression
        length = exp.Length(this=node.this.copy())
        if end is None:
            last: exp.Expression = length
        elif isinstance(end, exp.Neg) or (isinstance(end, exp.Literal) and int(end.this) < 0):
            last = exp.Add(this=length, expression=exp.Literal.number(1 + int(end.sql())))
        else:
            last = end
        count = exp.paren(exp.Sub(this=exp.Sub(this=last, expression=start.copy()),
                                  expression=exp.Literal.number(-1)))
        return exp.Substring(this=node.this, start=start,
                             length=exp.Greatest(this=count, expressions=[exp.Literal.number(0)]))
    # DuckDB's parser has made a literal index 0-based (sqlglot's convention); Spark's
    # try_element_at is 1-based, as the hub wrote it
    # (Spark's index is an INT: a BIGINT one, as `range` gives, is refused)
    one_based = exp.cast(exp.Add(this=index, expression=exp.Literal.number(1)), "INT")
    if index.type is not None and index.type.is_type(exp.DataType.Type.UNKNOWN):
        # an index of unknown type (a column) the parser left as written: already 1-based
        one_based = exp.cast(index, "INT")
    if isinstance(index, exp.Literal):
        one_based = exp.Literal.number(int(index.this) + 1)
    return exp.Anonymous(this="TRY_ELEMENT_AT", expressions=[node.this, one_based])


def _parquet_table(node: exp.Table) -> exp.Table:
    read = node.this
    first = read.expressions[0] if read.expressions else read.this
    files = first.expressions if isinstance(first, exp.Array) else [first]
    paths = []
    for f in files:
        if not (isinstance(f, exp.Literal) and f.is_string):
            raise SparkSQLError("read_parquet: file names must be literals for Spark")
        if set(f.this) & set("{},`"):
            raise SparkSQLError(f"read_parquet: {f.this!r} cannot be named in a Spark path")
        paths.append(f.this)
    path = paths[0]
    if len(paths) > 1:
        # a Hadoop glob `<common directory>/{a,b/c}` (a pattern must start as a path does)
        common = os.path.commonpath(paths) if all(p.startswith("/") for p in paths) else ""
        rest = [p[len(common):].lstrip("/") for p in paths]
        listed = ",".join(rest if common else paths)
        path = f"{common.rstrip('/')}/{{{listed}}}" if common else f"{{{listed}}}"
    return exp.Table(this=exp.to_identifier(path, quoted=True), db=exp.to_identifier("parquet"),
                     alias=node.args.get("alias"))


class HubDuckDB(DuckDB):
    """DuckDB as the hub writes it: `len(x)` is a list's size, `length(s)` a string's."""

    class Parser(DuckDB.Parser):
        FUNCTIONS = {**DuckDB.Parser.FUNCTIONS,
                     "LEN": lambda args: exp.ArraySize(this=args[0])}


class HubSpark(Spark):
    """Spark 4's SQL as the hub generates it: QUALIFY kept (Spark 4 has it)."""

    class Generator(SparkGenerator):
        TRANSFORMS = {
            **SparkGenerator.TRANSFORMS,
            exp.Select: transforms.preprocess([
                transforms.eliminate_distinct_on,
                transforms.unnest_to_explode,
                transforms.any_to_exists,
            ]),
            exp.ArraySize: lambda self, e: self.func("SIZE", e.this),
        }


def _bottom_up(tree: exp.Expression) -> exp.Expression:
    """`_rewrite` applied to every node, children before their parent."""
    nodes = list(tree.walk(bfs=False))
    for node in reversed(nodes):
        new = _rewrite(node)
        if new is not node:
            if node is tree:
                tree = new
            else:
                node.replace(new)
    return tree


def _name(node: exp.Func) -> str:
    """The name Spark SQL knows function `node` by, as HubSpark writes it (generated with
    placeholder arguments: generating each function's whole subtree would be quadratic)."""
    if isinstance(node, exp.Anonymous):
        return node.name.upper()
    if isinstance(node, exp.RegexpLike):
        return "RLIKE"
    if isinstance(node, exp.Case):
        return "CASE"

    def stub(value):
        if isinstance(value, exp.DataType) or not isinstance(value, exp.Expression):
            return value.copy() if isinstance(value, exp.Expression) else value
        return exp.column("x")

    args = {k: [stub(v) for v in value] if isinstance(value, list) else stub(value)
            for k, value in node.args.items()}
    try:
        text = type(node)(**args).sql(dialect=HubSpark)
    except (TypeError, ValueError, KeyError, AttributeError, sqlglot.errors.SqlglotError):
        # a generator that needs its real arguments
        text = node.sql(dialect=HubSpark)
    match = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(", text)
    return match.group(1).upper() if match else type(node).__name__.upper()


def _functions(tree: exp.Expression) -> set[str]:
    return {_name(f) for f in tree.find_all(exp.Func)
            if not isinstance(f, (exp.Binary, exp.Connector, exp.Not))}


def functions_in(spark_sql: str) -> set[str]:
    """Every function Spark SQL text calls (read back with sqlglot), by Spark's names."""
    names: set[str] = set()
    for statement in sqlglot.parse(spark_sql, read=HubSpark):
        if statement is not None:
            names |= _functions(statement)
    return names


def to_spark(sql: str | exp.Expression) -> str:
    """Hub SQL (text in DuckDB's dialect, or a sqlglot expression of it) as Spark SQL, refused
    (`SparkSQLError`) if it calls a function outside `SPARK_FUNCTIONS`."""
    tree = sqlglot.parse_one(sql, read=HubDuckDB) if isinstance(sql, str) else sql.copy()
    tree = _bottom_up(tree)
    denied = _functions(tree) - SPARK_FUNCTIONS
    if denied:
        raise SparkSQLError(f"not in the Spark dialect's function table: {sorted(denied)}")
    return tree.sql(dialect=HubSpark)
