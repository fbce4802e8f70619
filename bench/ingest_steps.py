"""The ingestion steps of one resource in this process: raw, standardised and the quality gate.

Wall and CPU seconds of each step (CPU is the steadier figure on a shared machine) and the size
of the accepted files, for comparing two versions of the code back to back on the same city
(`bench/ingest.py` caches it): run each version's own copy of this script, which imports the
hub from the checkout it lives in.

    python bench/ingest_steps.py rs.social_insurance --persons 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from ingest import OUT, ensure_city, run_facts, spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("resource")
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    city, _ = ensure_city(args.persons, args.seed)
    home = OUT / f"steps-{args.persons}"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    os.environ.update(HUB_HOME=str(home), HUB_LANDING=str(city / "landing"))
    from catalog import get_settings, open_registry, resource
    from pipelines.ingest import ingest_raw, standardise
    from quality.service import quality_gate

    settings = get_settings()
    registry = open_registry(settings)
    res = resource(args.resource)
    gate = quality_gate(settings, registry)
    steps = {
        "raw": lambda: ingest_raw(settings, registry, res),
        "standardised": lambda: standardise(settings, registry, res),
        "gate": lambda: [gate(res, b) for b in registry.batches(res.code) if b.accepted_path],
    }
    seconds = {name: spent(step) for name, step in steps.items()}
    accepted = sum(Path(b.accepted_path).stat().st_size
                   for b in registry.batches(res.code) if b.accepted_path)
    rows = sum(b.rows_in for b in registry.batches(res.code))
    print(json.dumps({"resource": res.code, "persons": args.persons, "rows": rows,
                      "seconds": seconds, "accepted_bytes": accepted, **run_facts()}))


if __name__ == "__main__":
    main()
