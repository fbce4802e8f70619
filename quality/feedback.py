"""Feedback to departments (疑义校核): every problem record of a batch, in a file they can act on.

`<home>/quality/feedback/<department>/<resource>-<batch>.csv`, in the hub's configured language
(`HUB_LANGUAGE`, Chinese by default), UTF-8 with BOM so Excel opens the Chinese correctly: one line per (record, data item, rule) with the record's key, where it was
delivered (file, line), the original value as delivered (text a spreadsheet would run as a
formula starts with an apostrophe: `catalog.spreadsheet`) and what the hub did with the record.
Two sources: rows ingestion quarantined (with what the raw layer keeps of them), and accepted
rows that fail a warning check (all of them, from GX with the COMPLETE result format). A batch
rejected whole gets its file when it is rejected: a first line with the reason (rule
`batch_rejected`), then its quarantined rows if it was read.
"""

from __future__ import annotations

import csv
import os
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from catalog import BatchRecord, HubSettings, Resource
from catalog.i18n import lazy
from catalog.lake import connect
from catalog.spreadsheet import neutralise_text
from quality.paths import feedback_dir

if TYPE_CHECKING:
    from quality.runner import CheckOutcome

__all__ = ["BATCH_REJECTED", "HEADER", "QUARANTINE_RULES", "clear_feedback", "feedback_path",
           "quarantined_rows", "write_feedback", "write_rejection"]

# The columns and the fixed texts of a feedback file (lazy: in the language of the moment the
# file is written; `str()` them to compare with a file's text).
HEADER = (lazy("resource code"), lazy("batch"), lazy("delivered file"), lazy("line"), lazy("key"),
          lazy("data item"), lazy("data item name"), lazy("rule"), lazy("problem"),
          lazy("original value"), lazy("outcome"))
QUARANTINE_RULES = {
    "missing_required": lazy("a required value is missing"),
    "invalid_date": lazy("the date cannot be read"),
    "invalid_month": lazy("the month cannot be read"),
    "invalid_number": lazy("the number cannot be read"),
    "negative_amount": lazy("the amount is negative"),
    "amount_out_of_range": lazy("the amount is outside the plausible range"),
    "duplicate_row": lazy("an exact duplicate record (one was kept)"),
    "duplicate_key": lazy("several different records with the same key (the last was kept)"),
    "field_count": lazy("the number of fields differs from the header"),
    "unbalanced_quote": lazy("unbalanced quotes"),
    "invalid_encoding": lazy("bytes that are not in the declared encoding"),
    "malformed_json": lazy("not a valid JSON object"),
    "wrong_type": lazy("a field value of a type the specification does not allow (object, "
                       "array or boolean)"),
    "repeated_field": lazy("the same field appears several times in the record"),
}
QUARANTINED = lazy("quarantined, not loaded: please correct it and deliver it again")
ACCEPTED = lazy("loaded: please check it and correct it in the source system")
BATCH_REJECTED = "batch_rejected"
# A batch refused before its rows were read may come again under its id; one that was read
# never is (corrections come as new batches): see `pipelines.ingest`.
REJECTED_UNREAD = lazy("the whole batch was returned unread and the current version is unchanged; "
                       "please correct it and deliver it again under the same batch id")
REJECTED_READ = lazy("the whole batch was returned, not loaded, and the current version is "
                     "unchanged; please correct it and deliver it again under a new batch id")


def feedback_path(settings: HubSettings, resource: Resource, batch_id: str) -> Path:
    return feedback_dir(settings) / resource.provider.code / f"{resource.code}-{batch_id}.csv"


def _key_text(resource: Resource, row: dict) -> str:
    return "; ".join(f"{k}={row.get(k) if row.get(k) is not None else ''}" for k in resource.key)


