"""Governed ingest throughput against a bare conversion of the same files to Parquet.

For each city size: generate the city (cached under bench/out/), convert every delivered file
to Parquet the fastest plain way (DuckDB; Python transcoding for GB18030/GBK; calamine for
XLSX) — the baseline — then run the hub's `ingest_all` job in a child process with a fresh
home, recording wall time and the child's peak RSS. Both are measured in the same run.

    python bench/ingest.py --persons 1000000 --persons 10000000
"""

from __future__ import annotations

import argparse
import codecs
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from python_calamine import CalamineWorkbook

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
sys.path.insert(0, str(ROOT.parent))

from catalog import RESOURCES, SourceFormat


def ensure_city(persons: int, seed: int) -> tuple[Path, float | None]:
    city = OUT / f"city-{persons}"
    if (city / "truth" / "manifest.json").exists():
        return city, None
    from pipelines.citygen import generate_city

    started = time.perf_counter()
    generate_city(city, persons=persons, seed=seed)
    return city, time.perf_counter() - started


def _duckdb() -> duckdb.DuckDBPyConnection:
    return duckdb.connect(config={"autoinstall_known_extensions": False,
                                  "autoload_known_extensions": False, "threads": 2})


def run_facts() -> dict:
    """What every benchmark records beside its figures: the load, the machine, the date."""
    return {"load_average": os.getloadavg()[0],
            "machine": f"{platform.node()} {os.cpu_count()} cores {platform.machine()}",
            "date": date.today().isoformat()}


