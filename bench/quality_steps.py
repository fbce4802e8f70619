"""What one resource's quality run (the GX asset checks) costs against a bare conversion of
the same resource's delivered files, part by part, in this process.

The resource is ingested and published first (not timed here: `bench/ingest_steps.py`), then
`quality.service.run_quality` runs twice as the job's asset checks run it — the first run of a
new version, then a second run of the same version, which keeps the first one's verdicts
(`quality.validated`) — with each of its parts timed (wall and CPU seconds):
the suite's validation, the COMPLETE validation behind feedback files, Data Docs, feedback,
scores and PII discovery.

    python bench/quality_steps.py rs.social_insurance --persons 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from ingest import OUT, bare_convert, cpu_seconds, ensure_city, run_facts, spent


class Parts:
    """Wall and CPU seconds spent in named functions of a module, summed over calls."""

    def __init__(self) -> None:
        self.seconds: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])

    def wrap(self, module, name: str, label: str | None = None) -> None:
        function = getattr(module, name)

        def timed(*args, **kwargs):
            wall, cpu = time.perf_counter(), cpu_seconds()
            try:
                return function(*args, **kwargs)
            finally:
                spent = self.seconds[label or name]
                spent[0] += time.perf_counter() - wall
                spent[1] += cpu_seconds() - cpu

        setattr(module, name, timed)

    def report(self) -> dict:
        out = {k: {"wall": round(w, 2), "cpu": round(c, 2)} for k, (w, c) in self.seconds.items()}
        self.seconds.clear()
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("resource")
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true",
                        help="keep the home of the previous run (already ingested)")
    args = parser.parse_args()
    city, _ = ensure_city(args.persons, args.seed)
    home = OUT / f"quality-{args.resource}-{args.persons}"
    if not args.reuse:
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True, exist_ok=True)
    # Before anything reads the catalog: the settings are read once, on first use.
    os.environ.update(HUB_HOME=str(home), HUB_LANDING=str(city / "landing"))
    bare, bare_cpu = bare_convert(city, OUT / f"bare-{args.resource}", only=args.resource)
    from catalog import get_settings, open_registry, resource
    from pipelines.ingest import ingest_raw, publish, standardise
    from quality import service
    from quality.service import quality_gate, run_quality

    settings = get_settings()
    registry = open_registry(settings)
    res = resource(args.resource)
    if not args.reuse:
        ingest_raw(settings, registry, res)
        standardise(settings, registry, res)
        publish(settings, registry, res, gate=quality_gate(settings, registry))
    parts = Parts()
    for name in ("current_rows", "gx_context", "prune_results", "localise_data_docs",
                 "write_feedback", "quarantine_counts", "compute_scores", "record_scores",
                 "discover_pii"):
        parts.wrap(service, name)
    parts.wrap(service, "validate_files", "validate_files (suite, then COMPLETE for feedback)")
    runs = []
    for label in ("first run of the version", "second run, same version"):
        # as the job's asset checks run it
        took = spent(lambda: run_quality(settings, registry, res, reuse=True))
        runs.append({"run": label, **took, "parts": parts.report()})
    rows = sum(b.rows_accepted for b in registry.batches(res.code))
    first = runs[0]
    print(json.dumps({
        "resource": res.code, "persons": args.persons, "accepted_rows": rows,
        "bare": {"wall": round(bare, 2), "cpu": round(bare_cpu, 2)},
        "quality_over_bare": {"wall": round(first["wall"] / bare, 2),
                              "cpu": round(first["cpu"] / bare_cpu, 2)},
        "runs": runs, **run_facts()}, indent=1))


if __name__ == "__main__":
    main()
