"""Spreadsheet formula injection (CWE-1236): the one rule every CSV the hub writes goes through.

A department's text such as `=HYPERLINK(…)`, `+SUM(…)`, `-2+3+cmd|…` or `@SUM(…)` would run as
a formula when a CSV of it is opened in Excel or WPS. As OWASP's "CSV Injection" guidance asks,
a text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is written with a
leading apostrophe (`'=HYPERLINK(…)`), so the spreadsheet shows it as text.

Numbers stay numbers: only text cells are touched. A column typed as a number (an amount of
−1 200.50) is written by the CSV writer as `-1200.5` and opens as that number. A text cell
that is nothing but a plain decimal number (`-12`, `+3.5`: a sign, digits, at most one decimal
point) is left as it is too — a spreadsheet reads it as that number and nothing else, so there
is nothing to neutralise. Everything else starting with those characters (`-2+3`, `+86 752…`,
`-1e5`) gets the apostrophe: the cost of the rule is that such text shows it.

Parquet and Arrow downloads are typed data for programs, not spreadsheets: unchanged.
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["neutralise", "neutralise_text", "safe_schema"]

# RE2 (pyarrow) and Python `re` read both patterns the same way.
_TRIGGER = r"^[=+\-@\t\r]"
_PLAIN_NUMBER = r"^[+-]?[0-9]+(\.[0-9]+)?$"
_TRIGGER_RE, _PLAIN_NUMBER_RE = re.compile(_TRIGGER), re.compile(_PLAIN_NUMBER)
_PREFIX = "'"


def neutralise_text(value: str) -> str:
    """One text cell, safe to open in a spreadsheet (the rule in the module docstring)."""
    if _TRIGGER_RE.match(value) and not _PLAIN_NUMBER_RE.match(value):
        return _PREFIX + value
    return value


def _is_text(dtype: pa.DataType) -> bool:
    return pa.types.is_string(dtype) or pa.types.is_large_string(dtype)


def _text_type(dtype: pa.DataType) -> pa.DataType:
    """Dictionary-encoded text is written decoded (its values may need the prefix)."""
    if pa.types.is_dictionary(dtype) and _is_text(dtype.value_type):
        return dtype.value_type
    return dtype


def safe_schema(schema: pa.Schema) -> pa.Schema:
    """The schema `neutralise` gives batches of `schema` (for a writer opened beforehand)."""
    return pa.schema([f.with_type(_text_type(f.type)) for f in schema], metadata=schema.metadata)


def _column(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if not _is_text(column.type):
        return column
    needs = pc.and_(pc.match_substring_regex(column, _TRIGGER),
                    pc.invert(pc.match_substring_regex(column, _PLAIN_NUMBER)))
    if not pc.any(needs).as_py():
        return column
    return pc.if_else(needs, pc.binary_join_element_wise(_PREFIX, column, ""), column)


def neutralise(data: pa.RecordBatch | pa.Table) -> pa.RecordBatch | pa.Table:
    """`data` with every text cell neutralised; other columns as they were."""
    columns = [_column(c) for c in data.columns]
    if isinstance(data, pa.Table):
        return pa.Table.from_arrays(columns, schema=safe_schema(data.schema))
    return pa.RecordBatch.from_arrays(columns, schema=safe_schema(data.schema))
