"""The resource directory as code: the ten resources of the submission contract.

Source: `docs/contract.md` (the demo city's resources). Grades follow GB/T 43697 (personal
information of a whole city's residents is 重要; identity numbers in bulk are 核心 for this
hub), sharing attributes follow the national guide (basic registers are shared on condition).
"""

from __future__ import annotations

from datetime import date

from catalog.errors import UnknownResource
from catalog.model import (
    Category,
    DataItem,
    Department,
    Grade,
    ItemType,
    Load,
    OpenAttribute,
    Resource,
    Sensitivity,
    SharingAttribute,
    SourceFormat,
    UpdateCycle,
)

__all__ = ["AUDIT_FINDINGS", "DEPARTMENTS", "RESOURCES", "delivered_resources", "resource"]

T = ItemType
S = Sensitivity
G = Grade

DEPARTMENTS = {
    d.code: d
    for d in (
        Department(code="ga", name="惠州市公安局", short_name="公安"),
        Department(code="wj", name="惠州市卫生健康局", short_name="卫健"),
        Department(code="rs", name="惠州市人力资源和社会保障局", short_name="人社"),
        Department(code="gjj", name="惠州市住房公积金管理中心", short_name="公积金中心"),
        Department(code="zr", name="惠州市自然资源局", short_name="自然资源"),
        Department(code="sj", name="惠州市市场监督管理局", short_name="市场监管"),
        Department(code="mz", name="惠州市民政局", short_name="民政"),
        Department(code="hub", name="惠州市政务服务数据管理局", short_name="数据局"),
    )
}

_RELEASED = date(2026, 1, 1)


def _id(name="id_number", zh="公民身份号码", source=None, *, key=False, required=True):
    return DataItem(
        name=name, zh_name=zh, source=source or zh, type=T.ID_NUMBER, key=key,
        required=required, sensitivity=S.ID_NUMBER, grade=G.CORE,
    )


def _name(name="name", zh="姓名", source=None):
    return DataItem(
        name=name, zh_name=zh, source=source or zh, type=T.NAME, required=True,
        sensitivity=S.NAME, grade=G.IMPORTANT,
    )


def _district(source="行政区划", required=True):
    return DataItem(
        name="district_code", zh_name="行政区划代码", source=source, type=T.DISTRICT,
        required=required, description="GB/T 2260 code of a 惠州 district",
    )


POPULATION = Resource(
    code="ga.population", name="户籍人口", name_en="Household-registered population",
    provider=DEPARTMENTS["ga"], category=Category.BASIC, format=SourceFormat.CSV,
    encoding="gb18030", load=Load.SNAPSHOT, update_cycle=UpdateCycle.MONTHLY,
    sharing=SharingAttribute.CONDITIONAL,
    sharing_conditions="仅限履行法定职责所需，按需申请身份核验或字段",
    release_date=_RELEASED, related=("wj.deaths", "mz.members"),
    abstract="全市户籍人口基础信息，人口基础库的权威来源。",
    items=(
        _id(key=True),
        _name(),
        DataItem(name="gender", zh_name="性别", source="性别", type=T.CODE, codes=("男", "女"),
                 required=True, sensitivity=S.GENDER, grade=G.IMPORTANT),
        DataItem(name="birth_date", zh_name="出生日期", source="出生日期", type=T.DATE,
                 required=True, sensitivity=S.BIRTH_DATE, grade=G.IMPORTANT),
        DataItem(name="ethnicity", zh_name="民族", source="民族", type=T.TEXT,
                 sensitivity=S.NONE, grade=G.IMPORTANT),
        DataItem(name="household_id", zh_name="户号", source="户号", type=T.TEXT, required=True,
                 sensitivity=S.HOUSEHOLD, grade=G.IMPORTANT),
        DataItem(name="relation_to_head", zh_name="与户主关系", source="与户主关系", type=T.TEXT,
                 sensitivity=S.HOUSEHOLD, grade=G.IMPORTANT),
        _district(),
        DataItem(name="address", zh_name="住址", source="住址", type=T.TEXT,
                 sensitivity=S.ADDRESS, grade=G.IMPORTANT),
        DataItem(name="status", zh_name="人员状态", source="人员状态", type=T.CODE,
                 codes=("正常", "注销"), required=True),
        DataItem(name="cancel_reason", zh_name="注销原因", source="注销原因", type=T.CODE,
                 codes=("死亡", "迁出")),
        DataItem(name="cancel_date", zh_name="注销日期", source="注销日期", type=T.DATE),
    ),
)

