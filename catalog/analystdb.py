"""The analysts' DuckDB database: a schema per layer, views over the files the registry lists.

It is rebuilt whole in a private file and renamed over the old one, so a reader (analyst, API,
gateway) that opens it read-only always sees one consistent set of versions, and no process
ever holds it open for writing while others read.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pyarrow as pa
from sqlalchemy import select

from catalog.current import newest_per_key_sql, recorded_current_rows
from catalog.homestamp import stamp_views
from catalog.lake import RAW_INDEX, connect, fsync_path, in_home, parquet_columns
from catalog.model import ItemType, Load, Resource, SourceFormat
from catalog.originals import shown_originals
from catalog.registry import BatchRecord, BatchStatus, Publication, Registry, ResourceEntry
from catalog.settings import HubSettings
from catalog.sqltext import ident, sql_str

__all__ = ["SCHEMAS", "quarantine_columns", "raw_columns", "rebuild_analyst_db"]

SCHEMAS = ("raw", "standardised", "quarantine", "history", "published", "meta")
LINEAGE_COLUMNS = {
    "_batch_id": "VARCHAR", "_file": "VARCHAR", "_record_no": "BIGINT", "_sha256": "VARCHAR",
}
_LIVE = (BatchStatus.STANDARDISED, BatchStatus.PUBLISHED)
_INDEX_COLUMNS = {"_file_sha256": "VARCHAR", "_offset": "BIGINT", "_length": "BIGINT"}
# Rules a record fails before any of its values is read: the raw record's `_error`.
_STRUCTURAL_SQL = ("q._item IS NULL AND q._rule NOT IN ('duplicate_row', 'duplicate_key')")


def raw_columns(resource: Resource) -> dict[str, str]:
    """Text deliveries: each record's lineage, structural error and where its line lies in the
    kept delivered file (`_file_sha256`, `_offset`, `_length`: `pipelines.ingest.delivered`),
    with the line itself for a quarantined record. Others keep their fields too."""
    columns = {**LINEAGE_COLUMNS, "_error": "VARCHAR", "_record": "VARCHAR"}
    if resource.format in (SourceFormat.CSV, SourceFormat.JSONL):
        return {**columns, **_INDEX_COLUMNS}
    for item in resource.items:
        columns[item.name] = "VARCHAR[]" if item.type is ItemType.ID_LIST else "VARCHAR"
    return columns


def standardised_columns(resource: Resource) -> dict[str, str]:
    if not resource.is_delivered:
        # A derived dataset holds computed values only: no originals, one run id as lineage.
        return {"_batch_id": "VARCHAR",
                **{i.name: i.lake_columns()[i.name] for i in resource.items}}
    columns = dict(LINEAGE_COLUMNS)
    for item in resource.items:
        columns.update(item.lake_columns())
    return columns


def quarantine_columns() -> dict[str, str]:
    return {**LINEAGE_COLUMNS, "_rule": "VARCHAR", "_item": "VARCHAR", "_rules": "VARCHAR[]",
            "_record": "VARCHAR"}


def _scan(settings: HubSettings, files: list[str], columns: dict[str, str],
          shown: dict[str, str] | None = None) -> str:
    """A query over exactly these files (named below `~`, the home: `catalog.lake.in_home`),
    or an empty one of the same shape; `shown` gives the columns read through an expression."""
    if not files:
        nulls = ", ".join(f"NULL::{t} AS {ident(c)}" for c, t in columns.items())
        return f"SELECT {nulls} WHERE false"
    listed = ", ".join(sql_str(in_home(settings, f)) for f in files)
    shown = shown or {}
    # Files read with an older schema revision lack the items added since: NULL there.
    present = parquet_columns(files)
    cols = ", ".join(f"NULL::{t} AS {ident(c)}" if c not in present
                     else f"{shown[c]} AS {ident(c)}" if c in shown else ident(c)
                     for c, t in columns.items())
    return f"SELECT {cols} FROM read_parquet([{listed}], union_by_name = true)"


def _raw_view(settings: HubSettings, resource: Resource, batches: list[BatchRecord]) -> str:
    """The raw records of the batches that were read. A text batch's are its index (one row
    per delivered line), with the line's text for the records it quarantined (their
    `_record`) and the structural error they were found with; a batch read before the index
    existed, or an XLSX or Parquet batch, has raw parts with every record in full."""
    columns = raw_columns(resource)
    read = [b for b in batches if b.raw_path]
    indexed = [b for b in read if (Path(b.raw_path or "") / RAW_INDEX).exists()]
    parts = [f"{b.raw_path}/{p.name}" for b in read if b not in indexed
             for p in sorted(Path(b.raw_path or "").glob("*.parquet"))]
    if not indexed:
        return _scan(settings, parts, columns)
    index = ", ".join(sql_str(in_home(settings, f"{b.raw_path}/{RAW_INDEX}")) for b in indexed)
    quarantines = [b.quarantine_path for b in indexed if b.quarantine_path]
    q = _scan(settings, quarantines, quarantine_columns())
    picked = ", ".join(
        f"coalesce(i._error, CASE WHEN {_STRUCTURAL_SQL} THEN q._rule END) AS _error"
        if c == "_error" else "q._record AS _record" if c == "_record" else f"i.{ident(c)}"
        for c in columns)
    view = (f"SELECT {picked} FROM read_parquet([{index}]) i LEFT JOIN ({q}) q "
            "USING (_batch_id, _file, _record_no)")
    return view if not parts else f"{_scan(settings, parts, columns)} UNION ALL {view}"


def _resource_views(settings: HubSettings, con, resource: Resource, batches: list[BatchRecord],
                    current: Publication | None) -> None:
    t = resource.table
    std_cols, shown = standardised_columns(resource), shown_originals(resource)
    con.execute(f"CREATE VIEW raw.{t} AS {_raw_view(settings, resource, batches)}")
    live = [b.accepted_path for b in batches if b.status in _LIVE and b.accepted_path]
    con.execute(f"CREATE VIEW standardised.{t} AS {_scan(settings, live, std_cols, shown)}")
    quarantined = [b.quarantine_path for b in batches if b.quarantine_path]
    con.execute(f"CREATE VIEW quarantine.{t} AS "
                f"{_scan(settings, quarantined, quarantine_columns())}")
    published = [b.accepted_path for b in batches
                 if b.status is BatchStatus.PUBLISHED and b.accepted_path]
    con.execute(f"CREATE VIEW history.{t} AS {_scan(settings, published, std_cols, shown)}")
    current_ids = set(current.batch_ids) if current else set()
    current_files = [b.accepted_path for b in batches
                     if b.batch_id in current_ids and b.accepted_path]
    code = resource.code.replace("'", "''")
    if resource.load is Load.APPEND:
        # The newest row of each key, as decided when the batches were published; a set of
        # batches published before that decision existed gets the window in the view.
        rows = recorded_current_rows(settings, resource, [Path(f) for f in current_files])
        view = (_scan(settings, [str(f) for f in rows], std_cols, shown) if rows is not None
                else newest_per_key_sql(resource, _scan(settings, current_files, std_cols,
                                                        shown)))
        con.execute(f"CREATE VIEW published.{t} AS {view}")
        as_of_body = newest_per_key_sql(resource, f"SELECT * FROM history.{t} WHERE _batch_id <= b")
    else:
        con.execute(f"CREATE VIEW published.{t} AS "
                    f"{_scan(settings, current_files, std_cols, shown)}")
        as_of_body = (
            f"SELECT * FROM history.{t} WHERE _batch_id = (SELECT max(batch_id) FROM "
            f"meta.batches WHERE resource_code = '{code}' AND status = 'published' "
            f"AND batch_id <= b)"
        )
    # "As of" a batch id, or a point in time (the newest batch delivered by then).
    con.execute(f"CREATE MACRO history.{t}_as_of_batch(b) AS TABLE {as_of_body}")
    con.execute(
        f"CREATE MACRO history.{t}_as_of(ts) AS TABLE SELECT * FROM history.{t}_as_of_batch(("
        f"SELECT coalesce(max(batch_id), '') FROM meta.batches WHERE resource_code = '{code}' "
        f"AND status = 'published' AND delivered_at <= CAST(ts AS TIMESTAMPTZ)))"
    )


def _meta_tables(con, entries: list[ResourceEntry], batches: list[BatchRecord],
                 publications: list[Publication]) -> None:
    tables = {
        "resources": pa.Table.from_pylist(
            [{"code": e.code, "name": e.name, "provider_code": e.provider_code,
              "status": str(e.status), "sharing": e.declaration.get("sharing"),
              "open": e.declaration.get("open"), "load": e.declaration.get("load"),
              "update_cycle": e.declaration.get("update_cycle")} for e in entries]),
        "batches": pa.Table.from_pylist(
            [{"resource_code": b.resource_code, "batch_id": b.batch_id, "status": str(b.status),
              "reason": b.reason, "sha256": b.sha256, "delivered_at": b.delivered_at,
              "rows_in": b.rows_in, "rows_accepted": b.rows_accepted,
              "rows_quarantined": b.rows_quarantined} for b in batches],
            schema=pa.schema([("resource_code", pa.string()), ("batch_id", pa.string()),
                              ("status", pa.string()), ("reason", pa.string()),
                              ("sha256", pa.string()), ("delivered_at", pa.timestamp("us", "UTC")),
                              ("rows_in", pa.int64()), ("rows_accepted", pa.int64()),
                              ("rows_quarantined", pa.int64())])),
        "publications": pa.Table.from_pylist(
            [{"resource_code": p.resource_code, "version": p.version,
              "batch_ids": list(p.batch_ids), "rows": p.rows, "published_at": p.published_at}
             for p in publications],
            schema=pa.schema([("resource_code", pa.string()), ("version", pa.int64()),
                              ("batch_ids", pa.list_(pa.string())), ("rows", pa.int64()),
                              ("published_at", pa.timestamp("us", "UTC"))])),
    }
    for name, table in tables.items():
        con.register("incoming", table)
        con.execute(f"CREATE TABLE meta.{name} AS SELECT * FROM incoming")
        con.unregister("incoming")


def rebuild_analyst_db(settings: HubSettings, registry: Registry,
                       resources: list[Resource]) -> Path:
    """Write a fresh analysts' database and atomically put it in place of the old one."""
    with registry.session() as s:
        entries = list(s.scalars(select(ResourceEntry).order_by(ResourceEntry.code)))
        batches = list(s.scalars(select(BatchRecord).order_by(BatchRecord.batch_id)))
        publications = list(s.scalars(select(Publication).order_by(Publication.version)))
    target = settings.analyst_db
    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.with_name(f".{target.name}.{uuid.uuid4().hex}")
    try:
        con = connect(settings, building)
        try:
            for schema in SCHEMAS:
                con.execute(f"CREATE SCHEMA {schema}")
            _meta_tables(con, entries, batches, publications)
            for resource in resources:
                mine = [b for b in batches if b.resource_code == resource.code]
                current = [p for p in publications if p.resource_code == resource.code]
                _resource_views(settings, con, resource, mine, current[-1] if current else None)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        fd = os.open(building, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(building, target)
        fsync_path(target.parent)
        stamp_views(settings)
    finally:
        for leftover in (building, building.with_name(building.name + ".wal")):
            leftover.unlink(missing_ok=True)
    return target
