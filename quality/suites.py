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
from catalog.i18n import _
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
               D.VALIDITY, _("the data item “{label}” ({name}) is present", label=item.zh_name,
                             name=item.name),
               problem=_("the data item “{label}” ({name}) is missing", label=item.zh_name,
                         name=item.name), blocking=True)
           for item in resource.items]
    for name in resource.key:
        zh = resource.item(name).zh_name
        out.append(tag(gx.expectations.ExpectColumnValuesToNotBeNull(column=name), "key_present",
                       name, D.COMPLETENESS, _("the key “{label}” is not empty", label=zh),
                       problem=_("the key “{label}” is empty", label=zh), blocking=True))
    key = list(resource.key)
    out.append(tag(ExpectKeyToBeUnique(key=key, counted_duplicates=counted_duplicates),
                   "key_unique", None, D.UNIQUENESS,
                   _("the key ({key}) is unique", key=", ".join(key)),
                   problem=_("the key ({key}) is duplicated", key=", ".join(key)), blocking=True))
    return out


def _item_expectations(item: DataItem, today: date) -> list[Expectation]:
    """What the catalog's declaration of one data item implies about its values."""
    c, zh, out = item.name, item.zh_name, []
    if item.required and not item.key and item.type is not ItemType.ID_LIST:
        out.append(tag(gx.expectations.ExpectColumnValuesToNotBeNull(column=c, mostly=REQUIRED_MOSTLY),
                       "required_present", c, D.COMPLETENESS,
                       _("the required data item “{label}” has a value", label=zh),
                       problem=_("the required data item “{label}” is empty", label=zh),
                       blocking=True))
    match item.type:
        case ItemType.ID_NUMBER:
            out.append(tag(ExpectColumnValuesToBeValidIdNumber(column=c, valid_column=f"{c}_valid"),
                           "id_valid", c,
                           D.VALIDITY, _("“{label}” meets GB 11643 (18 characters, a correct "
                                         "check character)", label=zh),
                           problem=_("“{label}” fails the GB 11643 check (it must have 18 "
                                     "characters and a correct check character)", label=zh)))
        case ItemType.USCC:
            out.append(tag(ExpectColumnValuesToBeValidUscc(column=c), "uscc_valid", c,
                           D.VALIDITY, _("“{label}” meets GB 32100 (18 characters, a correct "
                                         "check character)", label=zh),
                           problem=_("“{label}” fails the GB 32100 check (it must have 18 "
                                     "characters and a correct check character)", label=zh)))
        case ItemType.CODE:
            out.append(tag(gx.expectations.ExpectColumnValuesToBeInSet(
                column=c, value_set=list(item.codes)), "code_in_list", c, D.VALIDITY,
                _("“{label}” is in its code list: {codes}", label=zh, codes="、".join(item.codes)),
                problem=_("“{label}” is not in its code list (it must be one of: {codes})",
                          label=zh, codes="、".join(item.codes))))
        case ItemType.DISTRICT:
            districts = tuple(current_city().profile.districts)
            out.append(tag(ExpectColumnValuesToBeKnownDistrict(column=c, districts=districts),
                           "district_known", c, D.VALIDITY,
                           _("“{label}” is the code of a district (or town) of the city",
                             label=zh),
                           problem=_("“{label}” is not the code of a district (or town) of the "
                                     "city", label=zh)))
        case ItemType.MONTH:
            out.append(tag(gx.expectations.ExpectColumnValuesToMatchRegex(column=c, regex=_MONTH),
                           "month_format", c, D.VALIDITY,
                           _("“{label}” is a month written YYYYMM", label=zh),
                           problem=_("“{label}” is not a month written YYYYMM", label=zh)))
        case ItemType.DATE:
            out.append(tag(ExpectColumnValuesToBePlausibleDate(column=c, latest=today.isoformat()),
                           "date_plausible", c, D.ACCURACY,
                           _("“{label}” is between 1900-01-01 and {today}", label=zh,
                             today=today.isoformat()),
                           problem=_("“{label}” is before 1900-01-01 or after {today}", label=zh,
                                     today=today.isoformat())))
        case ItemType.AMOUNT | ItemType.INTEGER | ItemType.DECIMAL if item.max_value is not None:
            out.append(tag(ExpectColumnValuesToBeAmountInRange(column=c, max_amount=item.max_value),
                           "amount_in_range", c, D.ACCURACY,
                           _("“{label}” is not negative and at most {limit}", label=zh,
                             limit=f"{item.max_value:g}"),
                           problem=_("“{label}” is negative or above {limit}", label=zh,
                                     limit=f"{item.max_value:g}")))
        case ItemType.NAME:
            low, high = _NAME_LENGTH
            out.append(tag(gx.expectations.ExpectColumnValueLengthsToBeBetween(
                column=c, min_value=low, max_value=high), "name_length", c, D.VALIDITY,
                _("“{label}” is {low} to {high} characters long", label=zh, low=low, high=high),
                problem=_("“{label}” is not {low} to {high} characters long", label=zh, low=low,
                          high=high)))
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
                _("at least {ratio} of the current version's rows ({floor})",
                  ratio=f"{MIN_ROWS_RATIO:.0%}", floor=floor),
                problem=_("fewer than {ratio} of the current version's rows ({floor}): probably "
                          "an incomplete extract", ratio=f"{MIN_ROWS_RATIO:.0%}", floor=floor),
                blocking=True))
    name = f"{resource.code}.gate" if blocking_only else resource.code
    return gx.ExpectationSuite(name=name, expectations=expectations,
                               meta={"resource": resource.code, "provider": resource.provider.code})
