"""Benchmark: validating `ga.population` with its whole GX suite vs the same checks as one-pass
DuckDB SQL, in the same run, on a synthetic 10 M-row published-like Parquet file.

    python bench/quality.py [--rows 10000000] [--out bench/out/quality] [--repeat 2]

The file has every lake column of the population (values, `_orig`, `_valid`, `_norm`, lineage)
with the noise of a real extract: wrong check digits, gender and birth dates disagreeing with the
ID, unknown districts, codes outside their lists. Generating it with DuckDB takes seconds, where
generating a 10 M-person city would take many minutes; the checks only see the columns.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalog import HubSettings, resource
from catalog.lake import connect
from catalog.sqlfunctions import id_check_sql
from quality.runner import validate_files
from quality.suites import build_suite

_DISTRICTS = "['441302', '441303', '441322', '441323', '441324']"


def synthesise_population(settings: HubSettings, rows: int, path: Path) -> Path:
    """A published-like `ga.population` Parquet file of `rows` rows (seeded by the row number)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    first17 = "d || strftime(b, '%Y%m%d') || lpad((i % 1000)::VARCHAR, 3, '0')"
    with connect(settings) as con:
        con.execute(f"""
        COPY (
          WITH base AS (
            SELECT i, {_DISTRICTS}[1 + (hash(i) % 5)::INTEGER] AS d,
                   DATE '1940-01-01' + (i // 1000)::INTEGER AS b,
                   (hash(i * 13) % 100000)::INTEGER AS r
            FROM range({rows}) t(i)),
          ids AS (SELECT *, {first17} AS f17 FROM base),
          valid AS (SELECT *, f17 || {id_check_sql('f17')} AS good FROM ids),
          noisy AS (
            SELECT *, CASE WHEN r < 200 THEN f17 || CASE WHEN right(good, 1) = '1' THEN '2'
                      ELSE '1' END ELSE good END AS id
            FROM valid)
          SELECT '20261101T020000' AS _batch_id, 'ga.population/20261101T020000.csv' AS _file,
                 i + 2 AS _record_no, repeat('a', 64) AS _sha256,
                 id AS id_number, id AS id_number_orig, r >= 200 AS id_number_valid,
                 ['张', '王', '李', '陈', '黄'][1 + r % 5] || ['伟', '芳', '敏', '强'][1 + (i % 4)::INTEGER] AS name,
                 ['张', '王', '李', '陈', '黄'][1 + r % 5] || ['伟', '芳', '敏', '强'][1 + (i % 4)::INTEGER] AS name_orig,
                 ['张', '王', '李', '陈', '黄'][1 + r % 5] || ['伟', '芳', '敏', '强'][1 + (i % 4)::INTEGER] AS name_norm,
                 CASE WHEN (ascii(substr(id, 17, 1)) % 2 = 1) <> (r BETWEEN 200 AND 399)
                      THEN '男' ELSE '女' END AS gender,
                 CASE WHEN (ascii(substr(id, 17, 1)) % 2 = 1) <> (r BETWEEN 200 AND 399)
                      THEN '男' ELSE '女' END AS gender_orig,
                 CASE WHEN r BETWEEN 400 AND 599 THEN b + 1 ELSE b END AS birth_date,
                 strftime(b, '%Y%m%d') AS birth_date_orig,
                 '汉族' AS ethnicity, '汉族' AS ethnicity_orig,
                 lpad((i // 3 % 1000000000)::VARCHAR, 9, '0') AS household_id,
                 lpad((i // 3 % 1000000000)::VARCHAR, 9, '0') AS household_id_orig,
                 ['户主', '配偶', '子'][1 + (i % 3)::INTEGER] AS relation_to_head,
                 ['户主', '配偶', '子'][1 + (i % 3)::INTEGER] AS relation_to_head_orig,
                 CASE WHEN r BETWEEN 600 AND 799 THEN '441399' ELSE d END AS district_code,
                 CASE WHEN r BETWEEN 600 AND 799 THEN '441399' ELSE d END AS district_code_orig,
                 '惠州市某区某路' || (i % 500)::VARCHAR || '号' AS address,
                 '惠州市某区某路' || (i % 500)::VARCHAR || '号' AS address_orig,
                 CASE WHEN r < 1000 THEN '注销' ELSE '正常' END AS status,
                 CASE WHEN r < 1000 THEN '注销' ELSE '正常' END AS status_orig,
                 CASE WHEN r < 1000 THEN '死亡' END AS cancel_reason,
                 CASE WHEN r < 1000 THEN '死亡' ELSE '' END AS cancel_reason_orig,
                 CASE WHEN r < 1000 THEN DATE '2025-01-01' END AS cancel_date,
                 CASE WHEN r < 1000 THEN '20250101' ELSE '' END AS cancel_date_orig
          FROM noisy
        ) TO '{path}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)
        """)
    return path


