"""The run's two outputs: the flags (with review state applied) and the linkage issues.

Flags whose current review is `dismissed` with the same evidence fingerprint are not raised
again; every other flag carries its review state (`new`, `confirmed`, `changed` = reviewed on
other evidence). Linkage issues are the records that could not be linked, per department.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from catalog import resource
from catalog.city import current_city
from pipelines.crosscheck.linkage import MENTIONS
from pipelines.crosscheck.rules import RULES, RuleContext
from policies.crosscheck_config import CrosscheckConfig

__all__ = ["FLAG_COLUMNS", "ISSUE_COLUMNS", "apply_reviews", "create_issues", "find_flags"]

FLAG_COLUMNS = ("case_no", "rule", "id_number", "name", "district_code", "assistance_type",
                "severity", "reason", "evidence", "fingerprint", "reference_month",
                "review_status", "run_id")
ISSUE_COLUMNS = ("department", "resource_code", "batch_id", "record_no", "record_key",
                 "id_number", "name", "issue", "message", "run_id")
_REVIEWS = pa.schema([("case_no", pa.string()), ("rule", pa.string()),
                      ("id_number", pa.string()), ("decision", pa.string()),
                      ("fingerprint", pa.string())])


def _standards(con: duckdb.DuckDBPyConnection, config: CrosscheckConfig) -> None:
    districts = current_city().profile.districts
    rows = [{"district_code": code, "standard": amount, "district_name": districts.get(code, code)}
            for code, amount in config.standards.items()]
    table = pa.Table.from_pylist(rows, schema=pa.schema([
        ("district_code", pa.string()), ("standard", pa.decimal128(14, 2)),
        ("district_name", pa.string())]))
    con.register("standards_in", table)
    con.execute("CREATE OR REPLACE TEMP TABLE standards AS SELECT * FROM standards_in")
    con.unregister("standards_in")


def find_flags(con: duckdb.DuckDBPyConnection, config: CrosscheckConfig,
               ctx: RuleContext) -> dict[str, int]:
    """Run every rule into the temp table `found`; returns flags found per rule."""
    _standards(con, config)
    con.execute("CREATE OR REPLACE TEMP TABLE found (rule VARCHAR, case_no VARCHAR, "
                "id_number VARCHAR, name VARCHAR, evidence STRUCT(resource VARCHAR, "
                "key VARCHAR, detail VARCHAR)[], reason VARCHAR, fingerprint VARCHAR)")
    counts = {}
    for name, rule in RULES.items():
        sql, params = rule(ctx)
        con.execute(f"INSERT INTO found SELECT '{name}', case_no, id_number, name, evidence, "
                    f"reason, fingerprint FROM ({sql})", params)
        counts[name] = con.execute("SELECT count(*) FROM found WHERE rule = ?",
                                   [name]).fetchall()[0][0]
    return counts


def apply_reviews(con: duckdb.DuckDBPyConnection, config: CrosscheckConfig, reviews: list[dict],
                  run_id: str, month: str | None) -> dict[str, int]:
    """Create `flags` from `found` and the current reviews; returns suppressed flags per rule."""
    con.register("reviews_in", pa.Table.from_pylist(reviews, schema=_REVIEWS))
    severity = pa.Table.from_pylist([{"rule": r, "severity": s}
                                     for r, s in config.severity.items()])
    con.register("severity_in", severity)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE judged AS SELECT f.*, r.decision, "
        "r.decision = 'dismissed' AND r.fingerprint = f.fingerprint AS suppressed, "
        "CASE WHEN r.decision IS NULL THEN 'new' WHEN r.fingerprint <> f.fingerprint "
        "THEN 'changed' ELSE r.decision END AS review_status "
        "FROM found f LEFT JOIN reviews_in r USING (case_no, rule, id_number)")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE flags AS SELECT ?::VARCHAR AS _batch_id, j.case_no, "
        "j.rule, j.id_number, j.name, c.district_code, c.assistance_type, s.severity, "
        "j.reason, CAST(to_json(j.evidence) AS VARCHAR) AS evidence, j.fingerprint, "
        "?::VARCHAR AS reference_month, j.review_status, ?::VARCHAR AS run_id "
        "FROM judged j JOIN cases c USING (case_no) JOIN severity_in s USING (rule) "
        "WHERE NOT coalesce(j.suppressed, false) ORDER BY j.case_no, j.rule, j.id_number",
        [run_id, month, run_id])
    con.unregister("reviews_in")
    con.unregister("severity_in")
    return dict(con.execute("SELECT rule, count(*) FROM judged WHERE suppressed "
                            "GROUP BY rule ORDER BY rule").fetchall())


def create_issues(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    """Create `issues`: every record that could not be linked, with the department to tell.
    Returns the count per resource."""
    departments = ", ".join(f"('{code}', '{resource(code).provider.code}')" for code in
                            {m.code for m in MENTIONS} | {"ga.population", "zr.real_estate"})
    con.execute(
        "CREATE OR REPLACE TEMP TABLE issues AS WITH unlinked AS ("
        # b's columns named: Spark puts a USING join's key first in `b.*`
        "SELECT b.resource, b._batch_id, b._record_no, b.key, b.id, b.name, b.name_norm, "
        "CASE WHEN b.id IS NULL THEN 'missing_id' "
        "WHEN NOT regexp_full_match(b.id, '[0-9]{17}[0-9X]') THEN 'malformed_id' "
        "WHEN r.candidates IS NULL THEN 'no_candidate' "
        "WHEN r.candidates > 1 THEN 'ambiguous' "
        "WHEN b.name_norm IS NULL THEN 'no_name' ELSE 'name_mismatch' END AS issue "
        "FROM bad b LEFT JOIN reach r USING (id) "
        "WHERE NOT (coalesce(r.candidates = 1 AND r.candidate_name = b.name_norm, false)) "
        "UNION ALL SELECT 'ga.population', _batch_id, _record_no, id_number, id_number, name, "
        "name_norm, 'population_invalid' FROM s_ga_population WHERE NOT id_number_valid "
        "UNION ALL SELECT 'zr.real_estate', _batch_id, _record_no, certificate_no, c, NULL, "
        "NULL, 'co_owner_invalid' FROM (SELECT *, unnest(co_owner_id_numbers) AS c "
        "FROM s_zr_real_estate) WHERE NOT hub_id_valid(c)) "
        f"SELECT d.department, u.resource AS resource_code, u._batch_id AS batch_id, "
        "u._record_no AS record_no, u.key AS record_key, u.id AS id_number, u.name, u.issue, "
        "CASE u.issue WHEN 'missing_id' THEN '缺少身份证号' "
        "WHEN 'malformed_id' THEN '身份证号格式错误（应为17位数字加校验码），无法修复' "
        "WHEN 'no_candidate' THEN '身份证号校验码错误，户籍人口中没有只差一位的号码，无法修复' "
        "WHEN 'ambiguous' THEN '身份证号校验码错误，户籍人口中有多个只差一位的号码，无法唯一修复' "
        "WHEN 'no_name' THEN '身份证号校验码错误且缺少姓名，无法核对修复' "
        "WHEN 'name_mismatch' "
        "THEN '身份证号校验码错误，唯一相近号码的户籍姓名与记录姓名不符，不予修复' "
        "WHEN 'population_invalid' THEN '户籍人口记录的身份证号校验码错误' "
        "ELSE '共有人身份证号校验码错误（无姓名，不予修复）' END AS message, "
        "?::VARCHAR AS run_id FROM unlinked u "
        f"JOIN (VALUES {departments}) d(resource, department) USING (resource) "
        "ORDER BY resource_code, batch_id, record_no", [run_id])
    return dict(con.execute("SELECT resource_code, count(*) FROM issues GROUP BY ALL "
                            "ORDER BY 1").fetchall())
