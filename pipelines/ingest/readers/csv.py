"""CSV: each line with its lineage and structural error; fields are derived later
(`pipelines.ingest.fields`)."""

from __future__ import annotations

from pathlib import Path

from catalog.i18n import lazy
from pipelines.ingest.fields import csv_split_sql
from pipelines.ingest.readers.common import (
    REPLACEMENT,
    BatchRejected,
    RawResult,
    ReadContext,
    blank_filtered,
    copy_part,
    csv_header,
    lineage_sql,
    relative,
)
from pipelines.ingest.readers.text import line_table, lines_of, read_ahead

__all__ = ["read"]


def read(ctx: ReadContext, file: Path, result: RawResult, chunk_bytes: int) -> None:
    resource = ctx.resource
    positions: dict[str, int] | None = None
    parts, fields = csv_split_sql(resource.delimiter)
    for first_line, lines in read_ahead(lines_of(file, resource.encoding, chunk_bytes)):
        if positions is None:
            positions = csv_header(resource, lines[0].as_py())
            result.layout[relative(ctx, file)] = positions
            lines, first_line = lines[1:], first_line + 1
        table = blank_filtered(line_table(first_line, lines), result)
        if table.num_rows == 0:
            continue
        ctx.con.register("chunk", table)
        copy_part(
            ctx,
            f"SELECT {lineage_sql(ctx, file, 'line_no')}, CASE "
            f"WHEN contains(line, '{REPLACEMENT}') OR contains(line, chr(0)) "
            "THEN 'invalid_encoding' "
            "WHEN fields IS NULL THEN 'unbalanced_quote' "
            f"WHEN len(fields) <> {len(resource.items)} THEN 'field_count' END AS _error, "
            f"line AS _record FROM (SELECT line_no, line, {fields} AS fields "
            f"FROM (SELECT line_no, line, {parts} AS parts FROM chunk))",
            result,
        )
        ctx.con.unregister("chunk")
        result.rows += table.num_rows
    if positions is None:
        raise BatchRejected(lazy("{name} is empty", name=file.name))
