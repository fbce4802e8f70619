"""The contract's standardisation rules as sqlglot expressions, for bulk use in the lake.

Each rule is a template (`_templates`) expanded in place to built-in functions, so the SQL runs
on an engine without the hub's macros, and a later step can generate it for another engine.
Each has a vectorised fast path for values that are already clean (the vast majority) and falls
back to the reference Python implementation in `catalog.identifiers` only for values that need
folding. A property test keeps the SQL and the Python in agreement.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import sqlglot
from sqlglot import exp

from catalog.identifiers import (
    USCC_CHARSET,
    fold_code,
    fold_name,
    fold_text,
    normalise_name,
    standardise_id,
    traditional_to_simplified_table,
)
from catalog.model import ItemType

__all__ = ["FALLBACK_PREFIX", "expand", "expand_calls", "expand_sql", "id_check_sql", "python_fallback",
           "register_fallbacks", "register_functions", "standardise_sql", "unregister_functions",
           "without_kernels"]

_ID_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# Excel's day 0 (with its 1900 leap-year bug folded in): serial 45000 is 2023-03-15.
_EXCEL_EPOCH = "DATE '1899-12-30'"
_DATE_FORMATS = "['%Y-%m-%d', '%Y/%m/%d', '%Y%m%d', '%Y.%m.%d', '%Y年%m月%d日']"


def id_check_sql(value: str) -> str:
    """SQL for the GB 11643 check character of the first 17 digits of `value` (unrolled)."""
    terms = " + ".join(
        f"(ascii(substr({value}, {i + 1}, 1)) - 48) * {w}" for i, w in enumerate(_ID_WEIGHTS)
    )
    return f"substr('10X98765432', (({terms}) % 11)::INTEGER + 1, 1)"


def _uscc_check_sql(value: str) -> str:
    terms = " + ".join(
        f"(instr('{USCC_CHARSET}', substr({value}, {i + 1}, 1)) - 1) * {w}"
        for i, w in enumerate(_USCC_WEIGHTS)
    )
    return f"substr('{USCC_CHARSET}', ((31 - ({terms}) % 31) % 31)::INTEGER + 1, 1)"


@functools.cache
def _traditional_class() -> str:
    return "".join(sorted(traditional_to_simplified_table()))


def _templates() -> dict[str, tuple[tuple[str, ...], str]]:
    """Each rule once, as a template: name → (parameters, body in DuckDB's SQL).

    A body calls only built-in functions, other templates (expanded in place, as DuckDB
    expands a macro) and the Python fallbacks `hub_py_*`, which each fast path reaches only
    for the values it rejects. Each fast path starts with `WHEN s IS NULL OR s = ''`: an empty
    value fails every fast-path test, and would otherwise reach the Python fallback once per
    row of a sparse column.
    """
    trad = _traditional_class()
    space = "\\s\\x{3000}\\x{FF01}-\\x{FF5E}"  # white space, the ideographic space, full-width forms
    return {
        # ID numbers: clean 18-character values pass straight through.
        "hub_std_id": (("s",), "CASE WHEN s IS NULL OR s = '' THEN NULL "
                       "WHEN regexp_full_match(s, '[0-9]{17}[0-9X]') THEN s "
                       "ELSE hub_py_std_id(s) END"),
        # GB 11643 check character (DuckDB runs `_KERNELS`' NumPy form of the same rule).
        "hub_id_valid": (("s",), "coalesce(regexp_full_match(s, '[0-9]{17}[0-9X]') AND "
                         f"{id_check_sql('s')} = substr(s, 18, 1), false)"),
        "hub_std_uscc": (("s",), "CASE WHEN s IS NULL OR s = '' THEN NULL "
                         "WHEN regexp_full_match(s, '[0-9A-Z]{18}') THEN s "
                         "ELSE upper(hub_py_fold_code(s)) END"),
        # GB 32100 check character.
        "hub_uscc_valid": (("s",), "coalesce(regexp_full_match(s, '[0-9A-HJ-NPQRTUWXY]{18}') "
                           f"AND {_uscc_check_sql('s')} = substr(s, 18, 1), false)"),
        # Names: pure (simplified) Han names with a middle dot need no folding.
        "hub_name": (("s",), "CASE WHEN s IS NULL OR s = '' THEN NULL "
                     "WHEN NOT regexp_matches(s, '[^\\p{Han}·]') THEN nullif(s, '') "
                     "ELSE hub_py_fold_name(s) END"),
        "hub_name_norm": (("s",), "CASE WHEN s IS NULL OR s = '' THEN NULL "
                          f"WHEN NOT regexp_matches(s, '[^\\p{{Han}}·]|[{trad}]') "
                          "THEN nullif(s, '') ELSE hub_py_normalise_name(s) END"),
        "hub_text": (("s",), "CASE WHEN s IS NULL OR s = '' THEN NULL "
                     f"WHEN regexp_full_match(s, '[^{space}]+( [^{space}]+)*') THEN s "
                     "ELSE hub_py_fold_text(s) END"),
        "hub_code": (("s",), "CASE WHEN s IS NULL OR s = '' THEN NULL "
                     f"WHEN regexp_full_match(s, '[^{space}]+') THEN s "
                     "ELSE hub_py_fold_code(s) END"),
        # Dates: ISO, slashes, compact, dotted, Chinese, or an Excel serial; years 1900-2100.
        # (Nested templates, not scalar subqueries: DuckDB would run those as correlated joins.)
        "hub_date_any": (("c",), "CASE "
                         "WHEN regexp_full_match(c, '[0-9]{8}') "
                         "THEN CAST(try_strptime(c, '%Y%m%d') AS DATE) "
                         "WHEN regexp_full_match(c, '[0-9]{4}-[0-9]{2}-[0-9]{2}') "
                         "THEN TRY_CAST(c AS DATE) "
                         "WHEN regexp_full_match(c, '[1-9][0-9]{4}(\\.0+)?') "
                         f"THEN {_EXCEL_EPOCH} + CAST(CAST(c AS DOUBLE) AS INTEGER) "
                         f"ELSE CAST(try_strptime(c, {_DATE_FORMATS}) AS DATE) END"),
        "hub_date_in_range": (("d",), "CASE WHEN year(d) BETWEEN 1900 AND 2100 THEN d END"),
        "hub_date": (("s",), "hub_date_in_range(hub_date_any(hub_code(s)))"),
        # Months as 'YYYYMM': YYYYMM, YYYY-MM, YYYY/M, or any date form above.
        "hub_month_of": (("c",), "CASE "
                         "WHEN regexp_full_match(c, '(19|20)[0-9]{2}(0[1-9]|1[0-2])') THEN c "
                         "WHEN regexp_full_match(c, '(19|20)[0-9]{2}[-/.年](0?[1-9]|1[0-2])月?') "
                         "THEN substr(c, 1, 4) || lpad(regexp_extract(c, "
                         "'^[0-9]{4}[-/.年]([0-9]{1,2})', 1), 2, '0') "
                         "ELSE strftime(hub_date(c), '%Y%m') END"),
        "hub_month": (("s",), "hub_month_of(hub_code(s))"),
        # Numbers: plain decimals, thousands separated by commas only in groups of three
        # (`8,500.00`; `1.000,50` or `1,2,3` cannot be read), no inner spaces, no exponent; an
        # amount with more than cents is read only when the rest is float noise (`3547.0899…`).
        "hub_number_of": (("c",), "CASE "
                          "WHEN regexp_full_match(c, '[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)') THEN c "
                          "WHEN regexp_full_match(c, '[+-]?[0-9]{1,3}(,[0-9]{3})+(\\.[0-9]*)?') "
                          "THEN replace(c, ',', '') END"),
        "hub_number_text": (("s",), "hub_number_of(hub_text(s))"),
        "hub_cents": (("t",), "CASE "
                      "WHEN abs(TRY_CAST(t AS DECIMAL(14,2)) - TRY_CAST(t AS DOUBLE)) < 0.000001 "
                      "THEN TRY_CAST(t AS DECIMAL(14,2)) END"),
        "hub_amount": (("s",), "hub_cents(hub_number_text(s))"),
        "hub_integer_of": (("c",), "CASE WHEN regexp_full_match(c, '-?[0-9]+(\\.0+)?') "
                           "THEN TRY_CAST(TRY_CAST(c AS DECIMAL(38,2)) AS BIGINT) END"),
        "hub_integer": (("s",), "hub_integer_of(hub_number_text(s))"),
        "hub_finite": (("v",), "CASE WHEN isfinite(v) THEN v END"),
        "hub_decimal": (("s",), "hub_finite(TRY_CAST(hub_number_text(s) AS DOUBLE))"),
        "hub_id_list": (("s",), "list_transform(s, lambda x: hub_std_id(x))"),
    }


# Where an engine runs a template's rule faster another way, with the same result (a property
# test keeps them equal): DuckDB computes GB 11643 check characters with NumPy, one matrix
# product per vector, 2.5-3x the speed of the unrolled SQL.
_KERNELS: dict[str, dict[str, tuple[tuple[str, ...], str]]] = {
    "duckdb": {"hub_id_valid": (("s",), "hub_py_id_valid(s)")},
}

_DIALECT = "duckdb"  # the dialect the templates are written in


@functools.cache
def _parsed(engine: str) -> dict[str, tuple[tuple[str, ...], exp.Expression]]:
    """The templates parsed once, with the engine's kernels in place of their rules."""
    templates = {**_templates(), **_KERNELS.get(engine, {})}
    return {name: (params, sqlglot.parse_one(body, read=_DIALECT))
            for name, (params, body) in templates.items()}


def expand(name: str, *args: exp.Expression, engine: str = _DIALECT) -> exp.Expression:
    """Template `name` applied to `args`, every template it calls expanded in place: an
    expression of built-in functions (and the `hub_py_*` fallbacks) only."""
    templates = _parsed(engine)
    params, body = templates[name]
    bindings = dict(zip(params, args, strict=True))

    def substitute(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and not node.table and node.name in bindings:
            return bindings[node.name].copy()
        if isinstance(node, exp.Anonymous) and node.name.lower() in templates:
            inner = [arg.transform(substitute) for arg in node.expressions]
            return expand(node.name.lower(), *inner, engine=engine)
        return node

    return body.transform(substitute)


@functools.lru_cache(maxsize=4096)
def expand_sql(name: str, *args: str, engine: str = _DIALECT) -> str:
    """`expand` on SQL text: `expand_sql("hub_code", '"district"')` → the SQL for `engine`.
    Kept per arguments: every chunk of every batch asks for the same columns again, and
    sqlglot's copies and transforms cost about 0.5 s a batch of social insurance."""
    parsed = [sqlglot.parse_one(arg, read=engine) for arg in args]
    return expand(name, *parsed, engine=engine).sql(dialect=engine)


def _macros() -> list[str]:
    """Every template as a DuckDB macro, for SQL that calls the rules by name (the cross-check,
    analysts): the same expanded expressions ingestion inlines."""
    return [f"CREATE OR REPLACE MACRO {name}({', '.join(params)}) AS "
            f"{expand(name, *(exp.column(p) for p in params)).sql(dialect='duckdb')}"
            for name, (params, _) in _parsed("duckdb").items()]


_CHECK_CODES = np.frombuffer(b"10X98765432", dtype=np.uint8)
_ID18 = r"^[0-9]{17}[0-9X]$"


def _ids_valid(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """GB 11643 validity of a vector of ID numbers, as one matrix product (3× the SQL speed)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    shaped = pc.fill_null(pc.match_substring_regex(values, _ID18), False)
    valid = np.zeros(len(values), dtype=bool)
    rows = np.flatnonzero(shaped.to_numpy(zero_copy_only=False))
    if len(rows):
        ids = pc.take(values, pa.array(rows))
        if isinstance(ids, pa.ChunkedArray):
            ids = ids.combine_chunks()
        data = np.frombuffer(ids.buffers()[2], dtype=np.uint8)
        offsets = np.frombuffer(ids.buffers()[1], dtype=np.int32)[ids.offset:ids.offset + len(ids)]
        chars = data[offsets[:, None] + np.arange(18)]
        totals = (chars[:, :17].astype(np.int64) - 48) @ np.array(_ID_WEIGHTS, dtype=np.int64)
        valid[rows] = _CHECK_CODES[totals % 11] == chars[:, 17]
    return pa.array(valid)


_STANDARDISE = {
    ItemType.ID_NUMBER: "hub_std_id", ItemType.ID_LIST: "hub_id_list",
    ItemType.USCC: "hub_std_uscc", ItemType.NAME: "hub_name", ItemType.TEXT: "hub_text",
    ItemType.CODE: "hub_code", ItemType.DISTRICT: "hub_code", ItemType.DATE: "hub_date",
    ItemType.MONTH: "hub_month", ItemType.AMOUNT: "hub_amount",
    ItemType.INTEGER: "hub_integer", ItemType.DECIMAL: "hub_decimal",
}


def standardise_sql(item_type: ItemType, raw: str, engine: str = _DIALECT) -> str:
    """SQL standardising the delivered text `raw` (SQL) of a data item of this type."""
    return expand_sql(_STANDARDISE[item_type], raw, engine=engine)


FALLBACK_PREFIX = "hub_py_"  # the Python fallbacks' names in expanded SQL


def without_kernels(tree: exp.Expression, engine: str) -> exp.Expression:
    """`tree` (expanded for DuckDB) with each of DuckDB's kernels replaced by its rule's
    template expanded for `engine`: SQL for an engine without those kernels (Spark)."""
    kernels = {body.split("(")[0]: name for name, (_, body) in _KERNELS["duckdb"].items()}

    def swap(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Anonymous) and node.name.lower() in kernels:
            return expand(kernels[node.name.lower()], *node.expressions, engine=engine)
        return node

    return tree.transform(swap)


def python_fallback(name: str) -> Callable[[str | None], str | None]:
    """The Python function behind fallback `name` (`hub_py_*`), for engines that apply it to
    the values their fast path rejects (Spark: `pipelines.spark_engine`)."""
    return _PYTHON_FALLBACKS[name.lower()]


def _arrow_udf(fn: Callable[[str | None], str | None]) -> Callable[[pa.Array], pa.Array]:
    def udf(values: pa.Array) -> pa.Array:
        return pa.array([fn(v) for v in values.to_pylist()], pa.string())

    return udf


_PYTHON_FALLBACKS: dict[str, Callable[[str | None], str | None]] = {
    "hub_py_std_id": standardise_id,
    "hub_py_fold_name": fold_name,
    "hub_py_normalise_name": normalise_name,
    "hub_py_fold_text": fold_text,
    "hub_py_fold_code": fold_code,
}


def register_fallbacks(con: duckdb.DuckDBPyConnection) -> None:
    """Register the Python fallbacks (and kernels) the expanded templates call: all that SQL
    from `standardise_sql`/`expand_sql` needs on a pipeline connection (not the gateway's)."""
    for name, fn in _PYTHON_FALLBACKS.items():
        con.create_function(
            name, _arrow_udf(fn), ["VARCHAR"], "VARCHAR", type="arrow",
            null_handling="special", side_effects=False,
        )
    con.create_function("hub_py_id_valid", _ids_valid, ["VARCHAR"], "BOOLEAN", type="arrow",
                        null_handling="special", side_effects=False)


def register_functions(con: duckdb.DuckDBPyConnection) -> None:
    """`register_fallbacks`, and every template as a macro for SQL that names the rules."""
    register_fallbacks(con)
    for sql in _macros():
        con.execute(sql)


def unregister_functions(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the Python functions before closing, so no Python objects outlive the connection."""
    for name in [*_PYTHON_FALLBACKS, "hub_py_id_valid"]:
        con.remove_function(name)


def expand_calls(tree: exp.Expression) -> exp.Expression:
    """`tree` with every call of a rule by name (`hub_id_valid(x)`, the macros SQL written for
    DuckDB may call) expanded in place: for an engine without the macros (Spark)."""
    templates = _parsed(_DIALECT)

    def swap(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Anonymous) and node.name.lower() in templates:
            return expand(node.name.lower(), *(expand_calls(a) for a in node.expressions))
        return node

    return tree.transform(swap)
