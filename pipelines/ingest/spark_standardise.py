"""The standardisation of a decoded batch on Spark: the same rules, the same outputs.

The batch is decoded on DuckDB (`decode_batch`: the delivered fields of the batch, read once
from its kept files, one Parquet file on storage every executor reads); the standardisation itself is
`pipelines.ingest.standardise.standardised_sql` — the same sqlglot expressions DuckDB runs —
generated for Spark (`pipelines.spark_engine`), followed by the same duplicate rules and the
same two files (`accepted.parquet`, `quarantine.parquet`) and pass counts as
`standardise_batch` writes. The parity test (`tests/pipelines/test_spark_parity.py`) holds the
two to the same rows.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from catalog import DataItem, Resource
from catalog.lake import PASS_COUNTS
from catalog.originals import stored_original_sql
from pipelines.ingest.fields import delivered_fields_sql, ident, sql_str
from pipelines.ingest.onepass import delivered_chunks, into_table, is_indexed
from pipelines.ingest.standardise import StandardiseResult, standardised_sql
from pipelines.spark_engine import SparkEngine

__all__ = ["decode_batch", "spark_standardise_batch"]

_LINEAGE = "_batch_id, _file, _record_no, _sha256"
_STD, _DUP = "hub_std_rules", "hub_std"


def decode_batch(con: duckdb.DuckDBPyConnection, resource: Resource, raw_dir: Path, out: Path,
                 layout: dict[str, dict[str, int]] | None,
                 chunk_bytes: int = 64 * 1024 * 1024) -> Path:
    """The delivered fields of a batch (lineage, `_error`, `_record`, each item's text)
    written by DuckDB to `out` (a Parquet file): what Spark standardises. A text batch is
    decoded from its kept files in one pass (`pipelines.ingest.onepass`), chunk by chunk into
    a temporary table; an XLSX or Parquet batch is read from its raw parts."""
    if not is_indexed(raw_dir):
        raw = f"read_parquet({sql_str(f'{raw_dir}/*.parquet')})"
        con.execute(f"COPY ({delivered_fields_sql(resource, raw, layout)}) "
                    f"TO {sql_str(str(out))} (FORMAT parquet, COMPRESSION snappy)")
        return out
    into_table(con, "hub_decoded", delivered_chunks(con, resource, raw_dir, layout, chunk_bytes))
    try:
        con.execute(f"COPY hub_decoded TO {sql_str(str(out))} (FORMAT parquet, COMPRESSION snappy)")
    finally:
        con.execute("DROP TABLE IF EXISTS hub_decoded")
    return out


def _stored(item: DataItem, column: str) -> str:
    if column != item.name + "_orig":
        return ident(column)
    return f"{stored_original_sql(item, ident(item.name), ident(column))} AS {ident(column)}"


def spark_standardise_batch(engine: SparkEngine, resource: Resource, decoded: Path,
                            out: Path) -> StandardiseResult:
    """`standardise_batch` on Spark, over the decoded batch `decoded`: the same files in `out`."""
    items = resource.items
    fields = f"SELECT * FROM read_parquet({sql_str(str(decoded))})"
    rules = engine.sql(standardised_sql(items, fields, f"{_LINEAGE}, _record")).persist()
    engine.view(_STD, rules)
    key = ", ".join(ident(k) for k in resource.key)
    values = ", ".join(ident(item.name) for item in items)
    position = "max(_file || lpad(CAST(_record_no AS VARCHAR), 20, '0'))"
    dup = engine.sql(
        f"WITH ok AS (SELECT * FROM {_STD} WHERE len(_rules) = 0), "
        f"repeated AS (SELECT {key} FROM ok GROUP BY {key} HAVING count(*) > 1), "
        f"candidates AS (SELECT * FROM ok SEMI JOIN repeated USING ({key})), "
        f"ranked AS (SELECT _file, _record_no, "
        f"row_number() OVER (PARTITION BY {values} ORDER BY _file, _record_no) AS copy_no, "
        f"{position} OVER (PARTITION BY {key}) AS last_pos, "
        f"{position} OVER (PARTITION BY {values}) AS last_copy_pos FROM candidates) "
        f"SELECT _file, _record_no, CASE WHEN copy_no > 1 THEN 'duplicate_row' "
        f"ELSE 'duplicate_key' END AS rule FROM ranked "
        f"WHERE copy_no > 1 OR last_copy_pos <> last_pos")
    engine.view("hub_std_dup", dup)
    kept = ", ".join(f"s.{ident(c)}" for c in rules.columns
                     if c != "_rules" and not c.startswith("_hub_"))
    std = engine.sql(
        f"SELECT {kept}, CASE WHEN d.rule IS NOT NULL THEN [d.rule] ELSE s._rules END AS _rules "
        f"FROM {_STD} s LEFT JOIN hub_std_dup d "
        f"ON s._file = d._file AND s._record_no = d._record_no").persist()
    engine.view(_DUP, std)
    col_list = ", ".join(_stored(item, c) for item in items for c in item.lake_columns())
    accepted = engine.sql(
        f"SELECT {_LINEAGE}, {col_list} FROM {_DUP} WHERE len(_rules) = 0").toArrow()
    pq.write_table(accepted, out / "accepted.parquet", compression="snappy")
    quarantine = engine.sql(
        f"SELECT {_LINEAGE}, split_part(_rules[1], ':', 1) AS _rule, "
        f"nullif(split_part(_rules[1], ':', 2), '') AS _item, _rules, _record "
        f"FROM {_DUP} WHERE len(_rules) > 0 ORDER BY _file, _record_no").toArrow()
    pq.write_table(quarantine, out / "quarantine.parquet", compression="snappy")
    std.unpersist()
    rules.unpersist()
    counts = _pass_counts(resource, accepted)
    (out / PASS_COUNTS).write_text(json.dumps(counts, sort_keys=True))
    by_rule = dict(sorted(Counter(quarantine.column("_rule").to_pylist()).items()))
    rows_in = accepted.num_rows + quarantine.num_rows
    return StandardiseResult(rows_in, accepted.num_rows, quarantine.num_rows, by_rule, counts)


def _pass_counts(resource: Resource, accepted: pa.Table) -> dict:
    """The counts `standardise_batch` writes for the quality gate, from the accepted rows the
    driver already holds: rows, each item's NULLs, the rows beyond the first of each key."""
    keys = list(resource.key)
    sizes = accepted.group_by(keys).aggregate([([], "count_all")]).column("count_all")
    extra = pc.sum(pc.subtract(sizes, 1)).as_py() if len(sizes) else 0
    return {"rows": accepted.num_rows,
            "nulls": {i.name: accepted.column(i.name).null_count for i in resource.items},
            "key": keys, "key_duplicates": int(extra)}