def quarantined_rows(settings: HubSettings, resource: Resource, batch: BatchRecord) -> list[tuple]:
    """Feedback lines for a batch's quarantined rows. The raw layer gives key and value where it
    keeps fields (XLSX, Parquet); for text deliveries the original value is the delivered line."""
    if not (batch.quarantine_path and batch.raw_path and Path(batch.quarantine_path).exists()):
        return []
    items = {item.name: item for item in resource.items}
    raw = f"{batch.raw_path}/*.parquet"
    with connect(settings) as con:
        kept = {row[0] for row in con.execute("DESCRIBE SELECT * FROM read_parquet(?)",
                                              [raw]).fetchall()}
        fields = "".join(f', CAST(r."{name}" AS VARCHAR) AS "{name}"' for name in items
                         if name in kept)
        # A text batch's raw record is the index of its kept file's lines: no fields to join.
        joined = ("LEFT JOIN read_parquet(?) r USING (_file, _record_no) " if fields else "")
        cursor = con.execute(
            f"SELECT q._file, q._record_no, q._rule, q._item, q._record{fields} "
            f"FROM read_parquet(?) q {joined}ORDER BY q._file, q._record_no",
            [batch.quarantine_path, raw] if fields else [batch.quarantine_path])
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    lines = []
    for row in rows:
        item = items.get(row["_item"] or "")
        original = row.get(item.name) if item and item.name in row else row["_record"]
        lines.append((resource.code, batch.batch_id, row["_file"], row["_record_no"],
                      _key_text(resource, row) if resource.key[0] in row else "",
                      item.name if item else "", item.zh_name if item else "", row["_rule"],
                      str(QUARANTINE_RULES.get(row["_rule"], row["_rule"])), original or "",
                      str(QUARANTINED)))
    return lines


def _warning_rows(resource: Resource, checks: Iterable[CheckOutcome]) -> dict[str, list[tuple]]:
    by_batch: dict[str, list[tuple]] = defaultdict(list)
    for check in checks:
        item = resource.item(check.item) if check.item else None
        for row in check.rows:
            original = row.get(f"{item.name}_orig") if item else None
            by_batch[str(row.get("_batch_id"))].append((
                resource.code, row.get("_batch_id"), row.get("_file", ""), row.get("_record_no"),
                _key_text(resource, row), item.name if item else "",
                item.zh_name if item else "", check.rule, check.problem or check.description,
                "" if original is None else str(original), str(ACCEPTED)))
    return by_batch


def write_rejection(settings: HubSettings, resource: Resource, batch: BatchRecord,
                    reason_zh: str) -> Path:
    """The feedback file of a batch rejected whole: what is wrong with it (`reason_zh`, in the
    hub's language), then every row it had quarantined (when it was read at all)."""
    line = (resource.code, batch.batch_id, "; ".join(batch.files), None, "", "", "",
            BATCH_REJECTED, reason_zh, "",
            str(REJECTED_READ if batch.raw_path else REJECTED_UNREAD))
    path = feedback_path(settings, resource, batch.batch_id)
    _write(path, [line, *quarantined_rows(settings, resource, batch)])
    return path


def clear_feedback(settings: HubSettings, resource: Resource, batch_id: str) -> None:
    """Remove a batch's file (a rejected batch delivered again and read this time)."""
    feedback_path(settings, resource, batch_id).unlink(missing_ok=True)


def _write(path: Path, lines: list[tuple]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(f".{path.name}.tmp")
    with staged.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([str(column) for column in HEADER])
        writer.writerows([neutralise_text(c) if isinstance(c, str) else c for c in line]
                         for line in lines)
    os.replace(staged, path)


def write_feedback(settings: HubSettings, resource: Resource, batches: list[BatchRecord],
                   warnings: list[CheckOutcome]) -> list[Path]:
    """Write one file per batch that has problems (quarantined or warned); returns the paths.

    A batch without problems gets no file, and an old file of it is removed, so the folder lists
    exactly what the department still has to look at."""
    warned = _warning_rows(resource, warnings)
    written = []
    for batch in batches:
        lines = quarantined_rows(settings, resource, batch) + sorted(
            warned.get(batch.batch_id, []), key=lambda line: (str(line[2]), line[3] or 0, line[7]))
        path = feedback_path(settings, resource, batch.batch_id)
        if not lines:
            path.unlink(missing_ok=True)
            continue
        _write(path, lines)
        written.append(path)
    return written