VEHICLES = Resource(
    code="ga.vehicles", name="机动车登记", name_en="Motor-vehicle registrations",
    provider=DEPARTMENTS["ga"], category=Category.DEPARTMENTAL, format=SourceFormat.CSV,
    load=Load.SNAPSHOT, update_cycle=UpdateCycle.DAILY, sharing=SharingAttribute.CONDITIONAL,
    sharing_conditions="用于资格审核时可申请车辆持有核验", release_date=_RELEASED,
    abstract="交警部门登记的机动车及其所有人。",
    items=(
        DataItem(name="plate_number", zh_name="号牌号码", source="plate_number", type=T.TEXT,
                 key=True, required=True, sensitivity=S.VEHICLE, grade=G.IMPORTANT),
        _id("owner_id_number", "所有人身份证号", "owner_id_number"),
        _name("owner_name", "所有人姓名", "owner_name"),
        DataItem(name="vehicle_type", zh_name="车辆类型", source="vehicle_type", type=T.CODE,
                 required=True,
                 codes=("小型汽车", "大型汽车", "挂车", "摩托车", "残疾人专用车", "低速车")),
        DataItem(name="brand", zh_name="品牌", source="brand", type=T.TEXT),
        DataItem(name="register_date", zh_name="登记日期", source="register_date", type=T.DATE,
                 required=True),
        DataItem(name="status", zh_name="状态", source="status", type=T.CODE, required=True,
                 codes=("正常", "注销", "转出")),
    ),
)

DEATHS = Resource(
    code="wj.deaths", name="死亡医学证明", name_en="Medical death certificates",
    provider=DEPARTMENTS["wj"], category=Category.DEPARTMENTAL, format=SourceFormat.JSONL,
    load=Load.APPEND, update_cycle=UpdateCycle.DAILY, sharing=SharingAttribute.CONDITIONAL,
    sharing_conditions="用于待遇停发、救助核查等法定职责", release_date=_RELEASED,
    related=("ga.population",), abstract="医疗机构出具的死亡医学证明。",
    items=(
        DataItem(name="certificate_no", zh_name="证明编号", source="certificate_no", type=T.TEXT,
                 key=True, required=True),
        _id(source="id_number"),
        _name(source="name"),
        DataItem(name="gender", zh_name="性别", source="gender", type=T.CODE, codes=("男", "女"),
                 sensitivity=S.GENDER, grade=G.IMPORTANT),
        DataItem(name="death_date", zh_name="死亡日期", source="death_date", type=T.DATE,
                 required=True, sensitivity=S.HEALTH, grade=G.IMPORTANT),
        DataItem(name="place", zh_name="死亡地点", source="place", type=T.TEXT,
                 sensitivity=S.HEALTH, grade=G.IMPORTANT),
        _district(source="district_code", required=False),
    ),
)

SOCIAL_INSURANCE = Resource(
    code="rs.social_insurance", name="社保缴费", name_en="Monthly social-insurance contributions",
    provider=DEPARTMENTS["rs"], category=Category.DEPARTMENTAL, format=SourceFormat.CSV,
    encoding="utf-8-sig", load=Load.APPEND, update_cycle=UpdateCycle.MONTHLY,
    sharing=SharingAttribute.CONDITIONAL, sharing_conditions="用于收入核定，按户核验",
    release_date=_RELEASED, abstract="参保人按月缴费记录（缴费基数即月工资基数）。",
    items=(
        _id(source="id_number", key=True),
        _name(source="name"),
        DataItem(name="employer_uscc", zh_name="单位统一社会信用代码", source="employer_uscc",
                 type=T.USCC, key=True),
        DataItem(name="employer_name", zh_name="单位名称", source="employer_name", type=T.TEXT),
        DataItem(name="insurance_type", zh_name="险种", source="insurance_type", type=T.CODE,
                 key=True, required=True, codes=("养老", "医疗", "失业", "工伤")),
        DataItem(name="period", zh_name="费款所属期", source="period", type=T.MONTH, key=True,
                 required=True),
        DataItem(name="contribution_base", zh_name="缴费基数", source="contribution_base",
                 type=T.AMOUNT, required=True, max_value=1_000_000,
                 sensitivity=S.FINANCIAL, grade=G.IMPORTANT),
    ),
)

