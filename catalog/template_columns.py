"""The cataloguing template's vocabulary: its column headers and the words its cells use,
mapped onto the fields and enums of `catalog.model` (docs/directory-import.md lists them).

The columns follow 《政务信息资源目录编制指南》 (信息资源名称, 信息资源代码, 提供方, 摘要, 分类, 格式,
信息项 with 名称/类型/长度, 共享属性 and 共享条件, 开放属性 and 开放条件, 更新周期); the hub adds the
technical columns a declaration needs (字段名, 来源字段, 主键, 必填, 代码集, 分级, 敏感类别, 编码,
分隔符, 加载方式 …). Each rule of the vocabulary is here, the reading in `catalog.template_import`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from catalog.model import (
    Category,
    Grade,
    ItemType,
    Load,
    OpenAttribute,
    Sensitivity,
    SharingAttribute,
    SourceFormat,
    UpdateCycle,
)

__all__ = ["COLUMNS", "DELIMITERS", "ENCODINGS", "ITEM_COLUMNS", "NO", "RESOURCE_COLUMNS",
           "UNSUPPORTED_TYPES", "VOCABULARY", "YES", "Column", "header_key", "lookup"]


@dataclass(frozen=True)
class Column:
    """One template column: the key the importer uses, its canonical header (as reports name
    it), the other headers it is known by, and whether a sheet must have it."""

    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False


RESOURCE_COLUMNS = (
    Column("name", "信息资源名称", ("资源名称",), True),
    Column("code", "信息资源代码", ("资源代码",), True),
    Column("provider", "信息资源提供方", ("提供方", "提供单位", "资源提供方", "提供部门"), True),
    Column("provider_code", "提供方代码", ("提供单位代码", "提供部门代码")),
    Column("abstract", "信息资源摘要", ("摘要", "资源摘要"), True),
    Column("category", "信息资源分类", ("分类", "资源分类"), True),
    Column("format", "信息资源格式", ("格式", "资源格式"), True),
    Column("name_en", "英文名称", ("资源英文名称",)),
    Column("encoding", "字符编码", ("编码",)),
    Column("delimiter", "分隔符", ("字段分隔符",)),
    Column("load", "加载方式", ("更新方式",)),
    Column("sharing", "共享属性", ("共享类型",), True),
    Column("sharing_conditions", "共享条件", ("共享条件及依据",)),
    Column("open", "开放属性", ("开放类型", "是否向社会开放")),
    Column("open_conditions", "开放条件", ()),
    Column("update_cycle", "更新周期", ("更新频率",), True),
    Column("release_date", "发布日期", ("发布时间",)),
    Column("related", "关联资源代码", ("关联资源",)),
)

ITEM_COLUMNS = (
    Column("item_zh", "信息项名称", ("数据项名称",), True),
    Column("item_name", "字段名", ("信息项英文名", "字段英文名", "数据项英文名"), True),
    Column("item_source", "来源字段", ("报送字段", "来源列名")),
    Column("item_type", "信息项类型", ("数据类型", "信息项数据类型", "数据项类型"), True),
    Column("item_length", "信息项长度", ("数据长度", "数据项长度")),
    Column("item_key", "主键", ("是否主键",)),
    Column("item_required", "必填", ("是否必填",)),
    Column("item_codes", "代码集", ("取值范围", "值域")),
    Column("item_grade", "分级", ("数据分级", "安全级别")),
    Column("item_sensitivity", "敏感类别", ("敏感类型", "个人信息类别")),
    Column("item_max", "最大值", ("最大合理值",)),
    Column("item_description", "信息项说明", ("信息项描述", "说明")),
)

COLUMNS = RESOURCE_COLUMNS + ITEM_COLUMNS

# A two-row header puts 名称/类型/长度 under a merged 信息项 cell: the pair is read as one header.
_GROUPED = {"信息项": "信息项", "数据项": "信息项"}
# Notes people put in headers: "共享属性（必填）", "*信息资源名称", "格式\n(csv/xlsx)".
_NOTE = re.compile(r"[（(【\[].*?[）)】\]]|[*＊\s]")


def header_key(text: str, group: str = "") -> str | None:
    """The column key a header cell names (`None` for a column the hub does not read); `group`
    is the merged cell above it in a two-row header (信息项)."""
    cleaned = _NOTE.sub("", text)
    if not cleaned:
        return None
    group = _GROUPED.get(_NOTE.sub("", group), "")
    for candidate in ((group + cleaned, cleaned) if group else (cleaned,)):
        for column in COLUMNS:
            if candidate == column.header or candidate in column.aliases:
                return column.key
        if group and cleaned in ("名称", "类型", "长度", "说明", "描述"):
            return {"名称": "item_zh", "类型": "item_type", "长度": "item_length",
                    "说明": "item_description", "描述": "item_description"}[cleaned]
    return None


def _words(mapping: dict[str, tuple[str, ...]], enum) -> dict[str, object]:
    """Every word (the enum value itself, its name and the listed synonyms) → the member."""
    words: dict[str, object] = {}
    for member in enum:
        words[member.value.lower()] = member
        words[member.name.lower()] = member
        for synonym in mapping.get(member.value, ()):
            words[synonym.lower()] = member
    return words


# Each vocabulary maps the words a department writes onto the model's members. Type words
# are the guide's data types (字符型 C, 数值型 N, 货币型 Y, 日期型 D, 日期时间型 T, 逻辑型 L,
# 备注型 M, 整型 I, 浮点型 F, 双精度型 B) and the hub's own standardised types.
VOCABULARY: dict[str, dict[str, object]] = {
    "category": _words({"基础": ("基础信息资源", "基础类", "基础资源库"),
                        "主题": ("主题信息资源", "主题类", "主题资源库"),
                        "部门": ("部门信息资源", "部门类")}, Category),
    "format": _words({"csv": ("逗号分隔值", "逗号分隔", "文本文件", "txt"),
                      "xlsx": ("电子表格", "excel", "excel表格", "xlsx文件"),
                      "jsonl": ("json lines", "json", "jsonlines"),
                      "parquet": ("parquet文件",)}, SourceFormat),
    "load": _words({"snapshot": ("全量", "快照", "全量更新", "全量覆盖"),
                    "append": ("增量", "追加", "增量更新", "增量追加")}, Load),
    "sharing": _words({"无条件共享": ("无条件",), "有条件共享": ("有条件",),
                       "不予共享": ("不共享", "不予")}, SharingAttribute),
    "open": _words({"无条件开放": ("开放", "是"), "有条件开放": ("有条件",),
                    "不予开放": ("不开放", "否", "不予")}, OpenAttribute),
    "update_cycle": _words({"实时": ("即时",), "每日": ("日", "每天", "天"),
                            "每周": ("周",), "每月": ("月",),
                            "每季度": ("季度", "每季", "季"),
                            "每年": ("年", "每年度", "年度")}, UpdateCycle),
    "item_grade": _words({"一般": ("一般数据", "低"), "重要": ("重要数据", "中"),
                          "核心": ("核心数据", "高")}, Grade),
    "item_sensitivity": _words({
        "none": ("无", "否", "非敏感", "不涉及"),
        "id_number": ("身份证号码", "公民身份号码", "证件号码", "身份证件号码"),
        "name": ("姓名",), "phone": ("电话", "电话号码", "手机号码", "联系电话"),
        "address": ("地址", "住址", "住所"), "birth_date": ("出生日期", "生日"),
        "gender": ("性别",), "financial": ("财务", "金融", "收入", "金融账户", "财产收入"),
        "health": ("健康", "医疗健康", "健康生理"), "property": ("房产", "不动产", "财产"),
        "household": ("户籍", "家庭", "家庭关系"), "vehicle": ("车辆", "机动车"),
    }, Sensitivity),
    "item_type": _words({
        "text": ("字符型", "字符", "c", "字符串", "文本", "备注型", "m", "日期时间型", "t",
                 "逻辑型", "l", "varchar", "string"),
        "decimal": ("数值型", "数值", "n", "浮点型", "f", "双精度型", "b", "小数"),
        "integer": ("整型", "整数型", "整数", "i", "int", "bigint"),
        "amount": ("货币型", "y", "金额"),
        "date": ("日期型", "日期", "d"),
        "month": ("年月", "年月型"),
        "code": ("代码型", "代码", "枚举"),
        "district": ("行政区划代码", "行政区划"),
        "id_number": ("身份证号码", "公民身份号码", "身份证号"),
        "id_list": ("身份证号码列表",),
        "uscc": ("统一社会信用代码",),
        "name": ("姓名",),
    }, ItemType),
}
# The guide's binary type (通用型 G: images, attachments) is no data item the lake can hold.
UNSUPPORTED_TYPES = frozenset({"通用型", "g", "二进制", "blob"})

ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "utf-8-sig": "utf-8-sig", "utf-8bom": "utf-8-sig",
             "utf-8-bom": "utf-8-sig", "utf8bom": "utf-8-sig", "gbk": "gbk", "gb2312": "gbk",
             "gb18030": "gb18030"}
DELIMITERS = {",": ",", "，": ",", "逗号": ",", "|": "|", "竖线": "|", "\\t": "\t", "tab": "\t",
              "制表符": "\t", ";": ";", "分号": ";"}
YES = frozenset({"是", "y", "yes", "true", "1", "√", "✓", "主键", "必填"})
NO = frozenset({"否", "n", "no", "false", "0", "", "×"})


def lookup(key: str, text: str) -> object | None:
    """The model's member a cell's word names (case and surrounding space ignored)."""
    return VOCABULARY[key].get(text.strip().lower())
