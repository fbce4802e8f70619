"""Expectation suites derived from the catalog: one per resource, from its data items.

Every expectation carries `meta` = {check, rule, item, dimension} so results roll up into the
GB/T 36344 scores and the feedback files, and a severity: `critical` ones block a batch from
becoming current (structure, keys, required items), `warning` ones are recorded and fed back.
Per-resource additions live in `quality.extensions`.
"""

from __future__ import annotations

import math
from datetime import date

import great_expectations as gx
from great_expectations.expectations.expectation import Expectation

from catalog import DataItem, ItemType, Load, Resource
from catalog.city import current_city
from catalog.quality_scores import Dimension
from quality.expectations import (
    ExpectColumnValuesToBeAmountInRange,
    ExpectColumnValuesToBeKnownDistrict,
    ExpectColumnValuesToBePlausibleDate,
    ExpectColumnValuesToBeValidIdNumber,
    ExpectColumnValuesToBeValidUscc,
    ExpectKeyToBeUnique,
)
from quality.extensions import extensions_for
from quality.tagging import is_blocking, tag

__all__ = ["MIN_ROWS_RATIO", "REQUIRED_MOSTLY", "build_suite"]

# Ingestion quarantines rows missing a required value, so accepted rows have them; a batch where
# more than 1 % of a required item is still missing after standardisation is structurally broken.
REQUIRED_MOSTLY = 0.99
# A snapshot that shrinks to less than half of the current version is a truncated extract.
MIN_ROWS_RATIO = 0.5
_MONTH = r"^(19|20)[0-9]{2}(0[1-9]|1[0-2])$"
_NAME_LENGTH = (1, 50)

D = Dimension


def _structure(resource: Resource, counted_duplicates: int | None = None) -> list[Expectation]:
    out = [tag(gx.expectations.ExpectColumnToExist(column=item.name), "column_present", item.name,
               D.VALIDITY, f"数据项“{item.zh_name}”（{item.name}）存在",
               problem=f"缺少数据项“{item.zh_name}”（{item.name}）", blocking=True)
           for item in resource.items]
    for name in resource.key:
        zh = resource.item(name).zh_name
        out.append(tag(gx.expectations.ExpectColumnValuesToNotBeNull(column=name), "key_present",
                       name, D.COMPLETENESS, f"主键“{zh}”不为空", problem=f"主键“{zh}”为空",
                       blocking=True))
    key = list(resource.key)
    out.append(tag(ExpectKeyToBeUnique(key=key, counted_duplicates=counted_duplicates),
                   "key_unique", None, D.UNIQUENESS,
                   f"主键（{', '.join(key)}）唯一", problem=f"主键（{', '.join(key)}）重复",
                   blocking=True))
    return out


