"""Analysts' queries on an append resource's `published` view vs the same query with the
newest-row-per-key window the view used to hold, in the same run, on a home the ingest
benchmark built (`bench/out/hub-<persons>`, see bench/ingest.py).

    python bench/views.py --persons 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from ingest import run_facts

from catalog import RESOURCES, Registry, get_settings, resource
from catalog.analystdb import rebuild_analyst_db
from catalog.current import current_rows, newest_per_key_sql
from catalog.lake import connect
from quality import current_files

QUERIES = {
    "count": "SELECT count(*) FROM {src}",
    "monthly total by insurance type": "SELECT period, insurance_type, sum(contribution_base) "
                                       "FROM {src} GROUP BY ALL",
    "one person's contributions": "SELECT * FROM {src} WHERE id_number = '{person}'",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ["HUB_HOME"] = str(ROOT / "out" / f"hub-{args.persons}")
    settings = get_settings()
    registry = Registry(settings.registry_url)
    si = resource("rs.social_insurance")
    _batches, files = current_files(registry, si)
    decided = time.perf_counter()
    current_rows(settings, si, files)  # recorded at publication; a home built before, here
    decided = time.perf_counter() - decided
    rebuild_analyst_db(settings, registry, list(RESOURCES.values()))
    scan = "read_parquet([" + ", ".join(f"'{f}'" for f in files) + "], union_by_name = true)"
    window = f"({newest_per_key_sql(si, f'SELECT * FROM {scan}')})"
    results = {}
    with connect(settings, settings.analyst_db, read_only=True) as con:
        (person,), = con.execute("SELECT id_number FROM published.rs_social_insurance "
                                 "LIMIT 1").fetchall()
        for name, sql in QUERIES.items():
            timings = {}
            for label, src in (("view", "published.rs_social_insurance"), ("window", window)):
                runs = []
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    con.execute(sql.format(src=src, person=person)).fetchall()
                    runs.append(time.perf_counter() - started)
                timings[label] = statistics.median(runs)
            results[name] = {"view_s": round(timings["view"], 4),
                             "window_s": round(timings["window"], 4),
                             "view_over_window": round(timings["view"] / timings["window"], 3)}
    out = {"persons": args.persons, "batches": len(files), "decision_s": round(decided, 2),
           "queries": results, **run_facts()}
    (ROOT / "out" / f"views-{args.persons}.json").write_text(json.dumps(out, indent=2))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