PENSIONS = Resource(
    code="rs.pensions", name="养老金发放", name_en="Pension payments",
    provider=DEPARTMENTS["rs"], category=Category.DEPARTMENTAL, format=SourceFormat.XLSX,
    load=Load.SNAPSHOT, update_cycle=UpdateCycle.MONTHLY, sharing=SharingAttribute.CONDITIONAL,
    sharing_conditions="用于收入核定", release_date=_RELEASED,
    abstract="养老保险待遇发放名册。",
    items=(
        _id(source="身份证号", key=True),
        _name(),
        DataItem(name="benefit_type", zh_name="待遇类型", source="待遇类型", type=T.CODE,
                 key=True, required=True, codes=("企业职工养老", "机关事业养老", "城乡居民养老")),
        DataItem(name="monthly_amount", zh_name="月发放金额", source="月发放金额", type=T.AMOUNT,
                 required=True, max_value=200_000, sensitivity=S.FINANCIAL, grade=G.IMPORTANT),
        DataItem(name="start_month", zh_name="开始月份", source="开始月份", type=T.MONTH),
        DataItem(name="status", zh_name="发放状态", source="发放状态", type=T.CODE, required=True,
                 codes=("正常发放", "暂停", "终止")),
    ),
)

DEPOSITS = Resource(
    code="gjj.deposits", name="公积金缴存", name_en="Provident-fund accounts",
    provider=DEPARTMENTS["gjj"], category=Category.DEPARTMENTAL, format=SourceFormat.CSV,
    delimiter="|", load=Load.SNAPSHOT, update_cycle=UpdateCycle.MONTHLY,
    sharing=SharingAttribute.CONDITIONAL, sharing_conditions="用于收入核定",
    release_date=_RELEASED, abstract="住房公积金个人账户缴存情况。",
    items=(
        DataItem(name="account_no", zh_name="个人账号", source="account_no", type=T.TEXT,
                 key=True, required=True, sensitivity=S.FINANCIAL, grade=G.IMPORTANT),
        _id(source="id_number"),
        _name(source="name"),
        DataItem(name="employer_name", zh_name="单位名称", source="employer_name", type=T.TEXT),
        DataItem(name="monthly_deposit_fen", zh_name="月缴存额（分）",
                 source="monthly_deposit_fen", type=T.INTEGER, required=True,
                 max_value=10_000_000, sensitivity=S.FINANCIAL, grade=G.IMPORTANT),
        DataItem(name="balance_fen", zh_name="账户余额（分）", source="balance_fen",
                 type=T.INTEGER, max_value=10_000_000_000, sensitivity=S.FINANCIAL,
                 grade=G.IMPORTANT),
        DataItem(name="last_deposit_month", zh_name="最近缴存月份", source="last_deposit_month",
                 type=T.MONTH),
        DataItem(name="status", zh_name="账户状态", source="status", type=T.CODE, required=True,
                 codes=("正常", "封存", "销户")),
    ),
)

