"""JSON Lines: one object per line, checked for encoding, syntax, repeated and wrongly typed
fields; a declared field absent from every record (of the first chunk) rejects the batch."""

from __future__ import annotations

from pathlib import Path

import duckdb

from catalog import ItemType, Resource
from catalog.i18n import _
from pipelines.ingest.delivered import kept_path
from pipelines.ingest.fields import ident, json_path, sql_str
from pipelines.ingest.readers.common import (
    REPLACEMENT,
    BatchRejected,
    RawResult,
    ReadContext,
    blank_filtered,
)
from pipelines.ingest.readers.text import index_lines, line_table, lines_of

__all__ = ["delivered_sql", "read"]


def read(ctx: ReadContext, file: Path, result: RawResult, chunk_bytes: int) -> None:
    """The raw step: the first chunk holding records is checked for the contract's fields
    (as the whole reader did before the one pass, so the same batches are refused), then the
    lines are indexed."""
    kept = kept_path(ctx.lake, ctx.kept[file])
    for first_line, lines in lines_of(kept, ctx.resource.encoding, chunk_bytes):
        table = blank_filtered(line_table(first_line, lines), RawResult())
        if table.num_rows == 0:
            continue
        ctx.con.register("chunk", table)
        try:
            ctx.con.execute(f"CREATE OR REPLACE TEMP VIEW json_chunk AS {_checked(ctx.resource)}")
            _check_json_fields(ctx)
        finally:
            ctx.con.unregister("chunk")
        break
    index_lines(ctx, file, result, chunk_bytes, header=False)


def delivered_sql(con: duckdb.DuckDBPyConnection, resource: Resource, lineage: str) -> str:
    """The records of a decoded chunk (`chunk`: line_no, line; blank lines gone): `lineage`,
    `_error` (a broken line), `_record` (the line as delivered) and each item's text at its
    contract path (NULL where the line is broken)."""
    con.execute(f"CREATE OR REPLACE TEMP VIEW json_chunk AS {_checked(resource)}")
    items = ", ".join(
        f"json_extract_string(CASE WHEN _error IS NULL THEN doc END, "
        f"{sql_str(json_path(i.source))}) AS {ident(i.name)}" for i in resource.items)
    return f"SELECT {lineage}, _error, line AS _record, {items} FROM json_chunk"


def _checked(resource: Resource) -> str:
    """Each line of `chunk` with its `_error` and, when it is a JSON object, `doc`.

    Parsing functions raise on malformed JSON, so each step only sees what passed the
    previous one: readable text, then valid JSON, then an object. Each document is parsed once
    for the types of its fields and once for the names in the objects they are read from
    (DuckDB's JSON functions parse on every call)."""
    parents = sorted({"$"} | {json_path(i.source).rsplit(".", 1)[0] for i in resource.items})
    paths = ", ".join(sql_str(json_path(i.source)) for i in resource.items)
    return (
        "SELECT line_no, line, CASE "
        f"WHEN {_UNREADABLE_LINE} THEN 'invalid_encoding' "
        "WHEN NOT is_object THEN 'malformed_json' "
        "WHEN list_bool_or(list_transform(names, "
        "lambda n: len(n) <> len(list_distinct(n)))) THEN 'repeated_field' "
        f"WHEN {_wrong_json_types(resource)} THEN 'wrong_type' END AS _error, "
        "CASE WHEN is_object THEN doc END AS doc FROM ("
        f"SELECT *, CASE WHEN is_object THEN json_type(doc, [{paths}]) END AS types, "
        f"CASE WHEN is_object THEN json_keys(doc, {_sql_list(parents)}) END AS names FROM ("
        "SELECT *, coalesce(json_type(doc) = 'OBJECT', false) AS is_object FROM ("
        f"SELECT line_no, line, CASE WHEN NOT ({_UNREADABLE_LINE}) "
        "AND json_valid(line) THEN line END AS doc FROM chunk)))"
    )


# Replaced bytes, or a NUL (raw, or escaped in JSON): no department's text holds one.
_UNREADABLE_LINE = (f"contains(line, '{REPLACEMENT}') OR contains(line, chr(0)) "
                    "OR contains(line, '\\u0000')")


def _sql_list(values: list[str]) -> str:
    return "[" + ", ".join(sql_str(v) for v in values) + "]"


def _wrong_json_types(resource: Resource) -> str:
    """SQL true when a field (`types`, in item order) holds what its item cannot be: an
    object, array or boolean for a value, anything but an array for a list of ID numbers. A
    field named twice in one object (`repeated_field`, checked before) is as bad: which value
    is meant is anybody's guess (DuckDB reads the first, most parsers the last)."""
    checks = []
    for n, item in enumerate(resource.items, start=1):
        if item.type is ItemType.ID_LIST:
            checks.append(f"coalesce(types[{n}] NOT IN ('ARRAY', 'NULL'), false)")
        else:
            checks.append(f"coalesce(types[{n}] IN ('OBJECT', 'ARRAY', 'BOOLEAN'), false)")
    return " OR ".join(checks) or "false"


def _check_json_fields(ctx: ReadContext) -> None:
    """A field absent from every record of the first chunk was renamed or dropped: reject."""
    checks = ", ".join(
        f"bool_or(json_exists(doc, {sql_str(json_path(item.source))}))"
        for item in ctx.resource.items
    )
    present = ctx.con.execute(
        f"SELECT count(*), {checks} FROM json_chunk WHERE doc IS NOT NULL"
    ).fetchall()[0]
    if present[0] == 0:
        return  # no valid record at all: every line is quarantined as malformed
    missing = [item.source for item, ok in zip(ctx.resource.items, present[1:]) if not ok]
    if missing:
        raise BatchRejected(lambda: _("field(s) {fields} missing from every record",
                                      fields=_(", ").join(missing)))
