"""How long `hub` takes to start, against `python -c pass` in the same run (issue 15).

Runs each command N times from a clean environment (no activated venv) on a hub home: a new
one (`hub init`) unless --home names an existing one (e.g. the demo's `.hub`). Prints the
median and spread of wall time and the median CPU time (user + system, which depends less on
the machine's load), each also minus the bare interpreter's.

    .venv/bin/python bench/cli_start.py --runs 7 [--home .hub]
"""

from __future__ import annotations

import argparse
import resource
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


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], env: dict[str, str], cwd: Path | None = None
          ) -> tuple[float, float]:
    """Wall and CPU seconds of one run (CPU varies less with the machine's load)."""
    cpu, started = _children_cpu(), time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, cwd=cwd)
    return time.perf_counter() - started, _children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--home", type=Path, help="An existing hub home (default: a new one).")
    parser.add_argument("--before", type=Path, help="Also time `hub --help` and `hub catalog "
                        "list` from this checkout (e.g. a `git worktree` of an older commit), "
                        "run by this interpreter with the checkout first on PYTHONPATH.")
    args = parser.parse_args()
    commands = list(COMMANDS)
    if args.before:
        older = [sys.executable, "-c", "from catalog.cli import main; main()"]
        commands += [(f"before: hub {' '.join(a)}", [*older, *a])
                     for a in (("--help",), ("catalog", "list"))]
    with tempfile.TemporaryDirectory() as scratch:
        home = args.home.resolve() if args.home else Path(scratch) / "home"
        env = clean_env(home=home)
        before_env = {**env, "PYTHONPATH": str(args.before.resolve())} if args.before else env
        if not args.home:
            subprocess.run([str(HUB), "init"], env=env, check=True, capture_output=True)
        times = {name: [] for name, _ in commands}
        for _ in range(args.runs):  # interleaved, so a change in load hits every command alike
            for name, argv in commands:
                if name.startswith("before"):  # `-c` puts the working directory first
                    times[name].append(timed(argv, before_env, cwd=args.before))
                else:
                    times[name].append(timed(argv, env))
    bare = statistics.median(w for w, _ in times["python -c pass"])
    bare_cpu = statistics.median(c for _, c in times["python -c pass"])
    print(run_facts() | {"runs": args.runs, "home": "given" if args.home else "new (hub init)"})
    print(f"{'command':32} {'wall median':>11} {'min':>6} {'max':>6} {'- python':>8} "
          f"{'CPU median':>10} {'- python':>8}")
    for name, values in times.items():
        wall = [w for w, _ in values]
        cpu = statistics.median(c for _, c in values)
        print(f"{name:32} {statistics.median(wall):11.3f} {min(wall):6.3f} {max(wall):6.3f} "
              f"{statistics.median(wall) - bare:8.3f} {cpu:10.3f} {cpu - bare_cpu:8.3f}")


if __name__ == "__main__":
    main()
