"""Words a synthetic city directory is made of: departments (city bureaus, then the same bureaus
of each district), resource subjects and topics, and data items grouped by what a record is
about (a person, an enterprise, anything).

Department codes are pinyin initials, as the demo's (`ga` 公安, `rs` 人社); a district's bureau
puts the district's initials first (`hcga` 惠城区公安分局's code). Resource codes are
`<department>.<subject>_<topic>[_<scope>]`: letters and underscores only (catalog.model).
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.model import Grade, ItemType, Sensitivity

__all__ = ["BUREAUS", "CONDITIONS", "ENTERPRISE_ITEMS", "GENERAL_ITEMS", "HUIZHOU", "OPEN_CONDITIONS",
           "PERSON_ITEMS", "SCOPES", "SUBJECTS", "TOPICS", "City", "ItemSpec"]


@dataclass(frozen=True)
class City:
    """What the generator needs of a city: its name, and its districts (initials, name,
    GB/T 2260 code), whose codes are the district values and ID-number prefixes."""

    name: str
    districts: tuple[tuple[str, str, str], ...]


HUIZHOU = City("惠州市", (("hc", "惠城区", "441302"), ("hy", "惠阳区", "441303"),
                       ("bl", "博罗县", "441322"), ("hd", "惠东县", "441323"),
                       ("lm", "龙门县", "441324")))

# (code, name after the city's, short name)
BUREAUS = (
    ("ga", "公安局", "公安"), ("wj", "卫生健康局", "卫健"), ("rs", "人力资源和社会保障局", "人社"),
    ("gjj", "住房公积金管理中心", "公积金中心"), ("zr", "自然资源局", "自然资源"),
    ("sj", "市场监督管理局", "市场监管"), ("mz", "民政局", "民政"), ("jy", "教育局", "教育"),
    ("fg", "发展和改革局", "发改"), ("gx", "工业和信息化局", "工信"), ("kj", "科学技术局", "科技"),
    ("sf", "司法局", "司法"), ("cz", "财政局", "财政"), ("sthj", "生态环境局", "生态环境"),
    ("zj", "住房和城乡建设局", "住建"), ("jt", "交通运输局", "交通运输"), ("sw", "水务局", "水务"),
    ("ny", "农业农村局", "农业农村"), ("swj", "商务局", "商务"), ("wg", "文化广电旅游体育局", "文广旅体"),
    ("tjj", "退役军人事务局", "退役军人"), ("yj", "应急管理局", "应急管理"), ("sjj", "审计局", "审计"),
    ("gzw", "国有资产监督管理委员会", "国资委"), ("tj", "统计局", "统计"), ("yb", "医疗保障局", "医保"),
    ("ly", "林业局", "林业"), ("cg", "城市管理和综合执法局", "城管"), ("xf", "信访局", "信访"),
    ("rf", "人民防空办公室", "人防"), ("qx", "气象局", "气象"), ("mzz", "民族宗教事务局", "民宗"),
    ("ggzy", "公共资源交易中心", "公共资源交易"), ("zgh", "总工会", "总工会"), ("fl", "妇女联合会", "妇联"),
    ("cl", "残疾人联合会", "残联"), ("hsh", "红十字会", "红十字会"), ("dag", "档案馆", "档案"),
    ("xfjy", "消防救援支队", "消防"), ("jgsw", "机关事务管理局", "机关事务"),
    ("jr", "地方金融监督管理局", "金融"), ("swu", "税务局", "税务"), ("zwfw", "政务服务中心", "政务服务"),
    ("gd", "供电局", "供电"), ("yc", "烟草专卖局", "烟草"), ("hb", "港口管理局", "港口"),
)

# (zh, en) — a resource is a subject's topic: 食品经营 + 许可 = 食品经营许可
SUBJECTS = (
    ("食品经营", "food"), ("药品零售", "pharmacy"), ("建筑施工", "construction"),
    ("道路运输", "road_transport"), ("出租汽车", "taxi"), ("网约车", "ride_hailing"),
    ("旅馆业", "hotel"), ("养老机构", "elderly_care"), ("幼儿园", "kindergarten"),
    ("中小学", "school"), ("医疗机构", "clinic"), ("执业医师", "physician"),
    ("律师", "lawyer"), ("公证", "notary"), ("婚姻", "marriage"), ("殡葬", "funeral"),
    ("残疾人", "disability"), ("退役军人", "veteran"), ("就业", "employment"),
    ("职业培训", "vocational_training"), ("企业年报", "annual_report"), ("特种设备", "special_equipment"),
    ("危险化学品", "hazardous_chemicals"), ("排污", "pollutant_discharge"), ("取水", "water_abstraction"),
    ("林木采伐", "logging"), ("渔业船舶", "fishing_vessel"), ("农机", "farm_machinery"),
    ("宅基地", "homestead"), ("商品房预售", "presale_housing"), ("物业", "property_management"),
    ("燃气", "gas_supply"), ("户外广告", "outdoor_advertising"), ("文物", "cultural_relics"),
    ("体育场馆", "sports_venue"), ("政府采购", "procurement"), ("财政补助", "fiscal_grant"),
    ("科技项目", "research_project"), ("高新技术企业", "high_tech_enterprise"), ("消防", "fire_safety"),
)
TOPICS = (
    ("许可", "licences"), ("备案", "filings"), ("登记", "registrations"), ("检查", "inspections"),
    ("行政处罚", "penalties"), ("补贴发放", "subsidies"), ("投诉举报", "complaints"),
    ("年度考核", "assessments"), ("资质认定", "qualifications"), ("信用评价", "credit_ratings"),
    ("统计报表", "statistics"), ("从业人员", "practitioners"), ("项目审批", "approvals"),
    ("监测数据", "monitoring"), ("证照", "certificates"), ("变更记录", "changes"),
    ("注销记录", "cancellations"), ("抽检结果", "sampling"), ("事故报告", "incidents"),
    ("缴费记录", "payments"),
)
# Beyond every subject × topic, one department's next resources are scoped further.
SCOPES = (("（历史）", "history"), ("（县区汇总）", "county_summary"), ("（月度）", "monthly"),
          ("（年度）", "annual"), ("（乡镇）", "township"), ("（明细）", "details"),
          ("（归档）", "archive"), ("（专项）", "special"))

CONDITIONS = ("仅限履行法定职责所需，按需申请", "用于资格审核，按件核验", "用于行政审批，经提供方同意",
              "用于监管执法，不得向第三方提供", "仅提供核验结果，不提供明细")
OPEN_CONDITIONS = ("去除个人信息后开放", "经申请审核后开放", "仅开放统计汇总数据")


@dataclass(frozen=True)
class ItemSpec:
    """A data item a generated resource may have; `source` is its Chinese header."""

    name: str
    zh: str
    type: ItemType
    sensitivity: Sensitivity = Sensitivity.NONE
    grade: Grade = Grade.GENERAL
    codes: tuple[str, ...] = ()
    max_value: float | None = None


S, T, G = Sensitivity, ItemType, Grade
PERSON_ITEMS = (
    ItemSpec("id_number", "公民身份号码", T.ID_NUMBER, S.ID_NUMBER, G.CORE),
    ItemSpec("name", "姓名", T.NAME, S.NAME, G.IMPORTANT),
    ItemSpec("gender", "性别", T.CODE, S.GENDER, G.IMPORTANT, ("男", "女")),
    ItemSpec("birth_date", "出生日期", T.DATE, S.BIRTH_DATE, G.IMPORTANT),
    ItemSpec("phone", "联系电话", T.TEXT, S.PHONE, G.IMPORTANT),
    ItemSpec("address", "住址", T.TEXT, S.ADDRESS, G.IMPORTANT),
    ItemSpec("household_id", "户号", T.TEXT, S.HOUSEHOLD, G.IMPORTANT),
    ItemSpec("monthly_income", "月收入", T.AMOUNT, S.FINANCIAL, G.IMPORTANT, max_value=1_000_000),
    ItemSpec("diagnosis", "诊断", T.TEXT, S.HEALTH, G.IMPORTANT),
    ItemSpec("plate_number", "号牌号码", T.TEXT, S.VEHICLE, G.IMPORTANT),
    ItemSpec("property_certificate_no", "不动产权证号", T.TEXT, S.PROPERTY, G.IMPORTANT),
)
ENTERPRISE_ITEMS = (
    ItemSpec("uscc", "统一社会信用代码", T.USCC),
    ItemSpec("entity_name", "主体名称", T.TEXT),
    ItemSpec("legal_rep_name", "法定代表人姓名", T.NAME, S.NAME, G.IMPORTANT),
    ItemSpec("legal_rep_id_number", "法定代表人身份证号", T.ID_NUMBER, S.ID_NUMBER, G.CORE),
    ItemSpec("registered_capital_wan", "注册资本（万元）", T.DECIMAL, max_value=100_000_000),
    ItemSpec("entity_type", "主体类型", T.CODE, codes=("有限责任公司", "个体工商户", "股份有限公司")),
)
GENERAL_ITEMS = (
    ItemSpec("district_code", "行政区划代码", T.DISTRICT),
    ItemSpec("status", "状态", T.CODE, codes=("有效", "注销", "暂停")),
    ItemSpec("handled_on", "办理日期", T.DATE),
    ItemSpec("valid_until", "有效期至", T.DATE),
    ItemSpec("period", "所属期", T.MONTH),
    ItemSpec("amount", "金额（元）", T.AMOUNT, max_value=10_000_000),
    ItemSpec("fee_fen", "费用（分）", T.INTEGER, max_value=1_000_000_000),
    ItemSpec("quantity", "数量", T.INTEGER, max_value=100_000),
    ItemSpec("area_m2", "面积（平方米）", T.DECIMAL, max_value=1_000_000),
    ItemSpec("location", "坐落", T.TEXT),
    ItemSpec("level", "等级", T.CODE, codes=("A", "B", "C", "D")),
    ItemSpec("issuing_org", "发证机关", T.TEXT),
    ItemSpec("approval_no", "批准文号", T.TEXT),
    ItemSpec("score", "评分", T.DECIMAL, max_value=100),
    ItemSpec("remark", "备注", T.TEXT),
    ItemSpec("co_owner_id_numbers", "共有人身份证号", T.ID_LIST, S.ID_NUMBER, G.CORE),
)
