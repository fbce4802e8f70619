"""A hand-built lake for cross-check unit tests: rows written straight into the standardised
layer (standardised with the catalog's reference functions), listed in a real registry, and an
analysts' database rebuilt over them — no generator, no ingestion, exact control of each row."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from catalog import (
    RESOURCES,
    BatchRecord,
    BatchStatus,
    HubSettings,
    ItemType,
    Publication,
    Registry,
    open_registry,
    resource,
)
from catalog.analystdb import (
    quarantine_columns,
    raw_columns,
    rebuild_analyst_db,
    standardised_columns,
)
from catalog.identifiers import (
    fold_name,
    id_check_char,
    is_valid_id,
    normalise_name,
    standardise_id,
)

BATCH = "20261101T020000"
POP_HEADER = ("id_number", "name", "gender", "birth_date", "household_id", "district_code",
              "status", "cancel_reason")


def make_id(district: str = "441302", born: str = "19700101", seq: int = 11) -> str:
    first17 = f"{district}{born}{seq:03d}"
    return first17 + id_check_char(first17)


def substitute(id_number: str, position: int = 10) -> str:
    """One digit changed (the check character then fails)."""
    digit = str((int(id_number[position]) + 3) % 10)
    return id_number[:position] + digit + id_number[position + 1:]


def swap(id_number: str, position: int = 10) -> str:
    assert id_number[position] != id_number[position + 1]
    return (id_number[:position] + id_number[position + 1] + id_number[position]
            + id_number[position + 2:])


def _standardise(code: str, row: dict) -> dict:
    out: dict = {}
    for item in resource(code).items:
        value = row.get(item.name)
        out[f"{item.name}_orig"] = None if value is None else str(value)
        if item.type is ItemType.ID_NUMBER:
            value = standardise_id(value)
            out[f"{item.name}_valid"] = is_valid_id(value)
        elif item.type is ItemType.ID_LIST:
            value = [standardise_id(v) for v in value or []]
        elif item.type is ItemType.NAME:
            value = fold_name(value)
            out[f"{item.name}_norm"] = normalise_name(value)
        out[item.name] = value
    return out


def _delivered_json(code: str, row: dict) -> str:
    """The record as a JSON Lines delivery writes it (nested `parent.child` sources)."""
    out: dict = {}
    for item in resource(code).items:
        *parents, leaf = item.source.split(".")
        target = out
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = row.get(item.name)
    return json.dumps(out, ensure_ascii=False)


def _write(con, columns: dict[str, str], rows: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    names = list(columns)
    table = pa.Table.from_pylist([{c: r.get(c) for c in names} for r in rows]) if rows else None
    if table is None:
        select = ", ".join(f'NULL::{t} AS "{c}"' for c, t in columns.items()) + " WHERE false"
    else:
        con.register("incoming", table)
        select = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in columns.items())
        select += " FROM incoming"
    con.execute(f"COPY (SELECT {select}) TO '{path}' (FORMAT parquet)")
    if table is not None:
        con.unregister("incoming")


class MiniLake:
    """Deliveries as {resource code: {batch id: rows}}; quarantined rows as (rule, raw row)."""

    def __init__(self, settings: HubSettings) -> None:
        self.settings = settings
        self.batches: dict[str, dict[str, list[dict]]] = {}
        self.quarantined: dict[str, list[tuple[str, dict]]] = {}
        self._written: set[tuple[str, str]] = set()

    def add(self, code: str, *rows: dict, batch: str = BATCH) -> None:
        self.batches.setdefault(code, {}).setdefault(batch, []).extend(rows)

    def quarantine(self, code: str, rules: str, row: dict, batch: str = BATCH) -> None:
        """A row the lake refused, e.g. rules='invalid_date:death_date' (raw values as text)."""
        self.batches.setdefault(code, {}).setdefault(batch, [])
        self.quarantined.setdefault(code, []).append((rules, {**row, "_batch": batch}))

    def build(self, registry: Registry | None = None) -> Registry:
        """Write the batches not written yet, publish them, rebuild the analysts' database."""
        if registry is None:
            registry = open_registry(self.settings)
        with duckdb.connect() as con, registry.session() as s:
            for code, batches in self.batches.items():
                res = resource(code)
                new = [b for b in sorted(batches) if (code, b) not in self._written]
                if not new:
                    continue
                for n, (batch, rows) in enumerate(sorted(batches.items())):
                    if batch not in new:
                        continue
                    self._written.add((code, batch))
                    base = self.settings.lake / "standardised" / res.table / batch
                    lineage = [{"_batch_id": batch, "_file": f"{code}/{batch}", "_record_no": i,
                                "_sha256": "0" * 64} for i in range(len(rows))]
                    accepted = [{**lin, **_standardise(code, r)} for lin, r in zip(lineage, rows)]
                    _write(con, standardised_columns(res), accepted, base / "accepted.parquet")
                    held = [(rules, r) for rules, r in self.quarantined.get(code, [])
                            if r["_batch"] == batch]
                    raw_dir = self.settings.lake / "raw" / res.table / batch
                    raw = [{"_batch_id": batch, "_file": f"{code}/{batch}", "_record_no": 1000 + i,
                            "_sha256": "0" * 64, "_record": _delivered_json(code, r), **r}
                           for i, (_, r) in enumerate(held)]
                    _write(con, raw_columns(res), raw, raw_dir / "part-0.parquet")
                    quarantine = [{**{k: v for k, v in q.items() if k.startswith("_")},
                                   "_rule": rules.split(",")[0].split(":")[0],
                                   "_rules": rules.split(","), "_record": q["_record"]}
                                  for q, (rules, _) in zip(raw, held)]
                    _write(con, quarantine_columns(), quarantine, base / "quarantine.parquet")
                    s.add(BatchRecord(
                        resource_code=code, batch_id=batch, files=[], sha256="0" * 64,
                        size_bytes=0, delivered_at=datetime(2026, 1, 1 + n, tzinfo=UTC),
                        status=BatchStatus.PUBLISHED, rows_in=len(rows) + len(held),
                        rows_accepted=len(rows), rows_quarantined=len(held),
                        raw_path=str(raw_dir), accepted_path=str(base / "accepted.parquet"),
                        quarantine_path=str(base / "quarantine.parquet")))
                chosen = sorted(batches) if res.load.value == "append" else [max(batches)]
                version = len({b for c, b in self._written if c == code}) - len(new) + 1
                s.add(Publication(resource_code=code, version=version, batch_ids=chosen,
                                  rows=sum(len(batches[b]) for b in chosen)))
        rebuild_analyst_db(self.settings, registry, list(RESOURCES.values()))
        return registry