_DISTRICT_LIST = "('441302', '441303', '441322', '441323', '441324')"
_ID_SHAPED = "regexp_full_match(id_number, '[0-9]{17}[0-9X]')"
# The population suite's checks as hand-written DuckDB SQL: one scan, one aggregate per check.
_ONE_PASS = {
    "key_present:id_number": "count(*) FILTER (id_number IS NULL)",
    "key_unique": "count(id_number) - count(DISTINCT id_number)",
    "id_valid:id_number": f"count(*) FILTER (id_number IS NOT NULL AND NOT coalesce({_ID_SHAPED} "
                          f"AND {id_check_sql('id_number')} = substr(id_number, 18, 1), false))",
    "required_present:name": "count(*) FILTER (name IS NULL)",
    "name_length:name": "count(*) FILTER (NOT length(name) BETWEEN 1 AND 50)",
    "required_present:gender": "count(*) FILTER (gender IS NULL)",
    "code_in_list:gender": "count(*) FILTER (gender NOT IN ('男', '女'))",
    "required_present:birth_date": "count(*) FILTER (birth_date IS NULL)",
    "date_plausible:birth_date": "count(*) FILTER (NOT birth_date BETWEEN DATE '1900-01-01' "
                                 "AND current_date)",
    "required_present:household_id": "count(*) FILTER (household_id IS NULL)",
    "household_id_format:household_id": "count(*) FILTER (NOT regexp_matches(household_id, "
                                        "'^[0-9]{9}$'))",
    "required_present:district_code": "count(*) FILTER (district_code IS NULL)",
    "district_known:district_code": f"count(*) FILTER (district_code NOT IN {_DISTRICT_LIST})",
    "required_present:status": "count(*) FILTER (status IS NULL)",
    "code_in_list:status": "count(*) FILTER (status NOT IN ('正常', '注销'))",
    "code_in_list:cancel_reason": "count(*) FILTER (cancel_reason NOT IN ('死亡', '迁出'))",
    "cancel_reason_present:cancel_reason": "count(*) FILTER (status = '注销' "
                                           "AND cancel_reason IS NULL)",
    "date_plausible:cancel_date": "count(*) FILTER (NOT cancel_date BETWEEN DATE '1900-01-01' "
                                  "AND current_date)",
    "active_not_cancelled:cancel_date": "count(*) FILTER (status = '正常' "
                                        "AND cancel_date IS NOT NULL)",
    "gender_matches_id:gender": f"count(*) FILTER ({_ID_SHAPED} AND gender <> CASE WHEN "
                                "(ascii(substr(id_number, 17, 1)) - 48) % 2 = 1 THEN '男' "
                                "ELSE '女' END)",
    "birth_date_matches_id:birth_date": f"count(*) FILTER ({_ID_SHAPED} AND substr(id_number, 7, 8) "
                                        "<> strftime(birth_date, '%Y%m%d'))",
    "cancel_after_birth:cancel_date": "count(*) FILTER (cancel_date < birth_date)",
}


def one_pass_counts(settings: HubSettings, files: list[Path]) -> dict[str, int]:
    """Unexpected counts of every population check in one DuckDB query (plus a DESCRIBE)."""
    listed = ", ".join(f"'{f}'" for f in files)
    with connect(settings) as con:
        columns = {row[0] for row in con.execute(
            f"DESCRIBE SELECT * FROM read_parquet([{listed}])").fetchall()}
        values = con.execute(f"SELECT {', '.join(_ONE_PASS.values())} "
                             f"FROM read_parquet([{listed}])").fetchone()
    counts = {f"column_present:{item.name}": int(item.name not in columns)
              for item in resource("ga.population").items}
    counts.update(zip(_ONE_PASS, (int(v) for v in values), strict=True))
    return counts


def _timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--out", type=Path, default=Path("bench/out/quality"))
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    settings = HubSettings(home=args.out / "home")
    population = resource("ga.population")
    data = args.out / f"population-{args.rows}.parquet"
    if not data.exists():
        synthesise_population(settings, args.rows, data)
    suite = build_suite(population)
    sql_s, counts = _timed(lambda: one_pass_counts(settings, [data]), args.repeat)
    gx_s, outcome = _timed(lambda: validate_files(settings, population, suite, [data]),
                           args.repeat)
    gx_counts = {c.name: c.unexpected for c in outcome.checks}
    if gx_counts != counts:
        raise SystemExit(f"GX and SQL disagree: {gx_counts} vs {counts}")
    report = {
        "date": datetime.now(UTC).date().isoformat(),
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, "
                   f"threads={settings.duckdb_threads}",
        "rows": args.rows, "expectations": len(suite.expectations),
        "one_pass_sql_s": round(sql_s, 2), "gx_sql_s": round(gx_s, 2),
        "ratio": round(gx_s / sql_s, 2), "failing_checks": sum(1 for v in counts.values() if v),
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
