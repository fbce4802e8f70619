"""The standardised step's one pass over a text batch: each kept file (`pipelines.ingest.
delivered`) read once, chunk by chunk — decoded, split into fields and standardised by the
same SQL the readers and `standardise.standardised_sql` define — into the batch's table. No
copy of the records is written or read back; the delivered text is kept only for rows that
fail a rule, and fetched by offset for the (few) rows found duplicate afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import duckdb
import pyarrow as pa

from catalog import Resource, SourceFormat
from pipelines.ingest.delivered import INDEX, delivered_text, find_kept
from pipelines.ingest.fields import sql_str
from pipelines.ingest.readers import csv, jsonl
from pipelines.ingest.readers.common import RawResult, blank_filtered
from pipelines.ingest.readers.text import line_table, lines_of, read_ahead

__all__ = ["delivered_chunks", "index_sql", "into_table", "is_indexed", "text_of"]


def is_indexed(raw_dir: Path) -> bool:
    """Whether the batch's raw record is its kept files and their index (a text delivery read
    since issue 18), not raw parts."""
    return (raw_dir / INDEX).exists()


def index_sql(raw_dir: Path) -> str:
    """The batch's index of lines, as SQL (with each row's place in it)."""
    return f"read_parquet({sql_str(str(raw_dir / INDEX))}, file_row_number = true)"


def delivered_chunks(con: duckdb.DuckDBPyConnection, resource: Resource, raw_dir: Path,
                     layout: dict[str, dict[str, int]] | None, chunk_bytes: int
                     ) -> Iterator[str]:
    """For each chunk of each kept file of the batch, in delivery order: the chunk registered
    as `chunk` and the SQL of its records (lineage, `_error`, `_record`, each item's delivered
    text), valid until the next chunk is asked for."""
    files = con.execute(
        f"SELECT _file, any_value(_batch_id), any_value(_sha256), any_value(_file_sha256) "
        f"FROM {index_sql(raw_dir)} GROUP BY _file ORDER BY min(file_row_number)").fetchall()
    for rel, batch_id, sha256, file_sha256 in files:
        lineage = (f"{sql_str(batch_id)} AS _batch_id, {sql_str(rel)} AS _file, "
                   f"line_no AS _record_no, {sql_str(sha256)} AS _sha256")
        kept = find_kept(raw_dir, file_sha256)
        for first_line, lines in read_ahead(lines_of(kept, resource.encoding, chunk_bytes)):
            if resource.format is SourceFormat.CSV and first_line == 1:
                lines, first_line = lines[1:], 2  # the header
            table = blank_filtered(line_table(first_line, lines), RawResult())
            if table.num_rows == 0:
                continue
            con.register("chunk", table)
            try:
                if resource.format is SourceFormat.CSV:
                    if not layout or rel not in layout:
                        raise ValueError(f"{resource.code}: no header layout for {rel}")
                    yield csv.delivered_sql(resource, lineage, layout[rel])
                else:
                    yield jsonl.delivered_sql(con, resource, lineage)
            finally:
                con.unregister("chunk")


def into_table(con: duckdb.DuckDBPyConnection, table: str, queries: Iterable[str]) -> bool:
    """The rows of each query (the chunks of `delivered_chunks`, as each is asked for) into
    temporary table `table`, made by the first: whether there was any."""
    created = False
    for query in queries:
        con.execute(f"INSERT INTO {table} {query}" if created
                    else f"CREATE OR REPLACE TEMP TABLE {table} AS {query}")
        created = True
    return created


def text_of(con: duckdb.DuckDBPyConnection, resource: Resource, raw_dir: Path,
            wanted: str) -> pa.Table:
    """`_file`, `_record_no`, `_file_sha256` and `_record` (the delivered line) of the records
    `wanted` (a table or query with `_file` and `_record_no`), read from the kept files by
    offset."""
    spans = con.execute(
        f"SELECT _file, _record_no, _file_sha256, _offset, _length FROM {index_sql(raw_dir)} "
        f"SEMI JOIN {wanted} w USING (_file, _record_no)").fetchall()
    kept: dict[str, Path] = {}
    for _, _, sha, _, _ in spans:
        if sha not in kept:
            kept[sha] = find_kept(raw_dir, sha)
    texts = delivered_text(resource.encoding, [(kept[s], o, n) for _, _, s, o, n in spans])
    return pa.table({"_file": pa.array([r[0] for r in spans], pa.string()),
                     "_record_no": pa.array([r[1] for r in spans], pa.int64()),
                     "_file_sha256": pa.array([r[2] for r in spans], pa.string()),
                     "_record": pa.array(texts, pa.string())})
