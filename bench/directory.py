"""Synthetic directories and the template import at city scale (issue 17, items 4 and 5).

For N resources across M departments: generating the declarations against validating the same
declarations from their JSON (the least any loader does); writing one JSON file per resource;
importing the directory as a cataloguing template (CSV and XLSX) against reading the same file
bare (`csv.reader`, calamine); and reading and standardising small deliveries. CPU seconds
beside wall seconds (the machine is shared).

    .venv/bin/python bench/directory.py --resources 10000 --departments 46 [--deliveries 100]
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

from ingest import run_facts, timed

from catalog.model import Resource
from catalog.template_export import write_template
from catalog.template_import import department_index, import_directory
from pipelines.citygen.directory import departments, generate_directory, write_directory
from pipelines.citygen.directory_deliveries import pick_delivered, write_deliveries


def _timed(fn):
    value, wall, cpu = timed(fn)
    return value, round(wall, 3), round(cpu, 3)


def _bare_read(path: Path) -> int:
    if path.suffix == ".xlsx":
        from python_calamine import CalamineWorkbook

        return len(CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python())
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return sum(1 for _ in csv.reader(fh))


def _standardise_all(chosen: list[Resource], landing: Path, work: Path) -> int:
    import duckdb

    from catalog.sqlfunctions import register_functions
    from pipelines.ingest.landing import find_deliveries
    from pipelines.ingest.readers import write_raw
    from pipelines.ingest.standardise import standardise_batch

    accepted = 0
    for r in chosen:
        (delivery,) = find_deliveries(landing, r)
        raw, std = work / "raw" / r.table, work / "std" / r.table
        raw.mkdir(parents=True)
        std.mkdir(parents=True)
        with duckdb.connect(config={"autoinstall_known_extensions": False,
                                    "autoload_known_extensions": False}) as con:
            result = write_raw(con, r, delivery, delivery.sha256(), landing, raw, 1 << 20)
            register_functions(con)
            accepted += standardise_batch(con, r, raw, std, result.layout).accepted
    return accepted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--departments", type=int, default=46)
    parser.add_argument("--deliveries", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    out: dict[str, object] = {**run_facts(), "resources": args.resources,
                              "departments": args.departments}
    with tempfile.TemporaryDirectory(prefix="bench-directory-") as tmp:
        work = Path(tmp)
        declared, *t = _timed(lambda: generate_directory(args.resources, args.departments,
                                                         seed=args.seed))
        out["generate_s"] = t
        out["items"] = sum(len(r.items) for r in declared)
        dumped = [r.model_dump_json() for r in declared]
        _, *t = _timed(lambda: [Resource.model_validate_json(d) for d in dumped])
        out["validate_json_s"] = t
        _, *t = _timed(lambda: write_directory(declared, work / "directory"))
        out["write_json_s"] = t
        out["json_mb"] = round(sum(p.stat().st_size for p in (work / "directory").rglob("*.json"))
                               / 1e6, 1)
        city = department_index(departments(args.departments))
        for suffix in ("csv", "xlsx"):
            path, *t = _timed(lambda s=suffix: write_template(declared, work / f"dir.{s}"))
            out[f"{suffix}_write_s"] = t
            out[f"{suffix}_mb"] = round(path.stat().st_size / 1e6, 1)
            _, *bare = _timed(lambda p=path: _bare_read(p))
            result, *t = _timed(lambda p=path: import_directory(p, city))
            assert result.ok and len(result.resources) == args.resources, result.report()[:3]
            out[f"{suffix}_bare_read_s"], out[f"{suffix}_import_s"] = bare, t
            out[f"{suffix}_import_over_bare_cpu"] = round(t[1] / max(bare[1], 1e-3), 1)
        landing = work / "landing"
        _, *t = _timed(lambda: write_deliveries(declared, landing, args.deliveries,
                                                seed=args.seed))
        out["deliveries_write_s"] = t
        chosen = pick_delivered(declared, args.deliveries)
        accepted, *t = _timed(lambda: _standardise_all(chosen, landing, work))
        out["deliveries_read_standardise_s"] = t
        out["deliveries_rows_accepted"] = f"{accepted} of {5 * len(chosen)}"
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
