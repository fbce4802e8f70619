"""Grant snapshot builds on DuckDB against Spark local[N], same run (issue 19).

A generated city (the test suite's small one by default) is ingested once; grants of each mask
kind (the district officer's population grant: ID-number and household tokens, name, address
and birth-date masks, a district row filter; a real-estate grant with an ID list's tokens; an
aggregate grant) are built by DuckDB and by Spark (`policies.sparkforms`), the file removed in
between. The Spark session's start and the first (cold) Spark build are reported apart; the
others are the median of `--repeat` builds. Row counts must agree. Printed as JSON for
BENCHMARKS.md.

    python bench/spark_snapshots.py --persons 3000 --master 'local[2]'
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

GRANTS = [
    ("ga.population", "query", ["id_number", "name", "gender", "birth_date", "household_id",
                                "district_code", "address", "status"]),
    ("zr.real_estate", "query", ["certificate_no", "owner_id_number", "co_owner_id_numbers",
                                 "area_m2", "district_code", "location"]),
    ("ga.population", "aggregate", ["id_number", "gender", "district_code", "birth_date"]),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import dagster as dg

    from catalog import HubSettings, open_registry
    from pipelines.citygen import generate_city
    from pipelines.definitions import build_definitions
    from pipelines.spark_engine import SparkEngine, spark_session
    from policies import GrantStore, Principal
    from policies.builds import materialise

    work = Path(tempfile.mkdtemp(prefix="bench-spark-snapshots-"))
    generate_city(work / "city", persons=args.persons, seed=args.seed)
    settings = HubSettings(home=work / "home", landing=work / "city" / "landing",
                           duckdb_memory_limit="2GB")
    settings.home.mkdir(parents=True)
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    assert build_definitions(settings).resolve_job_def("ingest_all").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), run_config=quiet).success

    store = GrantStore(open_registry(settings))
    officer = Principal("analyst-1", "hub", frozenset({"analyst"}), "441302")
    started = time.perf_counter()
    engine = SparkEngine(spark_session(args.master))
    session_s = time.perf_counter() - started

    results, cold = [], None
    for code, mode, items in GRANTS:
        timings: dict[str, list[float]] = {"duckdb": [], "spark": []}
        rows = set()
        for n in range(args.repeat + (1 if cold is None else 0)):
            grant = store.provision_grant(
                resource_code=code, department="hub", items=items, purpose="统计分析",
                legal_basis="bench", mode=mode,
                valid_until=datetime.now(UTC) + timedelta(days=1))
            duck = materialise(settings, officer, grant)
            duck.path.unlink()
            spark = materialise(settings, officer, grant, engine=engine)
            rows |= {duck.rows, spark.rows}
            if cold is None and n == 0:
                cold = spark.seconds  # the JVM's first build: code generation, class loading
                continue
            timings["duckdb"].append(duck.seconds)
            timings["spark"].append(spark.seconds)
        assert len(rows) == 1, (code, rows)
        duck_s, spark_s = (statistics.median(timings[k]) for k in ("duckdb", "spark"))
        results.append({"resource": code, "mode": mode, "rows": rows.pop(),
                        "duckdb_s": round(duck_s, 3), "spark_s": round(spark_s, 2),
                        "ratio": round(spark_s / duck_s, 1)})
    print(json.dumps({"persons": args.persons, "master": args.master,
                      "session_start_s": round(session_s, 1),
                      "first_spark_build_s": round(cold, 2), "builds": results,
                      "load": [round(x, 1) for x in os.getloadavg()],
                      "cpus": os.cpu_count()}, indent=1))


if __name__ == "__main__":
    main()
