"""Per-resource additions to the catalog-derived suites: rules the data items alone cannot say.

Register a function with `@extends("<resource code>")`; it receives the resource and the day the
suite is built and returns tagged expectations (`quality.tagging.tag`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import great_expectations as gx
from great_expectations.expectations.expectation import Expectation
from great_expectations.expectations.row_conditions import Column

from catalog import Resource
from catalog.i18n import _
from catalog.quality_scores import Dimension as D
from quality.expectations import (
    ExpectColumnPairBirthDateToMatchIdNumber,
    ExpectColumnPairGenderToMatchIdNumber,
)
from quality.tagging import tag

__all__ = ["EXTENSIONS", "extends", "extensions_for"]

Extension = Callable[[Resource, date], list[Expectation]]
EXTENSIONS: dict[str, list[Extension]] = {}


def extends(code: str) -> Callable[[Extension], Extension]:
    def register(fn: Extension) -> Extension:
        EXTENSIONS.setdefault(code, []).append(fn)
        return fn

    return register


def extensions_for(resource: Resource, today: date) -> list[Expectation]:
    return [e for fn in EXTENSIONS.get(resource.code, []) for e in fn(resource, today)]


def _gender_matches(id_item: str, gender_item: str = "gender") -> Expectation:
    return tag(ExpectColumnPairGenderToMatchIdNumber(column_A=id_item, column_B=gender_item),
               "gender_matches_id", gender_item, D.CONSISTENCY,
               _("the gender agrees with the 17th character of the identity number (odd: "
                 "male, even: female)"),
               problem=_("the gender disagrees with the 17th character of the identity number "
                         "(odd: male, even: female)"))


@extends("ga.population")
def _population(resource: Resource, today: date) -> list[Expectation]:
    return [
        _gender_matches("id_number"),
        tag(ExpectColumnPairBirthDateToMatchIdNumber(column_A="id_number", column_B="birth_date"),
            "birth_date_matches_id", "birth_date", D.CONSISTENCY,
            _("the birth date agrees with characters 7–14 of the identity number"),
            problem=_("the birth date disagrees with characters 7–14 of the identity number")),
        tag(gx.expectations.ExpectColumnValuesToMatchRegex(column="household_id",
                                                           regex=r"^[0-9]{9}$"),
            "household_id_format", "household_id", D.VALIDITY,
            _("the household number has 9 digits"),
            problem=_("the household number does not have 9 digits")),
        tag(gx.expectations.ExpectColumnValuesToNotBeNull(
            column="cancel_reason", row_condition=Column("status") == "注销"),
            "cancel_reason_present", "cancel_reason", D.CONSISTENCY,
            _("a cancelled registration has a reason"),
            problem=_("a cancelled registration has no reason")),
        tag(gx.expectations.ExpectColumnValuesToBeNull(
            column="cancel_date", row_condition=Column("status") == "正常"),
            "active_not_cancelled", "cancel_date", D.CONSISTENCY,
            _("an active registration has no cancellation date"),
            problem=_("an active registration has a cancellation date")),
        tag(gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="cancel_date", column_B="birth_date", or_equal=True,
            ignore_row_if="either_value_is_missing"),
            "cancel_after_birth", "cancel_date", D.ACCURACY,
            _("the cancellation date is not before the birth date"),
            problem=_("the cancellation date is before the birth date")),
    ]


@extends("wj.deaths")
def _deaths(resource: Resource, today: date) -> list[Expectation]:
    return [_gender_matches("id_number")]
