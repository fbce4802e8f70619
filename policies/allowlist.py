"""What a gateway query may contain: an allowlist of syntax nodes and of DuckDB functions.

Functions are listed by their DuckDB names; the sqlglot classes they parse into are derived
once, so a function is accepted only if its name, or the class it parses to, was listed here.
Nothing that reads files, runs SQL held in strings, reads settings, variables, statistics or
the catalog, or has side effects is listed.
"""

from __future__ import annotations

import functools
import re

import sqlglot
from sqlglot import exp

__all__ = ["AGGREGATE_MODE_FUNCTIONS", "ALLOWED_NODES", "ALLOWED_TYPES", "ANONYMOUS_AGGREGATES",
           "SYNTAX_SAMPLES", "TEXT_ARGS", "function_allowed", "refused_function_code"]

FUNCTIONS = ["count", "sum", "avg", "min", "max", "median", "mode", "quantile_cont", "quantile_disc", "stddev", "stddev_pop", "stddev_samp", "var_pop", "var_samp", "variance", "string_agg", "list", "array_agg", "any_value", "first", "last", "arg_min", "arg_max", "approx_count_distinct", "bool_and", "bool_or", "count_if", "product", "corr", "histogram", "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead", "first_value", "last_value", "nth_value", "upper", "lower", "ucase", "lcase", "length", "len", "strlen", "substring", "substr", "left", "right", "trim", "ltrim", "rtrim", "replace", "concat", "concat_ws", "lpad", "rpad", "reverse", "repeat", "position", "strpos", "instr", "contains", "starts_with", "ends_with", "prefix", "suffix", "split_part", "string_split", "regexp_matches", "regexp_replace", "regexp_extract", "regexp_full_match", "md5", "sha256", "hash", "format", "printf", "ascii", "chr", "unicode", "levenshtein", "jaro_winkler_similarity", "damerau_levenshtein", "hamming", "nfc_normalize", "strip_accents", "abs", "round", "floor", "ceil", "ceiling", "sqrt", "cbrt", "power", "pow", "ln", "log", "log10", "log2", "exp", "sign", "greatest", "least", "trunc", "pi", "isnan", "isinf", "even", "year", "month", "day", "quarter", "week", "weekday", "dayofweek", "dayofyear", "dayofmonth", "isodow", "yearweek", "hour", "minute", "second", "date_part", "datepart", "date_trunc", "datetrunc", "date_diff", "datediff", "date_sub", "date_add", "strftime", "strptime", "try_strptime", "make_date", "make_timestamp", "current_date", "today", "age", "last_day", "monthname", "dayname", "epoch", "coalesce", "ifnull", "nullif", "if", "typeof", "list_value", "list_extract", "list_element", "list_contains", "list_has", "array_contains", "array_length", "list_distinct", "list_sort", "list_reverse_sort", "list_slice", "list_position", "list_concat", "list_unique", "flatten", "unnest", "struct_pack", "struct_extract", "row", "list_transform", "list_filter", "list_reduce", "array_to_string", "to_json", "json_extract", "json_extract_string", "json_object", "json_array", "json_keys", "json_valid", "json_type", "json_array_length", "json_contains", "json_structure"]

# Aggregates an aggregate-only grant may use: they never return one person's value.
AGGREGATE_MODE_FUNCTIONS = frozenset({exp.Count, exp.Sum, exp.Avg})

