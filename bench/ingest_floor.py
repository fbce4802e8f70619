"""The floor under governed ingest: how fast could any design that standardises be?

Issue 2 asks governed ingest to run at ≥ 40 % of a bare conversion's rows/s. This benchmark
measures, in the same run as that bare conversion (`bench/ingest.py`'s, unchanged), passes
that do only part of what governed ingest must do, each in one pass from the delivered files
to one Parquet file per file, read the same way the bare conversion reads them (DuckDB's
parallel CSV reader, the same transcoding of GB18030/GBK, calamine for XLSX):

- `standardised`: every data item typed and normalised by the hub's standardisation
  (`catalog.sqlfunctions`), nothing else;
- `with_originals`: the same with each original value kept beside it (issue 2, item 3);
- `with_rules`: the hub's whole standardisation query (`standardised_sql`): originals, the
  derived columns (ID validity, the name used for matching) and the rules a row failed.

None of them keeps a raw layer, line numbers or lineage, finds duplicates, writes a
quarantine, publishes, runs the quality checks or Dagster: each is a floor, not a design. Like
the bare conversion they also drop the lines DuckDB's CSV reader cannot parse (`rows_written`),
which governed ingest keeps and accounts for: that too only flatters the floor.

    python bench/ingest_floor.py --persons 1000000
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
from ingest import (
    OUT,
    _cpu_seconds,
    _duckdb,
    bare_convert,
    csv_source,
    ensure_city,
    rows_written,
    run_facts,
)
from python_calamine import CalamineWorkbook

from catalog import RESOURCES, ItemType, Resource, SourceFormat
from catalog.sqlfunctions import register_functions, standardise_sql
from pipelines.ingest.fields import ident, json_path
from pipelines.ingest.standardise import standardised_sql

Select = Callable[[Resource, str], str]


def _items(resource: Resource, fields: str) -> str:
    return ", ".join(f"{standardise_sql(i.type, ident(i.name))} AS {ident(i.name)}"
                     for i in resource.items) + f" FROM ({fields})"


STAGES: dict[str, Select] = {
    "standardised": lambda r, fields: "SELECT " + _items(r, fields),
    "with_originals": lambda r, fields: "SELECT " + ", ".join(
        f"{standardise_sql(i.type, ident(i.name))} AS {ident(i.name)}, "
        f"{ident(i.name)} AS {ident(i.name + '_orig')}" for i in r.items) + f" FROM ({fields})",
    "with_rules": lambda r, fields: standardised_sql(r.items, fields, lineage=""),
}


def _fields(con, resource: Resource, file: Path, scratch: Path) -> str:
    """A query giving `_error` (NULL) and every data item's delivered text, by source name."""
    path = str(file)
    if resource.format is SourceFormat.CSV:
        source, header = csv_source(resource, file, scratch / "transcoded.csv")
        values = [ident(i.source) if i.source in header else "NULL::VARCHAR"
                  for i in resource.items]
    elif resource.format is SourceFormat.JSONL:
        source = f"read_json_objects('{path}', format='newline_delimited', ignore_errors=true)"
        values = [f"json_extract_string(json, '{json_path(i.source)}')" for i in resource.items]
    elif resource.format is SourceFormat.PARQUET:
        source = f"read_parquet('{path}')"
        values = [f"CAST({ident(i.source)} AS VARCHAR"
                  f"{'[]' if i.type is ItemType.ID_LIST else ''})" for i in resource.items]
    else:
        rows = CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()
        header = [str(h) for h in rows[0]]
        cells = list(zip(*rows[1:])) if len(rows) > 1 else []
        con.register("sheet", pa.table({h: pa.array([None if v == "" else str(v) for v in col],
                                                    pa.string())
                                        for h, col in zip(header, cells)}))
        source = "sheet"
        values = [ident(i.source) if i.source in header else "NULL::VARCHAR"
                  for i in resource.items]
    named = ", ".join(f"{v} AS {ident(i.name)}" for v, i in zip(values, resource.items))
    return f"SELECT NULL::VARCHAR AS _error, {named} FROM {source}"


def run_stage(city: Path, out: Path, select: Select) -> tuple[float, float]:
    """Every delivered file through `select` to Parquet: (wall seconds, CPU seconds)."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    started, cpu = time.perf_counter(), _cpu_seconds()
    con = _duckdb()
    register_functions(con)
    files = sorted(p for p in (city / "landing").rglob("*") if p.is_file()
                   and not p.name.endswith(".part"))
    for n, file in enumerate(files):
        resource = RESOURCES[file.relative_to(city / "landing").parts[0]]
        query = select(resource, _fields(con, resource, file, out))
        con.execute(f"COPY ({query}) TO '{out / f'{n}.parquet'}' "
                    "(FORMAT parquet, COMPRESSION snappy)")
    con.close()
    return time.perf_counter() - started, _cpu_seconds() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3, help="stages are interleaved per round")
    args = parser.parse_args()
    city, _ = ensure_city(args.persons, args.seed)
    manifest = json.loads((city / "truth" / "manifest.json").read_text())
    rows = sum(f["records"] for f in manifest["files"])
    scratch = OUT / f"floor-{args.persons}"
    timings: dict[str, list[tuple[float, float]]] = {"bare": [], **{s: [] for s in STAGES}}
    written: dict[str, int] = {}
    for _ in range(args.rounds):
        timings["bare"].append(bare_convert(city, scratch))
        written["bare"] = rows_written(scratch)
        for name, select in STAGES.items():
            timings[name].append(run_stage(city, scratch, select))
            written[name] = rows_written(scratch)
    shutil.rmtree(scratch, ignore_errors=True)
    wall = {k: statistics.median(w for w, _ in v) for k, v in timings.items()}
    cpu = {k: statistics.median(c for _, c in v) for k, v in timings.items()}
    result = {
        "persons": args.persons, "rows": rows, "rows_written": written, "rounds": args.rounds,
        "seconds": {k: round(v, 2) for k, v in wall.items()},
        "cpu_seconds": {k: round(v, 2) for k, v in cpu.items()},
        "ratio": {k: round(wall["bare"] / wall[k], 3) for k in STAGES},
        "cpu_ratio": {k: round(cpu["bare"] / cpu[k], 3) for k in STAGES},
        **run_facts(),
    }
    (OUT / f"ingest-floor-{args.persons}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