REAL_ESTATE = Resource(
    code="zr.real_estate", name="不动产登记", name_en="Real-estate registrations",
    provider=DEPARTMENTS["zr"], category=Category.DEPARTMENTAL, format=SourceFormat.PARQUET,
    load=Load.SNAPSHOT, update_cycle=UpdateCycle.DAILY, sharing=SharingAttribute.CONDITIONAL,
    sharing_conditions="用于资格审核时可申请房产核验", release_date=_RELEASED,
    abstract="不动产权证书及权利人。",
    items=(
        DataItem(name="certificate_no", zh_name="不动产权证号", source="certificate_no",
                 type=T.TEXT, key=True, required=True, sensitivity=S.PROPERTY,
                 grade=G.IMPORTANT),
        _id("owner_id_number", "权利人身份证号", "owner_id_number"),
        _name("owner_name", "权利人姓名", "owner_name"),
        DataItem(name="co_owner_id_numbers", zh_name="共有人身份证号", type=T.ID_LIST,
                 source="co_owner_id_numbers", sensitivity=S.ID_NUMBER, grade=G.CORE),
        DataItem(name="property_use", zh_name="用途", source="property_use", type=T.CODE,
                 required=True, codes=("住宅", "商业", "办公", "工业", "车位")),
        DataItem(name="area_m2", zh_name="面积（平方米）", source="area_m2", type=T.DECIMAL,
                 max_value=1_000_000, sensitivity=S.PROPERTY, grade=G.IMPORTANT),
        DataItem(name="location", zh_name="坐落", source="location", type=T.TEXT,
                 sensitivity=S.ADDRESS, grade=G.IMPORTANT),
        _district(source="district_code"),
        DataItem(name="register_date", zh_name="登记日期", source="register_date", type=T.DATE),
        DataItem(name="status", zh_name="状态", source="status", type=T.CODE, required=True,
                 codes=("现势", "注销")),
    ),
)

ENTERPRISES = Resource(
    code="sj.enterprises", name="市场主体登记", name_en="Registered market entities",
    provider=DEPARTMENTS["sj"], category=Category.BASIC, format=SourceFormat.JSONL,
    load=Load.SNAPSHOT, update_cycle=UpdateCycle.DAILY, sharing=SharingAttribute.UNCONDITIONAL,
    open=OpenAttribute.CONDITIONAL, open_conditions="法定代表人身份信息不开放",
    release_date=_RELEASED, abstract="企业、个体工商户、农民专业合作社登记信息（法人库）。",
    items=(
        DataItem(name="uscc", zh_name="统一社会信用代码", source="uscc", type=T.USCC, key=True,
                 required=True),
        DataItem(name="name", zh_name="主体名称", source="name", type=T.TEXT, required=True),
        DataItem(name="entity_type", zh_name="主体类型", source="entity_type", type=T.CODE,
                 required=True, codes=("有限责任公司", "个体工商户", "股份有限公司", "农民专业合作社")),
        _name("legal_rep_name", "法定代表人姓名", "legal_rep.name"),
        _id("legal_rep_id_number", "法定代表人身份证号", "legal_rep.id_number"),
        DataItem(name="registered_capital_wan", zh_name="注册资本（万元）",
                 source="registered_capital_wan", type=T.DECIMAL, max_value=100_000_000),
        DataItem(name="status", zh_name="登记状态", source="status", type=T.CODE, required=True,
                 codes=("存续", "注销", "吊销")),
        DataItem(name="established_date", zh_name="成立日期", source="established_date",
                 type=T.DATE),
        _district(source="district_code"),
    ),
)

RECIPIENTS = Resource(
    code="mz.recipients", name="低保/特困救助对象", name_en="Assistance cases",
    provider=DEPARTMENTS["mz"], category=Category.DEPARTMENTAL, format=SourceFormat.CSV,
    encoding="gbk", load=Load.SNAPSHOT, update_cycle=UpdateCycle.MONTHLY,
    sharing=SharingAttribute.CONDITIONAL, sharing_conditions="仅用于社会救助核查",
    release_date=_RELEASED, related=("mz.members",),
    abstract="最低生活保障与特困人员救助供养案件。",
    items=(
        DataItem(name="case_no", zh_name="案件编号", source="案件编号", type=T.TEXT, key=True,
                 required=True),
        DataItem(name="assistance_type", zh_name="救助类型", source="救助类型", type=T.CODE,
                 required=True, codes=("低保", "特困")),
        _id("applicant_id_number", "申请人身份证号", "申请人身份证号"),
        _name("applicant_name", "申请人姓名", "申请人姓名"),
        _district(),
        DataItem(name="household_size", zh_name="家庭人口数", source="家庭人口数",
                 type=T.INTEGER, required=True, max_value=30),
        DataItem(name="monthly_amount", zh_name="月救助金额", source="月救助金额",
                 type=T.AMOUNT, required=True, max_value=100_000, sensitivity=S.FINANCIAL,
                 grade=G.IMPORTANT),
        DataItem(name="start_month", zh_name="开始月份", source="开始月份", type=T.MONTH),
        DataItem(name="case_status", zh_name="案件状态", source="案件状态", type=T.CODE,
                 required=True, codes=("在保", "停保")),
    ),
)