# Syntax (not functions) a query may use. Everything else — DDL, DML, PRAGMA, SET, COPY,
# ATTACH, parameters, PIVOT, time travel, LATERAL, INTO — is refused. Sampling reads a sample
# of what the query may read anyway (the rewriter keeps it on the masked read).
ALLOWED_NODES: frozenset[type[exp.Expr]] = frozenset({
    exp.Select, exp.Union, exp.Intersect, exp.Except, exp.From, exp.Join, exp.Where,
    exp.Group, exp.Having, exp.Qualify, exp.Order, exp.Ordered, exp.Limit, exp.Offset,
    exp.Distinct, exp.With, exp.CTE, exp.TableAlias, exp.Subquery, exp.Table, exp.Column,
    exp.Identifier, exp.Star, exp.Alias, exp.Literal, exp.Boolean, exp.Null, exp.Paren,
    exp.Neg, exp.Not, exp.Add, exp.Sub, exp.Mul, exp.Div, exp.IntDiv, exp.Mod, exp.EQ, exp.NEQ,
    exp.NullSafeEQ, exp.NullSafeNEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.And, exp.Or,
    exp.DPipe, exp.Is, exp.Like, exp.ILike, exp.Escape, exp.In, exp.Between, exp.Case, exp.If,
    exp.Cast, exp.TryCast, exp.DataType, exp.DataTypeParam, exp.Window, exp.WindowSpec,
    exp.Interval, exp.Var, exp.Exists, exp.Any, exp.All, exp.Array, exp.Struct,
    exp.PropertyEQ, exp.Bracket, exp.Dot, exp.Lambda, exp.Filter, exp.WithinGroup,
    exp.Unnest, exp.Values, exp.Tuple, exp.Slice, exp.Extract, exp.Columns,
    exp.BitwiseAnd, exp.BitwiseOr, exp.BitwiseXor, exp.BitwiseNot, exp.JSONPath,
    exp.JSONPathKey, exp.JSONPathRoot, exp.JSONPathSubscript, exp.JSONPathWildcard,
    exp.Pow, exp.IgnoreNulls, exp.RespectNulls, exp.Kwarg, exp.TableSample,
})


# Queries using each allowed syntax node that DuckDB reads as a function or operator (a + b is
# the function "+", a[1] is array_extract): the second check (`policies.parsecheck`) derives
# the names DuckDB may see from these and from FUNCTIONS, so the allowlist stays here alone.
SYNTAX_SAMPLES = (
    "SELECT a + b, a - b, a * b, a / b, a // b, a % b, a ** b, a ^ b, -a, a || b",
    "SELECT a & b, a | b, xor(a, b), ~a",
    "SELECT a LIKE b, a NOT LIKE b, a ILIKE b, a NOT ILIKE b, a LIKE b ESCAPE '!'",
    "SELECT a[1], a[1:2], a.b, [a, b], {'x': a}, (a, b), a -> '$.x', a ->> '$.x'",
    "SELECT EXTRACT(year FROM a), INTERVAL 1 DAY, a + INTERVAL '2' MONTH",
    "SELECT a IN (1, 2), a NOT IN (1), a BETWEEN 1 AND 2, a IS NULL, a IS NOT DISTINCT FROM b",
    "SELECT CASE WHEN a THEN b ELSE c END, IF(a, b, c), COLUMNS('x'), list_transform(a, x -> x)",
    "SELECT count(*) FILTER (WHERE a), unnest(a), EXISTS (SELECT 1), a = ANY (SELECT 1)",
    "SELECT * FROM unnest([1, 2]) AS u(v)",
)

# Data types a query may name, by kind. A type sqlglot does not know (a quoted or qualified
# name, an enum or union definition) parses as USER-DEFINED and keeps its text verbatim:
# it is never listed, however it is spelled.
ALLOWED_TYPES: frozenset[exp.DType] = frozenset({
    exp.DType.BOOLEAN, exp.DType.TINYINT, exp.DType.SMALLINT, exp.DType.INT, exp.DType.BIGINT,
    exp.DType.INT128,  # HUGEINT
    exp.DType.UTINYINT, exp.DType.USMALLINT, exp.DType.UINT, exp.DType.UBIGINT,
    exp.DType.FLOAT, exp.DType.DOUBLE, exp.DType.DECIMAL, exp.DType.VARCHAR, exp.DType.CHAR,
    exp.DType.TEXT, exp.DType.DATE, exp.DType.TIME, exp.DType.TIMETZ, exp.DType.TIMESTAMP,
    exp.DType.TIMESTAMPNTZ, exp.DType.TIMESTAMPTZ, exp.DType.TIMESTAMP_S, exp.DType.TIMESTAMP_MS,
    exp.DType.TIMESTAMP_NS,
    exp.DType.INTERVAL, exp.DType.UUID, exp.DType.ARRAY, exp.DType.LIST, exp.DType.STRUCT,
    exp.DType.MAP,
})