def cpu_seconds() -> float:
    """CPU seconds of this process so far (user and system): on a shared machine the steadier
    figure beside the wall clock."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cpu_seconds_of(pid: int) -> float:
    """CPU seconds another process has used so far (a server, Spark's JVM), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(fn):
    """`fn()`'s value, with the wall and CPU seconds it took: (value, wall, cpu)."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    value = fn()
    return value, time.perf_counter() - wall, cpu_seconds() - cpu


def spent(fn) -> dict[str, float]:
    """The wall and CPU seconds `fn()` took, rounded as the benchmarks report them."""
    _, wall, cpu = timed(fn)
    return {"wall": round(wall, 2), "cpu": round(cpu, 2)}


def csv_source(resource, file: Path, transcoded: Path) -> tuple[str, list[str]]:
    """DuckDB's reader over a delivered CSV file, all text, and the file's header: the fastest
    plain read. GB18030/GBK files are transcoded by Python to `transcoded` first (pyarrow's
    transcoder fails on the first invalid byte the contract's noise plants)."""
    path = str(file)
    if resource.encoding.lower() in {"gbk", "gb18030"}:
        decoder = codecs.getincrementaldecoder("gb18030")(errors="replace")
        with file.open("rb") as src, transcoded.open("w", encoding="utf-8") as dst:
            while block := src.read(64 << 20):
                dst.write(decoder.decode(block))
            dst.write(decoder.decode(b"", final=True))
        path = str(transcoded)
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        header = fh.readline().rstrip("\r\n").split(resource.delimiter)
    columns = "{" + ", ".join(f"'{h}': 'VARCHAR'" for h in header) + "}"
    source = (f"read_csv('{path}', delim='{resource.delimiter}', header=true, auto_detect=false, "
              f"columns={columns}, ignore_errors=true, strict_mode=false, quote='\"')")
    return source, header


def bare_convert(city: Path, out: Path, only: str | None = None) -> tuple[float, float]:
    """The baseline: every delivered file (of resource `only`, if given) to Parquet, no
    standardisation, no governance.

    Returns (wall seconds, CPU seconds): on a shared machine CPU time is the steadier figure.
    """
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    started, cpu = time.perf_counter(), cpu_seconds()
    con = _duckdb()
    landing = city / "landing" / only if only else city / "landing"
    files = sorted(p for p in landing.rglob("*") if p.is_file()
                   and not p.name.endswith(".part"))
    for n, file in enumerate(files):
        resource = RESOURCES[file.relative_to(city / "landing").parts[0]]
        target = str(out / f"{n}.parquet")
        path = str(file)
        if resource.format is SourceFormat.CSV:
            source, _ = csv_source(resource, file, out / f"{n}.csv")
            con.execute(f"COPY (SELECT * FROM {source}) TO '{target}' (FORMAT parquet)")
        elif resource.format is SourceFormat.JSONL:
            con.execute(f"COPY (SELECT * FROM read_json('{path}', format='newline_delimited', "
                        f"ignore_errors=true)) TO '{target}' (FORMAT parquet)")
        elif resource.format is SourceFormat.PARQUET:
            con.execute(f"COPY (SELECT * FROM read_parquet('{path}')) TO '{target}' (FORMAT parquet)")
        else:
            rows = CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()
            columns = list(zip(*rows[1:])) if len(rows) > 1 else []
            table = pa.table({str(h): pa.array([None if v == "" else str(v) for v in col])
                              for h, col in zip(rows[0], columns)})
            pq.write_table(table, target)
    con.close()
    return time.perf_counter() - started, cpu_seconds() - cpu


def rows_written(out: Path) -> int:
    """Rows in the Parquet files of `out`. The bare conversion reads CSV with DuckDB's
    `ignore_errors`, which drops what it cannot parse: a stray quote (contract noise) swallows
    the lines up to the next quote, so it writes fewer rows than were delivered."""
    files = sorted(str(p) for p in out.glob("*.parquet"))
    with _duckdb() as con:
        return sum(con.execute("SELECT count(*) FROM read_parquet(?)", [f]).fetchall()[0][0]
                   for f in files)


def step_seconds(home: Path) -> dict[str, float]:
    """Seconds the child's run spent in each kind of step (Dagster's step statistics): the
    ingestion steps (`raw`, `standardised`, `published`) and the quality checks."""
    os.environ["DAGSTER_HOME"] = str(home / "dagster")
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        (run,) = instance.get_runs(limit=1)
        stats = instance.get_run_step_stats(run.run_id)
    kinds: dict[str, float] = {}
    for step in stats:
        kind = step.step_key.split("__")[0] if "__" in step.step_key else "quality_checks"
        kinds[kind] = kinds.get(kind, 0.0) + (step.end_time or 0) - (step.start_time or 0)
    return {k: round(v, 2) for k, v in sorted(kinds.items())}


def governed_ingest(city: Path, home: Path) -> tuple[float, float, int, bool]:
    """The hub's ingest_all job in a child process: (seconds, CPU seconds, peak RSS MiB, ok)."""
    shutil.rmtree(home, ignore_errors=True)
    env = {**os.environ, "HUB_HOME": str(home), "HUB_LANDING": str(city / "landing"),
           "DAGSTER_HOME": str(home / "dagster")}
    hub = [sys.executable, "-c", "from catalog.cli import main; main()"]
    # `materialize` needs a hub home (a missing one is a typo'd path): make it, untimed.
    subprocess.run([*hub, "init"], env=env, check=True, stdout=subprocess.DEVNULL)
    started = time.perf_counter()
    with open(OUT / f"{home.name}.log", "wb") as log:  # the run's own account, kept for failures
        child = subprocess.Popen([*hub, "materialize"], env=env, stdout=log,
                                 stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
    return (time.perf_counter() - started, usage.ru_utime + usage.ru_stime,
            usage.ru_maxrss // 1024, status == 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, action="append", default=None)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    results = []
    for persons in args.persons or [100_000]:
        city, generated = ensure_city(persons, args.seed)
        manifest = json.loads((city / "truth" / "manifest.json").read_text())
        rows = sum(f["records"] for f in manifest["files"])
        bare, bare_cpu = bare_convert(city, OUT / f"bare-{persons}")
        bare_rows = rows_written(OUT / f"bare-{persons}")
        governed, governed_cpu, rss, ok = governed_ingest(city, OUT / f"hub-{persons}")
        steps = step_seconds(OUT / f"hub-{persons}")
        ingest_steps = sum(v for k, v in steps.items() if k in {"raw", "standardised", "published"})
        result = {
            "persons": persons, "rows": rows, "bare_rows_written": bare_rows,
            "generate_seconds": generated,
            "step_seconds": steps, "ingest_step_seconds": round(ingest_steps, 2),
            "ratio_ingest_steps": round(bare / ingest_steps, 3),
            "bare_seconds": round(bare, 2), "governed_seconds": round(governed, 2),
            "bare_cpu_seconds": round(bare_cpu, 2), "governed_cpu_seconds": round(governed_cpu, 2),
            "bare_rows_per_s": round(rows / bare), "governed_rows_per_s": round(rows / governed),
            "ratio": round(bare / governed, 3), "cpu_ratio": round(bare_cpu / governed_cpu, 3),
            "peak_rss_mib": rss, "success": ok, **run_facts(),
        }
        results.append(result)
        (OUT / f"ingest-{persons}.json").write_text(json.dumps(result, indent=2))
        print(json.dumps(result))
    if len(results) > 1:
        small, large = results[0], results[-1]
        growth = (large["governed_seconds"] / small["governed_seconds"]) / (
            large["rows"] / small["rows"])
        print(f"time per row at {large['persons']} vs {small['persons']} persons: {growth:.2f}×")


if __name__ == "__main__":
    main()
