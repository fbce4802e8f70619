"""What running departments' steps side by side would give on this machine (issue 18's figures).

The hub runs a job's steps one after the other in the run's process (`pipelines.definitions.
EXECUTOR`): each step uses both cores only while DuckDB works, and one while Python decodes,
hashes or drives Great Expectations. This measures, in one run on the same cached city: the
bare conversion (the baseline of `bench/ingest.py`); the `ingest_all` job as the hub runs it; and
the same work as two `hub materialize --resource …` processes side by side on one home, the
departments split into two groups of about equal rows — what an executor running two
departments' steps at once could reach, with its memory.

    python bench/ingest_overlap.py --persons 1000000
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

from ingest import OUT, bare_convert, ensure_city, governed_ingest, run_facts

HUB = [sys.executable, "-c", "from catalog.cli import main; main()"]


def groups(city: Path) -> list[list[str]]:
    """The delivered resources in two groups of about equal bytes, a department whole in one."""
    sizes: dict[str, dict[str, int]] = {}
    for folder in sorted((city / "landing").iterdir()):
        department = folder.name.split(".")[0]
        sizes.setdefault(department, {})[folder.name] = sum(
            f.stat().st_size for f in folder.rglob("*") if f.is_file())
    halves: list[list[str]] = [[], []]
    totals = [0, 0]
    for department in sorted(sizes, key=lambda d: -sum(sizes[d].values())):
        smaller = totals.index(min(totals))
        halves[smaller].extend(sizes[department])
        totals[smaller] += sum(sizes[department].values())
    return halves


def side_by_side(city: Path, home: Path) -> tuple[float, float, list[int], bool]:
    """Two `hub materialize` processes on one home, each with half the departments: (wall
    seconds, CPU seconds of both, each one's peak RSS MiB, both succeeded)."""
    shutil.rmtree(home, ignore_errors=True)
    env = {**os.environ, "HUB_HOME": str(home), "HUB_LANDING": str(city / "landing"),
           "DAGSTER_HOME": str(home / "dagster")}
    subprocess.run([*HUB, "init"], env=env, check=True, stdout=subprocess.DEVNULL)
    started = time.perf_counter()
    children = []
    for n, half in enumerate(groups(city)):
        with open(OUT / f"{home.name}-{n}.log", "wb") as log:
            children.append(subprocess.Popen(
                [*HUB, "materialize", *[a for r in half for a in ("--resource", r)]],
                env=env, stdout=log, stderr=subprocess.STDOUT))
    cpu, rss, ok = 0.0, [], True
    for child in children:
        _, status, usage = os.wait4(child.pid, 0)
        cpu += usage.ru_utime + usage.ru_stime
        rss.append(usage.ru_maxrss // 1024)
        ok = ok and status == 0
    return time.perf_counter() - started, cpu, rss, ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    city, _ = ensure_city(args.persons, args.seed)
    bare, bare_cpu = bare_convert(city, OUT / f"bare-{args.persons}")
    serial, serial_cpu, serial_rss, serial_ok = governed_ingest(city, OUT / f"hub-{args.persons}")
    both, both_cpu, both_rss, both_ok = side_by_side(city, OUT / f"overlap-{args.persons}")
    result = {
        "persons": args.persons, "groups": groups(city),
        "bare_seconds": round(bare, 2), "bare_cpu_seconds": round(bare_cpu, 2),
        "one_process_seconds": round(serial, 2), "one_process_cpu_seconds": round(serial_cpu, 2),
        "one_process_ratio": round(bare / serial, 3), "one_process_peak_rss_mib": serial_rss,
        "side_by_side_seconds": round(both, 2), "side_by_side_cpu_seconds": round(both_cpu, 2),
        "side_by_side_ratio": round(bare / both, 3), "side_by_side_peak_rss_mib": both_rss,
        "success": serial_ok and both_ok, **run_facts(),
    }
    (OUT / f"overlap-{args.persons}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
