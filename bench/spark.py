"""The standardisation of the population resource on Spark local[N] against DuckDB, same run.

The city of `bench/ingest.py` (generated once, cached under bench/out/) gives the population
deliveries; their raw layer is built once, each batch is decoded once (DuckDB, as the Spark
path does), then standardised by DuckDB (`standardise_batch`) and by Spark
(`spark_standardise_batch`) on `local[2]` and `local[1]`, each in its own Spark process (the
session's startup is reported apart). Row counts must agree. Wall and CPU seconds, the ratio,
the machine and its load are printed as JSON for BENCHMARKS.md.

    python bench/spark.py --persons 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from ingest import OUT, cpu_seconds_of, ensure_city, run_facts

RESOURCE = "ga.population"


def _cpu() -> float:
    own, children = os.times()[:2], os.times()[2:4]
    return sum(own) + sum(children)


def prepare(city: Path, work: Path) -> list[tuple[str, Path, dict | None]]:
    """The population's raw batches (built once) and each one decoded: (batch, raw, layout)."""
    from catalog import RESOURCES
    from catalog.lake import connect
    from pipelines.ingest import ingest_raw
    from pipelines.ingest.spark_standardise import decode_batch
    from tests.conftest import hub_settings, open_registry

    settings = hub_settings(work / "home", city / "landing")
    registry = open_registry(settings)
    resource = RESOURCES[RESOURCE]
    ingest_raw(settings, registry, resource)
    batches = []
    for batch in registry.batches(RESOURCE):
        if not batch.raw_path:
            continue
        decoded = work / "decoded" / f"{batch.batch_id}.parquet"
        if not decoded.exists():
            decoded.parent.mkdir(parents=True, exist_ok=True)
            with connect(settings) as con:
                decode_batch(con, resource, Path(batch.raw_path), decoded, batch.layout)
        batches.append((batch.batch_id, Path(batch.raw_path), batch.layout))
    return batches


def run_duckdb(work: Path, batches) -> dict:
    from catalog import RESOURCES
    from catalog.lake import connect
    from catalog.sqlfunctions import register_fallbacks, unregister_functions
    from pipelines.ingest.standardise import standardise_batch
    from tests.conftest import hub_settings

    settings = hub_settings(work / "home", work)
    resource = RESOURCES[RESOURCE]
    rows = accepted = 0
    wall, cpu = time.perf_counter(), _cpu()
    for batch_id, raw, layout in batches:
        out = work / "duckdb" / batch_id
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        with connect(settings) as con:
            register_fallbacks(con)
            result = standardise_batch(con, resource, raw, out, layout)
            unregister_functions(con)
        rows, accepted = rows + result.rows_in, accepted + result.accepted
    return {"rows": rows, "accepted": accepted, "wall_s": round(time.perf_counter() - wall, 2),
            "cpu_s": round(_cpu() - cpu, 2)}


def run_spark(work: Path, master: str) -> dict:
    """Spark on `master` in this process (called in a child: one JVM per master)."""
    from catalog import RESOURCES
    from pipelines.ingest.spark_standardise import spark_standardise_batch
    from pipelines.spark_engine import SparkEngine, spark_session

    started = time.perf_counter()
    engine = SparkEngine(spark_session(master))
    engine.sql("SELECT 1").collect()
    startup = time.perf_counter() - started
    jvm = engine.spark.sparkContext._gateway.proc.pid  # the driver's JVM (and local executors)
    rows = accepted = 0
    wall, cpu, jvm_cpu = time.perf_counter(), _cpu(), cpu_seconds_of(jvm)
    for decoded in sorted((work / "decoded").glob("*.parquet")):
        out = work / f"spark-{master}" / decoded.stem
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        result = spark_standardise_batch(engine, RESOURCES[RESOURCE], decoded, out)
        rows, accepted = rows + result.rows_in, accepted + result.accepted
    return {"master": master, "rows": rows, "accepted": accepted,
            "startup_s": round(startup, 2), "wall_s": round(time.perf_counter() - wall, 2),
            "cpu_s_python_driver": round(_cpu() - cpu, 2),
            "cpu_s_jvm": round(cpu_seconds_of(jvm) - jvm_cpu, 2),
            "statements": len(engine.emitted)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--masters", default="local[2],local[1]")
    parser.add_argument("--spark-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    work = OUT / f"spark-{args.persons}"
    if args.spark_child:
        print(json.dumps(run_spark(work, args.spark_child)))
        return
    city, _ = ensure_city(args.persons, args.seed)
    batches = prepare(city, work)
    report = {**run_facts(), "persons": args.persons, "resource": RESOURCE,
              "batches": len(batches), "duckdb": run_duckdb(work, batches)}
    for master in args.masters.split(","):
        child = subprocess.run([sys.executable, __file__, "--persons", str(args.persons),
                                "--spark-child", master], capture_output=True, text=True,
                               check=True)
        result = json.loads(child.stdout.strip().splitlines()[-1])
        report[master] = result
        print(json.dumps(report), file=sys.stderr, flush=True)  # what is measured so far
        assert result["rows"] == report["duckdb"]["rows"], report
        assert result["accepted"] == report["duckdb"]["accepted"], report
        report[f"ratio_{master}_to_duckdb_wall"] = round(
            result["wall_s"] / report["duckdb"]["wall_s"], 1)
    report["load_average_after"] = os.getloadavg()[0]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
