"""Parquet: columns named as declared, each readable as its item (a value, or a list of
values for an ID list), copied as text with the row as JSON beside them."""

from __future__ import annotations

from pathlib import Path

import duckdb

from catalog import ItemType
from catalog.i18n import _, lazy
from pipelines.ingest.fields import ident, sql_str
from pipelines.ingest.readers.common import (
    BatchRejected,
    RawResult,
    ReadContext,
    copy_part,
    csv_header,
    lineage_sql,
)

__all__ = ["read"]


_NESTED = ("STRUCT(", "MAP(", "UNION(")


def _is_value_type(sql_type: str) -> bool:
    return not sql_type.endswith("]") and not sql_type.startswith(_NESTED)


def _fits(item_type: ItemType, sql_type: str) -> bool:
    """Whether a Parquet column of `sql_type` can be read as the item: a value (any scalar
    type, read as its text), or for an ID list a list of values."""
    if item_type is ItemType.ID_LIST:
        element = sql_type[: sql_type.rfind("[")] if sql_type.endswith("]") else ""
        return bool(element) and _is_value_type(element)
    return _is_value_type(sql_type)


def read(ctx: ReadContext, file: Path, result: RawResult, chunk_bytes: int) -> None:
    resource = ctx.resource
    source = f"read_parquet({sql_str(str(file))}, file_row_number = true)"
    try:
        described = ctx.con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    except duckdb.Error as exc:
        raise BatchRejected(lazy("{name} is not a readable Parquet file ({error})",
                                 name=file.name, error=str(exc))) from None
    columns = [row[0] for row in described if row[0] != "file_row_number"]
    csv_header(resource, resource.delimiter.join(columns))
    types = {row[0]: row[1] for row in described}
    wrong = [(item.source, types[item.source]) for item in resource.items
             if not _fits(item.type, types[item.source])]
    if wrong:
        raise BatchRejected(lambda: _(
            "{name}: column type(s) the contract cannot hold: {columns} (values, or a list of "
            "values for ID lists)", name=file.name, columns=_("; ").join(
                _("{column} is {type}", column=column, type=kind) for column, kind in wrong)))
    values = []
    for item in resource.items:
        col = ident(item.source)
        if item.type is ItemType.ID_LIST:
            values.append(f"CAST({col} AS VARCHAR[]) AS {ident(item.name)}")
        else:
            values.append(f"CAST({col} AS VARCHAR) AS {ident(item.name)}")
    record = "to_json(struct_pack(" + ", ".join(
        f"{ident(item.source)} := {ident(item.source)}" for item in resource.items
    ) + "))::VARCHAR"
    copy_part(
        ctx,
        f"SELECT {lineage_sql(ctx, file, 'file_row_number + 1')}, NULL::VARCHAR AS _error, "
        f"{record} AS _record, {', '.join(values)} FROM {source}",
        result,
    )
    result.rows += ctx.con.execute(f"SELECT count(*) FROM {source}").fetchall()[0][0]