MEMBERS = Resource(
    code="mz.members", name="救助家庭成员", name_en="Declared household members",
    provider=DEPARTMENTS["mz"], category=Category.DEPARTMENTAL, format=SourceFormat.CSV,
    encoding="gbk", load=Load.SNAPSHOT, update_cycle=UpdateCycle.MONTHLY,
    sharing=SharingAttribute.CONDITIONAL, sharing_conditions="仅用于社会救助核查",
    release_date=_RELEASED, related=("mz.recipients",),
    abstract="救助案件申报的家庭成员（含申请人本人）。",
    items=(
        DataItem(name="case_no", zh_name="案件编号", source="案件编号", type=T.TEXT, key=True,
                 required=True),
        _id("member_id_number", "成员身份证号", "成员身份证号", key=True),
        _name("member_name", "成员姓名", "成员姓名"),
        DataItem(name="relation", zh_name="与申请人关系", source="与申请人关系", type=T.TEXT,
                 sensitivity=S.HOUSEHOLD, grade=G.IMPORTANT),
    ),
)

# Derived: the social-assistance cross-check (docs/crosscheck.md), one row per
# (case, rule, member); written by `pipelines.crosscheck`, reviewed by civil-affairs staff.
CROSSCHECK_FLAGS = Resource(
    code="mz.crosscheck_flags", name="社会救助比对疑点",
    name_en="Social-assistance cross-check flags",
    provider=DEPARTMENTS["mz"], category=Category.THEMATIC, format=SourceFormat.PARQUET,
    load=Load.SNAPSHOT, update_cycle=UpdateCycle.MONTHLY, sharing=SharingAttribute.CONDITIONAL,
    sharing_conditions="仅用于社会救助核查，供民政复核，不作为直接停保依据", release_date=_RELEASED,
    related=("mz.recipients", "mz.members"),
    derived_from=("ga.population", "wj.deaths", "rs.social_insurance", "rs.pensions",
                  "ga.vehicles", "zr.real_estate", "sj.enterprises", "gjj.deposits",
                  "mz.recipients", "mz.members"),
    abstract="在保救助家庭与七个部门数据比对发现的疑点，附理由与证据记录，待民政复核。",
    items=(
        DataItem(name="case_no", zh_name="案件编号", source="case_no", type=T.TEXT, key=True,
                 required=True),
        DataItem(name="rule", zh_name="比对规则", source="rule", type=T.CODE, key=True,
                 required=True, codes=("deceased", "duplicate_case", "income", "vehicle",
                                       "real_estate", "business", "provident_fund", "identity")),
        _id(source="id_number", key=True),
        _name(source="name"),
        _district(source="district_code"),
        DataItem(name="assistance_type", zh_name="救助类型", source="assistance_type",
                 type=T.CODE, codes=("低保", "特困")),
        DataItem(name="severity", zh_name="疑点等级", source="severity", type=T.CODE,
                 required=True, codes=("high", "medium", "low", "review")),
        DataItem(name="reason", zh_name="疑点说明", source="reason", type=T.TEXT, required=True,
                 description="一句话说明疑点，含成员姓名与证据摘要",
                 sensitivity=S.NAME, grade=G.IMPORTANT),
        DataItem(name="evidence", zh_name="证据记录", source="evidence", type=T.TEXT,
                 required=True, description="JSON 数组：来源资源代码、记录主键、摘要",
                 sensitivity=S.ID_NUMBER, grade=G.CORE),
        DataItem(name="fingerprint", zh_name="证据指纹", source="fingerprint", type=T.TEXT,
                 required=True, description="证据未变的驳回疑点不再提出"),
        DataItem(name="reference_month", zh_name="比对基准月", source="reference_month",
                 type=T.MONTH),
        DataItem(name="review_status", zh_name="复核状态", source="review_status", type=T.CODE,
                 codes=("new", "confirmed", "changed")),
        DataItem(name="run_id", zh_name="比对批次", source="run_id", type=T.TEXT, required=True),
    ),
)

