"""A delivered record shown as it was delivered (issue 18, item 1): its batch, file, line (or
row, or record) and the SHA-256 of what was delivered, with its text — read from the kept file
at the offset the batch's index gives (`pipelines.ingest.delivered`), or from the raw part of an
XLSX or Parquet batch, which holds every record in full."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from catalog import BatchRecord, HubSettings, Resource
from catalog.lake import connect
from pipelines.ingest.fields import sql_str
from pipelines.ingest.onepass import index_sql, is_indexed, text_of

__all__ = ["DeliveredRecord", "delivered_records"]


@dataclass(frozen=True)
class DeliveredRecord:
    batch_id: str
    file: str  # as delivered, below the landing directory
    record_no: int  # line of a text file, row of a sheet, record of a Parquet file
    sha256: str  # of the delivered file when the batch's index has it, else of the batch
    text: str  # the line as delivered; a sheet's row or a Parquet record as a JSON list/object
    quarantined: list[str]  # the rules it failed (`rule:item`), [] if accepted or not yet read

    def as_dict(self) -> dict:
        return asdict(self)


def delivered_records(settings: HubSettings, resource: Resource, batch: BatchRecord,
                      record_no: int, file: str | None = None) -> list[DeliveredRecord]:
    """The records at `record_no` of a batch that was read (one per file of the batch that has
    one there, or of `file` only); [] when there is none (a blank line, the header, the end)."""
    raw_dir = Path(batch.raw_path or "")
    wanted = f"_record_no = {int(record_no)}" + (
        f" AND _file = {sql_str(file)}" if file is not None else "")
    with connect(settings) as con:
        if is_indexed(raw_dir):
            found = text_of(con, resource, raw_dir, f"(SELECT _file, _record_no FROM "
                                                    f"{index_sql(raw_dir)} WHERE {wanted})")
            rows = zip(*(found.column(c).to_pylist() for c in ("_file", "_file_sha256", "_record")),
                       strict=True)
        else:
            rows = [(name, batch.sha256, text) for name, text in con.execute(
                f"SELECT _file, _record FROM read_parquet({sql_str(str(raw_dir / '*.parquet'))}) "
                f"WHERE {wanted} ORDER BY _file").fetchall()]
        rules: dict[str, list[str]] = {}
        if batch.quarantine_path and Path(batch.quarantine_path).exists():
            rules = dict(con.execute(
                f"SELECT _file, _rules FROM read_parquet({sql_str(batch.quarantine_path)}) "
                f"WHERE {wanted}").fetchall())
    return [DeliveredRecord(batch.batch_id, name, record_no, sha, text, rules.get(name, []))
            for name, sha, text in rows]