def _item_expectations(item: DataItem, today: date) -> list[Expectation]:
    """What the catalog's declaration of one data item implies about its values."""
    c, zh, out = item.name, item.zh_name, []
    if item.required and not item.key and item.type is not ItemType.ID_LIST:
        out.append(tag(gx.expectations.ExpectColumnValuesToNotBeNull(column=c, mostly=REQUIRED_MOSTLY),
                       "required_present", c, D.COMPLETENESS, f"必填数据项“{zh}”有值",
                       problem=f"必填数据项“{zh}”为空", blocking=True))
    match item.type:
        case ItemType.ID_NUMBER:
            out.append(tag(ExpectColumnValuesToBeValidIdNumber(column=c, valid_column=f"{c}_valid"),
                           "id_valid", c,
                           D.VALIDITY, f"“{zh}”符合 GB 11643（18 位，校验码正确）",
                           problem=f"“{zh}”不符合 GB 11643 校验（应为 18 位且校验码正确）"))
        case ItemType.USCC:
            out.append(tag(ExpectColumnValuesToBeValidUscc(column=c), "uscc_valid", c,
                           D.VALIDITY, f"“{zh}”符合 GB 32100（18 位，校验码正确）",
                           problem=f"“{zh}”不符合 GB 32100 校验（应为 18 位且校验码正确）"))
        case ItemType.CODE:
            out.append(tag(gx.expectations.ExpectColumnValuesToBeInSet(
                column=c, value_set=list(item.codes)), "code_in_list", c, D.VALIDITY,
                f"“{zh}”取值在代码表内：{'、'.join(item.codes)}",
                problem=f"“{zh}”的取值不在代码表内（应为：{'、'.join(item.codes)}）"))
        case ItemType.DISTRICT:
            districts = tuple(current_city().profile.districts)
            out.append(tag(ExpectColumnValuesToBeKnownDistrict(column=c, districts=districts),
                           "district_known", c, D.VALIDITY, f"“{zh}”是本市区县（镇街）的代码",
                           problem=f"“{zh}”不是本市区县（镇街）的代码"))
        case ItemType.MONTH:
            out.append(tag(gx.expectations.ExpectColumnValuesToMatchRegex(column=c, regex=_MONTH),
                           "month_format", c, D.VALIDITY, f"“{zh}”为 YYYYMM 格式的月份",
                           problem=f"“{zh}”不是 YYYYMM 格式的月份"))
        case ItemType.DATE:
            out.append(tag(ExpectColumnValuesToBePlausibleDate(column=c, latest=today.isoformat()),
                           "date_plausible", c, D.ACCURACY,
                           f"“{zh}”在 1900-01-01 与 {today.isoformat()} 之间",
                           problem=f"“{zh}”早于 1900-01-01 或晚于 {today.isoformat()}"))
        case ItemType.AMOUNT | ItemType.INTEGER | ItemType.DECIMAL if item.max_value is not None:
            out.append(tag(ExpectColumnValuesToBeAmountInRange(column=c, max_amount=item.max_value),
                           "amount_in_range", c, D.ACCURACY,
                           f"“{zh}”不为负且不超过 {item.max_value:g}",
                           problem=f"“{zh}”为负数或超过 {item.max_value:g}"))
        case ItemType.NAME:
            low, high = _NAME_LENGTH
            out.append(tag(gx.expectations.ExpectColumnValueLengthsToBeBetween(
                column=c, min_value=low, max_value=high), "name_length", c, D.VALIDITY,
                f"“{zh}”长度在 {low} 到 {high} 个字符之间",
                problem=f"“{zh}”的长度不在 {low} 到 {high} 个字符之间"))
    return out


def build_suite(resource: Resource, *, today: date | None = None, blocking_only: bool = False,
                current_rows: int | None = None,
                counted_duplicates: int | None = None) -> gx.ExpectationSuite:
    """The resource's suite: structure and keys, each data item's rules, then its extensions.

    `blocking_only` gives the quality gate's suite; with `current_rows` (the rows of the current
    version of a snapshot resource) it also refuses a batch that shrank below `MIN_ROWS_RATIO`.
    `counted_duplicates`: the repeated keys the standardisation pass counted in the rows the
    suite will judge (see `ExpectKeyToBeUnique`).
    """
    today = today or date.today()
    expectations = _structure(resource, counted_duplicates)
    for item in resource.items:
        expectations += _item_expectations(item, today)
    expectations += extensions_for(resource, today)
    if blocking_only:
        expectations = [e for e in expectations if is_blocking(e)]
        if current_rows and resource.load is Load.SNAPSHOT:
            floor = math.ceil(current_rows * MIN_ROWS_RATIO)
            expectations.append(tag(gx.expectations.ExpectTableRowCountToBeBetween(
                min_value=floor), "row_count_floor", None, D.COMPLETENESS,
                f"记录数不少于当前版本的 {MIN_ROWS_RATIO:.0%}（{floor} 条）",
                problem=f"记录数少于当前版本的 {MIN_ROWS_RATIO:.0%}（{floor} 条），疑为不完整的提取",
                blocking=True))
    name = f"{resource.code}.gate" if blocking_only else resource.code
    return gx.ExpectationSuite(name=name, expectations=expectations,
                               meta={"resource": resource.code, "provider": resource.provider.code})
