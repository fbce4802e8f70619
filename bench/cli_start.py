"""How long `hub` takes to start, against `python -c pass` in the same run (issue 15).

Runs each command N times from a clean environment (no activated venv) on a hub home: a new
one (`hub init`) unless --home names an existing one (e.g. the demo's `.hub`). Prints the
median and the spread of wall time, and the median minus the bare interpreter's.

    .venv/bin/python bench/cli_start.py --runs 7 [--home .hub]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

from ingest import run_facts

from tests.cli import HUB, clean_env

COMMANDS = (
    ("python -c pass", [sys.executable, "-c", "pass"]),
    ("hub --help", [str(HUB), "--help"]),
    ("hub catalog list", [str(HUB), "catalog", "list"]),
    ("hub catalog show ga.population", [str(HUB), "catalog", "show", "ga.population"]),
    ("hub summary", [str(HUB), "summary"]),
    ("hub audits findings", [str(HUB), "audits", "findings"]),
    ("hub audits list", [str(HUB), "audits", "list"]),
)


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--home", type=Path, help="An existing hub home (default: a new one).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        home = args.home.resolve() if args.home else Path(scratch) / "home"
        env = clean_env(home=home)
        if not args.home:
            subprocess.run([str(HUB), "init"], env=env, check=True, capture_output=True)
        times = {name: [] for name, _ in COMMANDS}
        for _ in range(args.runs):  # interleaved, so a change in load hits every command alike
            for name, argv in COMMANDS:
                times[name].append(timed(argv, env))
    bare = statistics.median(times["python -c pass"])
    print(run_facts() | {"runs": args.runs, "home": "given" if args.home else "new (hub init)"})
    print(f"{'command':34} {'median':>8} {'min':>7} {'max':>7} {'- python':>9}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:34} {median:8.3f} {min(values):7.3f} {max(values):7.3f} "
              f"{median - bare:9.3f}")


if __name__ == "__main__":
    main()
