"""Gateway benchmark: median plan (check + rewrite) time, the one-off build of each grant's
snapshot (its masked, filtered table), and governed vs unprotected run time of typical analyst
queries over a synthetic 10 M-row population, measured in the same run: governed reading the
snapshot, and governed inline (masks computed per query: what a query pays before the
snapshot exists, or with `HUB_GATEWAY_SNAPSHOTS=off`).

Wall time is what the requirement counts; the process CPU time (all DuckDB threads) is shown
beside it because the benchmark machine is shared: CPU time moves far less with other load.

    python bench/gateway.py [--rows 10000000] [--repeat 11] [--inline-repeat 3]
                            [--out docs/bench-gateway.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import duckdb

from catalog import HubSettings, resource
from catalog.analystdb import standardised_columns
from policies import Grant, Principal, execute, plan
from policies.builds import materialise
from policies.connection import gateway_connection

QUERIES = {
    "count by district, gender, birth year": (
        "SELECT district_code, gender, year(birth_date) AS y, count(*) AS n "
        "FROM published.ga_population GROUP BY ALL ORDER BY ALL"),
    "filtered count of cancelled persons": (
        "SELECT cancel_reason, count(*) AS n FROM published.ga_population "
        "WHERE status = '注销' GROUP BY cancel_reason"),
    "households by relation (token column grouped)": (
        "SELECT count(*) AS households FROM (SELECT household_id FROM published.ga_population "
        "GROUP BY household_id HAVING count(*) > 3)"),
    "one page of rows": "SELECT name, gender, birth_date, address FROM published.ga_population "
                        "WHERE status = '正常' LIMIT 100",
}
ITEMS = ("id_number", "name", "gender", "birth_date", "household_id", "relation_to_head",
         "district_code", "address", "status", "cancel_reason", "cancel_date")


def synthesise(settings: HubSettings, rows: int) -> None:
    """A population of `rows` persons in the standardised layer's shape, and its view."""
    res = resource("ga.population")
    path = settings.lake / "standardised" / res.table / "b1"
    path.mkdir(parents=True)
    exprs = {
        "_batch_id": "'b1'", "_file": "'ga.population/b1.csv'", "_record_no": "i",
        "_sha256": "'0'", "id_number": "'4413' || lpad(CAST(i AS VARCHAR), 14, '0')",
        "id_number_valid": "true", "name": "['张','王','李','刘'][i % 4 + 1] || '伟' || (i % 97)",
        "name_norm": "'x'", "gender": "CASE WHEN i % 2 = 0 THEN '男' ELSE '女' END",
        "birth_date": "DATE '1940-01-01' + CAST(i % 30000 AS INTEGER)",
        "household_id": "CAST(i // 3 AS VARCHAR)", "relation_to_head": "'户主'",
        "district_code": "['441302','441303','441322','441323','441324'][i % 5 + 1]",
        "address": "'惠州市惠城区江北街道' || (i % 500) || '号'",
        "status": "CASE WHEN i % 50 = 0 THEN '注销' ELSE '正常' END",
        "cancel_reason": "CASE WHEN i % 50 = 0 THEN '死亡' END",
        "cancel_date": "CASE WHEN i % 50 = 0 THEN DATE '2025-01-01' END",
    }
    cols = ", ".join(f"CAST({exprs.get(c, exprs.get(c.removesuffix('_orig'), 'NULL'))} AS {t}) "
                     f'AS "{c}"' for c, t in standardised_columns(res).items())
    con = duckdb.connect(str(settings.analyst_db))
    try:
        con.execute(f"COPY (SELECT {cols} FROM range({rows}) r(i)) TO "
                    f"'{path / 'accepted.parquet'}' (FORMAT parquet)")
        con.execute("CREATE SCHEMA published")
        con.execute(f"CREATE VIEW published.{res.table} AS SELECT * FROM "
                    f"read_parquet(['{path / 'accepted.parquet'}'])")
        con.execute("CREATE SCHEMA meta")  # the publication version snapshots are keyed on
        con.execute("CREATE TABLE meta.publications AS SELECT 'ga.population' AS "
                    "resource_code, CAST(1 AS BIGINT) AS version")
    finally:
        con.close()


def _grant(district: str | None) -> Grant:
    now = datetime.now(UTC)
    return Grant(id=f"grt_bench_{district}", resource_code="ga.population", department="hub",
                 items=ITEMS, purpose="统计分析", legal_basis="bench", mode="query",
                 valid_from=now, valid_until=now + timedelta(days=1), policy_version="bench")


