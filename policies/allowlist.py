"""What a gateway query may contain: an allowlist of syntax nodes and of DuckDB functions.

Functions are listed by their DuckDB names; the sqlglot classes they parse into are derived
once, so a function is accepted only if its name, or the class it parses to, was listed here.
Nothing that reads files, runs SQL held in strings, reads settings, variables, statistics or
the catalog, or has side effects is listed.
"""

from __future__ import annotations

import functools

import sqlglot
from sqlglot import exp

__all__ = ["AGGREGATE_MODE_FUNCTIONS", "ALLOWED_NODES", "ANONYMOUS_AGGREGATES", "function_allowed"]

FUNCTIONS = ["count", "sum", "avg", "min", "max", "median", "mode", "quantile_cont", "quantile_disc", "stddev", "stddev_pop", "stddev_samp", "var_pop", "var_samp", "variance", "string_agg", "list", "array_agg", "any_value", "first", "last", "arg_min", "arg_max", "approx_count_distinct", "bool_and", "bool_or", "count_if", "product", "corr", "histogram", "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead", "first_value", "last_value", "nth_value", "upper", "lower", "ucase", "lcase", "length", "len", "strlen", "substring", "substr", "left", "right", "trim", "ltrim", "rtrim", "replace", "concat", "concat_ws", "lpad", "rpad", "reverse", "repeat", "position", "strpos", "instr", "contains", "starts_with", "ends_with", "prefix", "suffix", "split_part", "string_split", "regexp_matches", "regexp_replace", "regexp_extract", "regexp_full_match", "md5", "sha256", "hash", "format", "printf", "ascii", "chr", "unicode", "levenshtein", "jaro_winkler_similarity", "damerau_levenshtein", "hamming", "nfc_normalize", "strip_accents", "abs", "round", "floor", "ceil", "ceiling", "sqrt", "cbrt", "power", "pow", "ln", "log", "log10", "log2", "exp", "sign", "greatest", "least", "trunc", "pi", "isnan", "isinf", "even", "year", "month", "day", "quarter", "week", "weekday", "dayofweek", "dayofyear", "dayofmonth", "isodow", "yearweek", "hour", "minute", "second", "date_part", "datepart", "date_trunc", "datetrunc", "date_diff", "datediff", "date_sub", "date_add", "strftime", "strptime", "try_strptime", "make_date", "make_timestamp", "current_date", "today", "age", "last_day", "monthname", "dayname", "epoch", "coalesce", "ifnull", "nullif", "if", "typeof", "list_value", "list_extract", "list_element", "list_contains", "list_has", "array_contains", "array_length", "list_distinct", "list_sort", "list_reverse_sort", "list_slice", "list_position", "list_concat", "list_unique", "flatten", "unnest", "struct_pack", "struct_extract", "row", "list_transform", "list_filter", "list_reduce", "array_to_string", "to_json", "json_extract", "json_extract_string", "json_object", "json_array", "json_keys", "json_valid", "json_type", "json_array_length", "json_contains", "json_structure"]

# Aggregates an aggregate-only grant may use: they never return one person's value.
AGGREGATE_MODE_FUNCTIONS = frozenset({exp.Count, exp.Sum, exp.Avg})

# Syntax (not functions) a query may use. Everything else — DDL, DML, PRAGMA, SET, COPY,
# ATTACH, parameters, PIVOT, time travel, sampling, LATERAL, INTO — is refused.
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
    exp.Pow, exp.IgnoreNulls, exp.RespectNulls, exp.Kwarg,
})


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