# The only text (not sub-expressions) a node may carry, by (node class, argument): each value
# is a pattern the whole text must match or the set of words allowed. The generator prints
# these texts as they are, so any other text in a parsed query is refused unread. Identifiers
# and string literals are quoted and escaped when printed; they are checked in the checker.
_WORD = r"[A-Za-z_][A-Za-z0-9_]*"
TEXT_ARGS: dict[tuple[type[exp.Expr], str], str | frozenset[str]] = {
    (exp.Literal, "this"): r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?",
    (exp.Var, "this"): _WORD,
    (exp.JSONPathKey, "this"): r"[\w]+",
    (exp.JSONPathSubscript, "this"): frozenset({"*"}),
    (exp.Join, "side"): frozenset({"LEFT", "RIGHT", "FULL"}),
    (exp.Join, "kind"): frozenset({"INNER", "OUTER", "CROSS", "SEMI", "ANTI"}),
    (exp.Join, "method"): frozenset({"NATURAL"}),
    (exp.Window, "over"): frozenset({"OVER"}),
    (exp.WindowSpec, "kind"): frozenset({"ROWS", "RANGE", "GROUPS"}),
    (exp.WindowSpec, "start"): frozenset({"UNBOUNDED", "CURRENT ROW"}),
    (exp.WindowSpec, "end"): frozenset({"UNBOUNDED", "CURRENT ROW"}),
    (exp.WindowSpec, "start_side"): frozenset({"PRECEDING", "FOLLOWING"}),
    (exp.WindowSpec, "end_side"): frozenset({"PRECEDING", "FOLLOWING"}),
    (exp.Trim, "position"): frozenset({"BOTH", "LEADING", "TRAILING"}),
}


def _parsed_class(name: str) -> type[exp.Expr] | None:
    """The sqlglot class `name(...)` parses into, trying a few argument counts."""
    for args in ("a", "a, b", "a, b, c", ""):
        try:
            node = sqlglot.parse_one(f"SELECT {name}({args})", read="duckdb").expressions[0]
        except sqlglot.errors.ParseError:
            continue
        return type(node)
    return None


@functools.cache
def _allowed() -> tuple[frozenset[type[exp.Expr]], frozenset[str]]:
    classes: set[type[exp.Expr]] = {exp.Cast, exp.TryCast, exp.Case, exp.If, exp.Extract}
    anonymous: set[str] = set()
    for name in FUNCTIONS:
        cls = _parsed_class(name)
        if cls is exp.Anonymous:
            anonymous.add(name)
        elif cls is not None:
            classes.add(cls)
    return frozenset(classes), frozenset(anonymous)


def function_allowed(node: exp.Func) -> bool:
    """True when this call is of a listed function."""
    classes, anonymous = _allowed()
    if isinstance(node, exp.Anonymous):
        return str(node.this).lower() in anonymous
    return type(node) in classes

# DuckDB aggregates that sqlglot does not know as aggregates (parsed as anonymous calls).
ANONYMOUS_AGGREGATES = frozenset({"product", "histogram"})


# Refused functions that read files or reach settings, variables, keys, the catalog or SQL held
# in strings: calling one is an attempt on the gateway, recorded as a security event.
_FILE_FUNCTIONS = re.compile(r"read_\w+|glob|sniff_csv|parquet_\w+|\w+_scan|iceberg_\w+|"
                             r"delta_\w+|query_table|load|install|copy\w*|export\w*")
_SECRET_FUNCTIONS = re.compile(r"current_setting|getvariable|setvariable|duckdb_\w+|pragma_\w+|"
                               r"current_query|query|json_execute_serialized_sql|"
                               r"json_serialize_\w+|\w*secret\w*|current_(schema|database|"
                               r"catalog|user|role)s?|version|__hub\w*|stats|enable_\w+|"
                               r"\w*_settings?")


def refused_function_code(name: str, default: str = "function_not_allowed") -> str:
    """The error code of a refused function: file and secret access are security events."""
    if _FILE_FUNCTIONS.fullmatch(name):
        return "file_access"
    if _SECRET_FUNCTIONS.fullmatch(name):
        return "secret_access"
    return default
