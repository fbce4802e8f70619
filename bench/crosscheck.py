"""The whole cross-check vs one hand-written DuckDB query doing the same joins, same run.

The baseline reads the same published files through the analysts' database and joins active
cases' members (valid IDs only: no repair, no evidence, no reasons, no review state) with every
source the rules read, returning the (case_no, rule) pairs. The hub's run does everything
(salvage, repair, evidence, reasons, fingerprints, review suppression, issues, publication).

    hub --home H generate --persons 1000000 --out C && hub --home H --landing C/landing materialize
    python bench/crosscheck.py --home H [--truth C/truth/crosscheck.csv]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalog import HubSettings, open_registry
from catalog.lake import connect
from pipelines.crosscheck import run_crosscheck
from pipelines.crosscheck.score import read_flag_pairs, read_truth, score

BASELINE = """
WITH cases AS (SELECT case_no, district_code, household_size FROM published.mz_recipients
               WHERE case_status = '在保'),
hp AS (SELECT DISTINCT m.case_no, m.member_id_number AS pid, m.member_name_norm AS nm
       FROM published.mz_members m SEMI JOIN cases USING (case_no)),
mon AS (SELECT max(period) AS m FROM published.rs_social_insurance),
months AS (SELECT list(strftime(strptime(m, '%Y%m') - INTERVAL (k) MONTH, '%Y%m')) AS ms
           FROM mon, range(3) t(k)),
std AS (SELECT * FROM (VALUES ('441302', 1180), ('441303', 1180), ('441322', 1100),
        ('441323', 1100), ('441324', 1050)) s(district_code, standard)),
income AS (SELECT h.case_no, sum(x.amount) AS total FROM hp h JOIN (
             SELECT id_number, contribution_base AS amount FROM published.rs_social_insurance,
             months WHERE insurance_type = '养老' AND list_contains(ms, period)
             UNION ALL SELECT id_number, 3 * monthly_amount FROM published.rs_pensions
             WHERE status = '正常发放') x ON x.id_number = h.pid GROUP BY h.case_no),
homes AS (SELECT h.case_no, e.certificate_no, any_value(e.property_use) AS use FROM hp h JOIN (
            SELECT certificate_no, property_use, owner_id_number AS pid
            FROM published.zr_real_estate WHERE status = '现势'
            UNION ALL SELECT certificate_no, property_use, unnest(co_owner_id_numbers)
            FROM published.zr_real_estate WHERE status = '现势') e ON e.pid = h.pid
          WHERE e.property_use IN ('住宅', '商业', '办公', '工业') GROUP BY ALL)
SELECT DISTINCT case_no, rule FROM (
  SELECT case_no, 'deceased' AS rule FROM hp JOIN published.wj_deaths d ON d.id_number = pid
  UNION ALL SELECT case_no, 'deceased' FROM hp JOIN published.ga_population p
    ON p.id_number = pid WHERE p.status = '注销' AND p.cancel_reason = '死亡'
  UNION ALL SELECT a.case_no, 'duplicate_case' FROM hp a JOIN hp b
    ON a.pid = b.pid AND a.case_no <> b.case_no
  UNION ALL SELECT case_no, 'income' FROM income JOIN cases USING (case_no)
    JOIN std USING (district_code) WHERE total > 3 * standard * household_size
  UNION ALL SELECT case_no, 'vehicle' FROM hp JOIN published.ga_vehicles v
    ON v.owner_id_number = pid WHERE v.status = '正常'
    AND v.vehicle_type NOT IN ('摩托车', '残疾人专用车', '低速车')
  UNION ALL SELECT case_no, 'real_estate' FROM homes GROUP BY case_no
    HAVING count(*) FILTER (WHERE use = '住宅') > 1 OR count(*) FILTER (WHERE use <> '住宅') > 0
  UNION ALL SELECT case_no, 'business' FROM hp JOIN published.sj_enterprises e
    ON e.legal_rep_id_number = pid WHERE e.status = '存续'
    AND NOT coalesce(e.entity_type = '个体工商户' AND e.registered_capital_wan < 10, false)
  UNION ALL SELECT case_no, 'provident_fund' FROM hp JOIN published.gjj_deposits g
    ON g.id_number = pid, months WHERE g.status = '正常'
    AND list_contains(ms, g.last_deposit_month) AND g.monthly_deposit_fen >= 20000
  UNION ALL SELECT case_no, 'identity' FROM hp LEFT JOIN published.ga_population p
    ON p.id_number = pid WHERE p.id_number IS NULL OR p.name_norm <> nm)
"""


def baseline(settings: HubSettings) -> tuple[float, int]:
    con = connect(settings)
    try:
        con.execute("ATTACH ? AS hub (READ_ONLY)", [str(settings.analyst_db)])
        con.execute("USE hub")
        started = time.perf_counter()
        rows = con.execute(BASELINE).fetchall()
        return time.perf_counter() - started, len(rows)
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="A materialised hub home.")
    parser.add_argument("--truth", type=Path, help="The city's truth/crosscheck.csv.")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    settings = HubSettings(home=args.home)
    registry = open_registry(settings)
    base, hub, steps, result = [], [], [], None
    for _ in range(args.repeat):  # interleaved, so both see the same machine state
        seconds, pairs = baseline(settings)
        base.append(seconds)
        started = time.perf_counter()
        result = run_crosscheck(settings, registry)
        hub.append(time.perf_counter() - started)
        steps.append(result.seconds)
    assert result is not None
    b, h = statistics.median(base), statistics.median(hub)
    print(f"home {args.home}: {result.rows} flags, baseline {pairs} (case, rule) pairs")
    print(f"baseline query   median {b:7.2f} s  runs {', '.join(f'{x:.2f}' for x in base)}")
    print(f"hub cross-check  median {h:7.2f} s  runs {', '.join(f'{x:.2f}' for x in hub)}")
    print(f"ratio hub / baseline: {h / b:.2f}x   steps (last run): {steps[-1]}")
    if args.truth:
        for s in score(read_flag_pairs(Path(result.flags_path)), read_truth(args.truth)):
            print(f"  {s.rule:16} precision {s.precision:.3f} recall {s.recall:.3f} "
                  f"({s.true_positives}/{s.expected})")


if __name__ == "__main__":
    main()
