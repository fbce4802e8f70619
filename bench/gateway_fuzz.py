"""Gateway fuzz run: generated DuckDB queries against the SQL gateway, each judged against a
reference database holding only the district analyst's permitted (masked, filtered) data.

Every accepted query must return exactly what the reference returns for the same text; every
other query must be refused with a `PolicyError`. Prints the counts (generated, accepted,
refused by code, leaks, errors) and the refusal rate by construct; every leaking query is
appended (deduplicated) to tests/policies/fixtures/gateway_leaks.sql, which the test suite
replays. Queries alternate between the two read paths (inline masks, grant snapshots).

    python bench/gateway_fuzz.py [--count 20000] [--seed 1] [--no-snapshots] [--no-record]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hypothesis import HealthCheck, Phase, given, seed
from hypothesis import settings as hsettings

from tests.policies.fuzzworld import build_world
from tests.policies.oracle import Tally, append_leaks
from tests.policies.sqlgen import queries
from tests.policies.sqlvocab import LAKE, Generated


def run(count: int, seed_value: int, snapshots: bool, record: bool, show: int) -> Tally:
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="gateway-fuzz-") as root:
        world = build_world(Path(root), snapshots=snapshots)
        paths = sorted(world.paths)
        started = time.perf_counter()

        @seed(seed_value)
        @hsettings(max_examples=count, deadline=None, database=None,
                   phases=[Phase.generate], suppress_health_check=list(HealthCheck))
        @given(generated=queries())
        def fuzz(generated: Generated) -> None:
            path = paths[tally.generated % len(paths)]
            verdict = world.check(generated, path, tally)
            if verdict.outcome in ("leak", "error") and show:
                print(f"[{verdict.outcome}/{path}] {generated.sql[:300]!r}\n    "
                      f"{verdict.code}: {verdict.detail[:300]}", flush=True)
            if tally.generated % 1000 == 0:
                print(f"... {tally.generated} queries, {time.perf_counter() - started:.0f} s",
                      file=sys.stderr, flush=True)

        fuzz()
        world.reference.close()
        hide = {str(world.settings.lake): LAKE, str(world.settings.home): "@HOME@"}
    elapsed = time.perf_counter() - started
    print(tally.report())
    print(f"\n{tally.generated} queries in {elapsed:.0f} s "
          f"({tally.generated / max(elapsed, 1e-9):.1f}/s), seed {seed_value}, "
          f"paths {', '.join(paths)}")
    if record and tally.findings:
        leaks = [(v.summary(hide), sql) for sql, v in tally.findings if v.outcome == "leak"]
        print(f"{append_leaks(leaks)} new queries added to the regression file")
    return tally


def main() -> int:
    # sqlglot warns on stderr about every argument its DuckDB printer drops (a parser
    # disagreement the oracle reports anyway); keep the run's output readable
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000, help="queries to generate")
    parser.add_argument("--seed", type=int, default=1, help="Hypothesis seed")
    parser.add_argument("--no-snapshots", action="store_true", help="inline read path only")
    parser.add_argument("--no-record", action="store_true",
                        help="do not append leaks to the regression file")
    parser.add_argument("--show", type=int, default=1, help="print each finding (0: no)")
    args = parser.parse_args()
    tally = run(args.count, args.seed, not args.no_snapshots, not args.no_record, args.show)
    return 1 if tally.outcomes["leak"] or tally.outcomes["error"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