_AUDITED = (POPULATION, VEHICLES, DEATHS, SOCIAL_INSURANCE, PENSIONS, DEPOSITS, REAL_ESTATE,
            ENTERPRISES, RECIPIENTS, MEMBERS, CROSSCHECK_FLAGS)

# Derived: the scheduled audits' reports (`catalog.audit_reports`), one row per finding of the
# newest report of each audit; every report is a batch of it, its JSON file listed beside it.
AUDIT_FINDINGS = Resource(
    code="hub.audit_findings", name="审计发现", name_en="Scheduled audit findings",
    provider=DEPARTMENTS["hub"], category=Category.DEPARTMENTAL, format=SourceFormat.PARQUET,
    load=Load.SNAPSHOT, update_cycle=UpdateCycle.DAILY, sharing=SharingAttribute.NOT_SHARED,
    open=OpenAttribute.NOT_OPEN, release_date=_RELEASED,
    derived_from=tuple(r.code for r in _AUDITED),
    abstract="定期审计（审计日志链、逾期审核、过期授权、异常调用、更新时效、目录完整性、"
             "质量退化）发现的问题及其严重程度，供首席数据官确认。",
    items=(
        DataItem(name="fingerprint", zh_name="发现指纹", source="fingerprint", type=T.TEXT,
                 key=True, required=True, description="审计、对象与区分键的 SHA-256，跨报告不变"),
        DataItem(name="audit", zh_name="审计项目", source="audit", type=T.TEXT, required=True,
                 description="发现它的审计，如 audit_chain、freshness"),
        DataItem(name="subject", zh_name="审计对象", source="subject", type=T.TEXT,
                 required=True,
                 description="resource:<资源代码>、order:<申请编号>、grant:<授权编号>或 audit-log"),
        DataItem(name="finding_key", zh_name="区分键", source="finding_key", type=T.TEXT,
                 description="同一对象的多项发现以此区分（数据项、规则、维度）"),
        DataItem(name="severity", zh_name="严重程度", source="severity", type=T.CODE,
                 required=True, codes=("info", "warning", "high", "critical"),
                 description="info < warning < high < critical"),
        DataItem(name="status", zh_name="处理状态", source="status", type=T.CODE, required=True,
                 codes=("open", "acknowledged"),
                 description="报告时的状态：待处理，或已由首席数据官确认（附说明）"),
        DataItem(name="message", zh_name="说明", source="message", type=T.TEXT, required=True,
                 description="一句话说明问题"),
        DataItem(name="evidence", zh_name="证据", source="evidence", type=T.TEXT,
                 description="JSON 对象：审计读到的事实（不含未脱敏的个人信息）"),
        DataItem(name="report_id", zh_name="报告编号", source="report_id", type=T.INTEGER,
                 required=True, description="登记簿中的审计报告编号"),
        DataItem(name="reported_at", zh_name="报告时间", source="reported_at", type=T.TEXT,
                 required=True, description="报告完成时间（UTC，ISO 8601）"),
    ),
)

RESOURCES: dict[str, Resource] = {r.code: r for r in (*_AUDITED, AUDIT_FINDINGS)}


def resource(code: str) -> Resource:
    """The declared resource with this code; unknown codes are an error, never a default."""
    try:
        return RESOURCES[code]
    except KeyError:
        raise UnknownResource(f"unknown resource {code!r}: `hub catalog list` lists the "
                              "resource codes") from None


def delivered_resources() -> list[Resource]:
    return [r for r in RESOURCES.values() if r.is_delivered]
