"""The eight rules of docs/crosscheck.md, one SQL query each, thresholds from the policy.

Each query reads the linked rows of household persons (`hl_<table>`), the households
(`cases`, `hh`, `hp`) and returns one row per flag: `case_no, id_number, name, evidence,
reason, fingerprint`, where `evidence` lists (resource, key, detail) of the supporting records
and `fingerprint` hashes the evidence that decides the flag (not the month it was seen in), so
an unchanged situation keeps its fingerprint from run to run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from policies.crosscheck_config import CrosscheckConfig

__all__ = ["RULES", "RuleContext", "RuleQuery"]

RuleQuery = tuple[str, dict]


@dataclass(frozen=True)
class RuleContext:
    config: CrosscheckConfig
    income_months: list[str]  # M, M-1, M-2 (newest first); empty when there is no M
    deposit_months: list[str]


_EVIDENCE = "struct_pack(resource := resource, key := key, detail := detail)"


def _member_rule(hits: str, reason: str) -> str:
    """Aggregate per-record hits of member-level rules into one flag per (case, member)."""
    return (f"SELECT case_no, id_number, any_value(name) AS name, "
            f"list(DISTINCT {_EVIDENCE} ORDER BY {_EVIDENCE}) AS evidence, {reason} AS reason, "
            f"md5(string_agg(DISTINCT fp, ';' ORDER BY fp)) AS fingerprint "
            f"FROM ({hits}) GROUP BY case_no, id_number")


def _parts(sep: str = "、") -> str:
    return f"string_agg(DISTINCT part, '{sep}' ORDER BY part)"


def deceased(ctx: RuleContext) -> RuleQuery:
    hits = (
        "SELECT h.case_no, h.pid AS id_number, h.name, 'wj.deaths' AS resource, "
        "d.certificate_no AS key, '死亡日期' || coalesce(CAST(d.death_date AS VARCHAR), '不详') "
        "AS detail, '有死亡医学证明（编号' || d.certificate_no || '，死亡日期' || "
        "coalesce(CAST(d.death_date AS VARCHAR), '不详') || '）' AS part, "
        "'wj|' || d.certificate_no AS fp FROM hp h JOIN hl_wj_deaths d ON d._pid = h.pid "
        "UNION ALL SELECT h.case_no, h.pid, h.name, 'ga.population', p.id_number, "
        "'人员状态' || p.status || '，注销原因' || p.cancel_reason, "
        "'户籍已因死亡注销（注销日期' || "
        "coalesce(CAST(p.cancel_date AS VARCHAR), '不详') || '）', 'ga|' || p.id_number "
        "FROM hp h JOIN s_ga_population p ON p.id_number = h.pid "
        "WHERE p.status = $status AND p.cancel_reason = $reason")
    c = ctx.config.deceased
    return (_member_rule(hits, f"'成员' || any_value(name) || {_parts('；')}"),
            {"status": c.population_status, "reason": c.cancel_reason})


def duplicate_case(ctx: RuleContext) -> RuleQuery:
    hits = (
        "SELECT h.case_no, h.pid AS id_number, h.name, 'mz.members' AS resource, "
        "o.case_no || '/' || o.declared_id AS key, "
        "'同为在保案件' || o.case_no || '的成员' AS detail, "
        "o.case_no AS part, 'mz|' || o.case_no AS fp "
        "FROM hp h JOIN hp o ON o.pid = h.pid AND o.case_no <> h.case_no")
    return (_member_rule(hits, f"'成员' || any_value(name) || '同时是在保案件' || {_parts()} "
                               "|| '的家庭成员'"), {})


def vehicle(ctx: RuleContext) -> RuleQuery:
    hits = (
        "SELECT h.case_no, h.pid AS id_number, h.name, 'ga.vehicles' AS resource, "
        "v.plate_number AS key, v.vehicle_type || '，' || v.status AS detail, "
        "v.vehicle_type || '（' || v.plate_number || '）' AS part, "
        "'ga|' || v.plate_number || '|' || v.vehicle_type || '|' || v.status AS fp "
        "FROM hp h JOIN hl_ga_vehicles v ON v._pid = h.pid "
        "WHERE v.status = $status AND NOT list_contains($excluded, v.vehicle_type)")
    c = ctx.config.vehicle
    return (_member_rule(hits, f"'成员' || any_value(name) || '名下有' || $status || '状态' || "
                               f"{_parts()}"),
            {"status": c.status, "excluded": list(c.excluded_types)})


def business(ctx: RuleContext) -> RuleQuery:
    capital = "coalesce(CAST(e.registered_capital_wan AS VARCHAR), '不详')"
    hits = (
        "SELECT h.case_no, h.pid AS id_number, h.name, 'sj.enterprises' AS resource, "
        f"e.uscc AS key, e.entity_type || '，' || e.status || '，注册资本' || {capital} || '万元' "
        f"AS detail, coalesce(e.name, e.uscc) || '（' || e.entity_type || '，注册资本' || "
        f"{capital} || '万元）' AS part, 'sj|' || e.uscc || '|' || e.entity_type || '|' || "
        f"{capital} AS fp FROM hp h JOIN hl_sj_enterprises e ON e._pid = h.pid "
        "WHERE e.status = $status AND NOT coalesce("
        "e.entity_type = $small AND e.registered_capital_wan < $capital, false)")
    c = ctx.config.business
    return (_member_rule(hits, f"'成员' || any_value(name) || '是' || $status || '市场主体' || "
                               f"{_parts()} || '的法定代表人'"),
            {"status": c.status, "small": c.small_entity_type,
             "capital": c.small_capital_below_wan})


def provident_fund(ctx: RuleContext) -> RuleQuery:
    yuan = "CAST(CAST(g.monthly_deposit_fen / 100 AS DECIMAL(14, 2)) AS VARCHAR)"
    hits = (
        "SELECT h.case_no, h.pid AS id_number, h.name, 'gjj.deposits' AS resource, "
        f"g.account_no AS key, '月缴存' || {yuan} || '元，最近缴存' || g.last_deposit_month "
        f"AS detail, '账户' || g.account_no || '月缴存' || {yuan} || '元、最近缴存月份' || "
        "g.last_deposit_month AS part, 'gjj|' || g.account_no || '|' || g.status || '|' || "
        "g.monthly_deposit_fen AS fp FROM hp h JOIN hl_gjj_deposits g ON g._pid = h.pid "
        "WHERE g.status = $status "
        "AND list_contains(CAST($months AS VARCHAR[]), g.last_deposit_month) "
        "AND g.monthly_deposit_fen >= $min_fen")
    c = ctx.config.provident_fund
    return (_member_rule(hits, f"'成员' || any_value(name) || '公积金' || $status || '缴存：' "
                               f"|| {_parts('；')}"),
            {"status": c.status, "months": ctx.deposit_months,
             "min_fen": c.min_monthly_deposit_fen})


def identity(ctx: RuleContext) -> RuleQuery:
    hits = (
        "SELECT h.case_no, coalesce(h.pid, h.declared_id) AS id_number, h.name, "
        "'mz.members' AS resource, h.case_no || '/' || h.declared_id AS key, "
        "CASE WHEN h.link = 'unlinked' THEN '身份证号无效且无法唯一修复' "
        "WHEN p.id_number IS NULL THEN '户籍人口库中无此身份证号' "
        "ELSE '户籍登记姓名为' || p.name END AS detail, "
        "CASE WHEN h.link = 'unlinked' THEN '身份证号' || h.declared_id || '无效且无法唯一修复' "
        "WHEN p.id_number IS NULL THEN '身份证号' || h.pid || '在户籍人口库中不存在' "
        "ELSE '姓名与户籍登记姓名' || p.name || '不一致' END AS part, "
        "'id|' || h.declared_id || '|' || coalesce(h.name_norm, '') || '|' || "
        "coalesce(p.name_norm, '') AS fp "
        "FROM hh h LEFT JOIN s_ga_population p ON p.id_number = h.pid "
        "WHERE h.link = 'unlinked' OR p.id_number IS NULL OR p.name_norm <> h.name_norm")
    return _member_rule(hits, f"'成员' || coalesce(any_value(name), '') || {_parts('；')}"), {}


def income(ctx: RuleContext) -> RuleQuery:
    c = ctx.config.income
    months = ctx.income_months
    amount = "CAST({} AS DECIMAL(18, 2))"
    sql = (
        "WITH wages AS (SELECT h.case_no, s._pid AS pid, s.employer_uscc, s.period, "
        "s.contribution_base AS amount, min(s.id_number || '/' || coalesce(s.employer_uscc, '') "
        "|| '/' || s.insurance_type || '/' || s.period) AS key "
        "FROM hp h JOIN hl_rs_social_insurance s ON s._pid = h.pid "
        "WHERE s.insurance_type = $kind "
        "AND list_contains(CAST($months AS VARCHAR[]), s.period) "
        "AND s.contribution_base IS NOT NULL "
        "GROUP BY ALL), "
        "pensions AS (SELECT h.case_no, p._pid AS pid, p.benefit_type, p.monthly_amount AS amount, "
        "min(p.id_number || '/' || p.benefit_type) AS key FROM hp h "
        "JOIN hl_rs_pensions p ON p._pid = h.pid WHERE p.status = $pension_status "
        "AND p.monthly_amount IS NOT NULL GROUP BY ALL), "
        "ev AS (SELECT case_no, 'rs.social_insurance' AS resource, key, period || ' ' || $kind || "
        "'缴费基数' || amount || '元' AS detail, 'rs.si|' || pid || '|' || "
        "coalesce(employer_uscc, '') || '|' || amount AS fp, "
        f"{amount.format('amount')} AS wage, {amount.format(0)} AS pension FROM wages "
        "UNION ALL SELECT case_no, 'rs.pensions', key, benefit_type || '月发放' || amount || '元', "
        "'rs.pen|' || pid || '|' || benefit_type || '|' || amount, 0, amount FROM pensions), "
        f"totals AS (SELECT case_no, sum(wage) AS wages, sum(pension) AS pensions, "
        f"list(DISTINCT {_EVIDENCE} ORDER BY {_EVIDENCE}) AS evidence, string_agg(DISTINCT fp, ';' ORDER BY fp) AS fps "
        "FROM ev GROUP BY case_no), "
        "judged AS (SELECT t.*, c.applicant_id, c.applicant_name, c.household_size, "
        "st.standard, st.district_name, "
        f"{amount.format('t.wages / $n + t.pensions')} AS monthly FROM totals t "
        "JOIN cases c USING (case_no) JOIN standards st USING (district_code) "
        "WHERE c.household_size > 0 "
        "AND t.wages + $n * t.pensions > $n * st.standard * c.household_size) "
        "SELECT case_no, applicant_id AS id_number, applicant_name AS name, evidence, "
        "'家庭近' || $n || '个月（' || $first || '至' || $last || '）月均收入' || monthly || "
        "'元，按家庭人口数' || household_size || '人计人均' || "
        f"{amount.format('monthly / household_size')} || '元，高于' || district_name || "
        "'救助标准' || standard || '元' AS reason, "
        "md5(fps || ';size=' || household_size) AS fingerprint FROM judged")
    return sql, {"kind": c.insurance_type, "months": months, "pension_status": c.pension_status,
                 "n": c.months, "first": months[-1] if months else "",
                 "last": months[0] if months else ""}


def real_estate(ctx: RuleContext) -> RuleQuery:
    c = ctx.config.real_estate
    sql = (
        "WITH holders AS (SELECT certificate_no, property_use, _pid AS pid, '权利人' AS role "
        "FROM hl_zr_real_estate WHERE status = $status AND _pid IS NOT NULL "
        # Co-owners have no name beside them: standardised, never repaired.
        "UNION ALL SELECT certificate_no, property_use, unnest(co_owner_id_numbers), '共有人' "
        "FROM s_zr_real_estate WHERE status = $status), "
        "mine AS (SELECT h.case_no, e.certificate_no, any_value(e.property_use) AS use, "
        "string_agg(DISTINCT coalesce(h.name, h.pid) || e.role, '、' ORDER BY "
        "coalesce(h.name, h.pid) || e.role) AS who "
        "FROM holders e JOIN hp h ON h.pid = e.pid "
        "WHERE e.property_use = $housing OR list_contains($other, e.property_use) "
        "GROUP BY h.case_no, e.certificate_no), "
        "judged AS (SELECT case_no FROM mine GROUP BY case_no "
        "HAVING count(*) FILTER (WHERE use = $housing) > $max_housing "
        "OR count(*) FILTER (WHERE use <> $housing) > 0) "
        "SELECT m.case_no, any_value(c.applicant_id) AS id_number, "
        "any_value(c.applicant_name) AS name, list(struct_pack(resource := 'zr.real_estate', "
        "key := m.certificate_no, detail := m.use || '，' || m.who) ORDER BY m.certificate_no) "
        "AS evidence, '家庭成员名下有' || $status || '不动产' || count(*) || '处：' || "
        "string_agg(m.use || '（' || m.certificate_no || '，' || m.who || '）', '、' "
        "ORDER BY m.certificate_no) AS reason, md5(string_agg('zr|' || m.certificate_no || "
        "'|' || m.use, ';' ORDER BY m.certificate_no)) AS fingerprint "
        "FROM mine m SEMI JOIN judged USING (case_no) JOIN cases c USING (case_no) "
        "GROUP BY m.case_no")
    return sql, {"status": c.status, "housing": c.housing_use, "max_housing": c.max_housing,
                 "other": list(c.non_residential_uses)}


RULES: dict[str, Callable[[RuleContext], RuleQuery]] = {
    "deceased": deceased,
    "duplicate_case": duplicate_case,
    "income": income,
    "vehicle": vehicle,
    "real_estate": real_estate,
    "business": business,
    "provident_fund": provident_fund,
    "identity": identity,
}