def _timed(fn) -> tuple[float, float]:
    """(wall seconds, process CPU seconds) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def _machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown CPU")
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, " \
           f"duckdb {duckdb.__version__}"


def _load() -> str:
    return " / ".join(f"{v:.1f}" for v in os.getloadavg())


def _unprotected(settings: HubSettings, sql: str) -> None:
    qualified = sql.replace("published.", "hub.published.")
    with gateway_connection(settings, ["ga_population"]) as con:
        con.sql(qualified).to_arrow_table()


def run(rows: int, repeat: int, inline_repeat: int) -> list[str]:
    """The report's lines; the synthetic lake (~260 MB at 10 M rows) and the snapshots are
    removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="bench-gateway-") as home:
        return _run(Path(home), rows, repeat, inline_repeat)


def _median(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(t[0] for t in runs), statistics.median(t[1] for t in runs)


def _run(home: Path, rows: int, repeat: int, inline_repeat: int) -> list[str]:
    settings = HubSettings(home=home, gateway_max_rows=1_000_000, gateway_timeout_seconds=600,
                           gateway_snapshots="manual")
    inline = settings.model_copy(update={"gateway_snapshots": "off"})
    started = time.perf_counter()
    synthesise(settings, rows)
    lines = ["# Gateway benchmark", "",
             (f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {_machine()}; DuckDB "
              f"threads={settings.duckdb_threads}. Synthetic `ga.population`: {rows:,} rows "
              f"(built in {time.perf_counter() - started:.1f} s). Each figure is the median "
              f"of {repeat} runs (inline: {inline_repeat}), unprotected, governed from the "
              "snapshot and governed inline interleaved in the same process; wall time "
              "includes opening the gateway connection (and, governed, finding the snapshot). "
              f"Load average (1/5/15 min) at the start: {_load()}."), ""]
    citywide = Principal("bench", "hub", frozenset({"analyst"}))
    district = Principal("bench", "hub", frozenset({"analyst"}), "441302")
    grants = [_grant(None)]
    plans = []
    for _ in range(50):
        for sql in QUERIES.values():
            plans.append(plan(district, grants, sql, settings=settings).plan_ms)
    lines += ["## Checking and rewriting (plan)", "",
              (f"median {statistics.median(plans):.2f} ms, p95 "
               f"{sorted(plans)[int(len(plans) * 0.95)]:.2f} ms over {len(plans)} plans "
               f"of the {len(QUERIES)} queries below (target: median < 5 ms)."), "",
              "## Building the snapshots (once per grant, publication and policy version)", "",
              "| principal | rows | file MB | wall s | CPU s |", "|---|---:|---:|---:|---:|"]
    principals = (("citywide", citywide), ("district 441302", district))
    for label, who in principals:
        box: dict = {}
        wall, cpu = _timed(lambda who=who, box=box: box.update(
            built=materialise(settings, who, grants[0])))
        built = box["built"]
        lines.append(f"| {label} | {built.rows:,} | {built.path.stat().st_size / 2**20:.0f} | "
                     f"{wall:.1f} | {cpu:.1f} |")
    lines += ["", "## Governed vs unprotected", "",
              ("| query | principal | unprotected s | governed s | ratio | "
               "CPU unprotected s | CPU governed s | CPU ratio | inline s | inline ratio | "
               "inline CPU ratio |"),
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, sql in QUERIES.items():
        for label, who in principals:
            plain, snapshot, masked = [], [], []
            for n in range(repeat):
                plain.append(_timed(partial(_unprotected, settings, sql)))
                gq = plan(who, grants, sql, settings=settings)
                snapshot.append(_timed(partial(execute, settings, gq)))
                if n < inline_repeat:
                    masked.append(_timed(partial(execute, inline, gq)))
            (p, pc), (g, gc), (i, ic) = _median(plain), _median(snapshot), _median(masked)
            lines.append(f"| {name} | {label} | {p:.3f} | {g:.3f} | {g / p:.2f} | "
                         f"{pc:.3f} | {gc:.3f} | {gc / pc:.2f} | {i:.3f} | {i / p:.2f} | "
                         f"{ic / pc:.2f} |")
    lines += ["", f"Load average at the end: {_load()}."]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--inline-repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    text = "\n".join(run(args.rows, args.repeat, args.inline_repeat)) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
