"""CSV: the header checked against the contract and the lines indexed (the raw step); each
line's fields, structural error and delivered text as SQL over a decoded chunk (the pass)."""

from __future__ import annotations

from pathlib import Path

from catalog import Resource
from pipelines.ingest.delivered import kept_path
from pipelines.ingest.fields import csv_split_sql, ident
from pipelines.ingest.readers.common import (
    REPLACEMENT,
    RawResult,
    ReadContext,
    csv_header,
    relative,
)
from pipelines.ingest.readers.text import first_line, index_lines

__all__ = ["delivered_sql", "read"]


def read(ctx: ReadContext, file: Path, result: RawResult, chunk_bytes: int) -> None:
    header = first_line(kept_path(ctx.lake, ctx.kept[file]), ctx.resource.encoding)
    result.layout[relative(ctx, file)] = csv_header(ctx.resource, header)
    index_lines(ctx, file, result, chunk_bytes, header=True)


def delivered_sql(resource: Resource, lineage: str, positions: dict[str, int]) -> str:
    """The records of a decoded chunk (`chunk`: line_no, line; header and blank lines gone):
    `lineage`, `_error` (a broken line), `_record` (the line as delivered) and each item's
    delivered text at the position the file's header gave it (NULL where the line is broken).
    The line is split once, for its error and its fields."""
    parts, fields = csv_split_sql(resource.delimiter)
    items = ", ".join(f"CASE WHEN _error IS NULL THEN fields[{positions[i.name] + 1}] END "
                      f"AS {ident(i.name)}" for i in resource.items)
    return (
        f"SELECT {lineage}, _error, line AS _record, {items} FROM ("
        f"SELECT *, CASE WHEN contains(line, '{REPLACEMENT}') OR contains(line, chr(0)) "
        "THEN 'invalid_encoding' WHEN fields IS NULL THEN 'unbalanced_quote' "
        f"WHEN len(fields) <> {len(resource.items)} THEN 'field_count' END AS _error FROM ("
        f"SELECT line_no, line, {fields} AS fields "
        f"FROM (SELECT line_no, line, {parts} AS parts FROM chunk)))"
    )
