"""A run launched the way the Dagster daemon launches it: the hub's executor vs Dagster's default.

The landing sensor and the UI start runs through the run launcher, which executes the job with
the executor of the hub's `Definitions`. Dagster's default executor starts a fresh Python for
every step, and each imports the hub again; the hub's runs its steps in the run's process. Both
run `ingest_all` on the same generated city, each on a fresh home and Dagster instance, in the
same benchmark run.

    python bench/launch.py --persons 100000
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
sys.path.insert(0, str(ROOT))

from ingest import OUT, ensure_city, run_facts

# The child: `ingest_all` through `execute_job`, as the run launcher does, with the executor
# named on the command line (`hub`: the Definitions' own; `default`: Dagster's default).
_CHILD = """
import sys
import dagster as dg
from pipelines.definitions import defs

def ingest_all():
    job = defs.resolve_job_def("ingest_all")
    if sys.argv[1] == "default":
        job = job.with_executor_def(dg.multi_or_in_process_executor)
    return job

if __name__ == "__main__":
    from catalog import get_settings
    from pipelines.instance import hub_instance
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    with dg.execute_job(dg.reconstructable(ingest_all), instance=hub_instance(get_settings()),
                        run_config=quiet, raise_on_error=False) as result:
        sys.exit(0 if result.success else 1)
"""


def launch(city: Path, executor: str) -> dict:
    home = OUT / f"launch-{executor}"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    script = home / "launch_child.py"
    script.write_text(_CHILD)
    env = {**os.environ, "HUB_HOME": str(home / "hub"), "HUB_LANDING": str(city / "landing"),
           "DAGSTER_HOME": str(home / "dagster"), "PYTHONPATH": str(ROOT.parent)}
    started = time.perf_counter()
    with open(home / "run.log", "wb") as log:
        child = subprocess.Popen([sys.executable, str(script), executor], env=env, cwd=home,
                                 stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    # wait4's usage covers the run process and every step process it started and reaped.
    return {"executor": executor, "seconds": round(wall, 2),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
            "success": status == 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    city, _ = ensure_city(args.persons, args.seed)
    hub, default = launch(city, "hub"), launch(city, "default")
    result = {
        "persons": args.persons, "hub_executor": hub, "dagster_default_executor": default,
        "speed_up": round(default["seconds"] / hub["seconds"], 2),
        **run_facts(),
    }
    (OUT / f"launch-{args.persons}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
