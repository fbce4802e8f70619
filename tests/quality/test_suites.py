"""Suites are derived from the catalog's data items, with per-resource extensions."""

from __future__ import annotations

from datetime import date

import pytest

from catalog import RESOURCES, resource
from quality import build_suite
from quality.suites import MIN_ROWS_RATIO
from quality.tagging import describe_check, is_blocking

TODAY = date(2026, 11, 21)


def _checks(suite) -> dict[str, bool]:
    return {describe_check(e)[0]: is_blocking(e) for e in suite.expectations}


def test_population_suite_from_its_data_items():
    checks = _checks(build_suite(resource("ga.population"), today=TODAY))
    blocking = sorted(name for name, b in checks.items() if b)
    assert blocking == sorted(
        [f"column_present:{i.name}" for i in resource("ga.population").items]
        + ["key_present:id_number", "key_unique"]
        + [f"required_present:{n}" for n in
           ("name", "gender", "birth_date", "household_id", "district_code", "status")])
    assert sorted(name for name, b in checks.items() if not b) == sorted([
        "id_valid:id_number", "name_length:name", "code_in_list:gender",
        "date_plausible:birth_date", "district_known:district_code", "code_in_list:status",
        "code_in_list:cancel_reason", "date_plausible:cancel_date",
        "gender_matches_id:gender", "birth_date_matches_id:birth_date",
        "household_id_format:household_id", "cancel_reason_present:cancel_reason",
        "active_not_cancelled:cancel_date", "cancel_after_birth:cancel_date"])


def test_invalid_id_numbers_are_warnings_never_blocking():
    """Invalid IDs are accepted into the lake on purpose (the cross-check repairs them)."""
    for declared in RESOURCES.values():
        for expectation in build_suite(declared).expectations:
            if describe_check(expectation)[1] in ("id_valid", "uscc_valid", "district_known",
                                                  "gender_matches_id", "code_in_list"):
                assert not is_blocking(expectation), describe_check(expectation)


@pytest.mark.parametrize("code", sorted(RESOURCES))
def test_every_resource_has_a_suite_with_key_structure_and_item_rules(code):
    declared = resource(code)
    suite = build_suite(declared, today=TODAY)
    checks = _checks(suite)
    assert suite.name == code
    assert checks["key_unique"] is True
    assert {f"column_present:{i.name}" for i in declared.items} <= set(checks)
    for item in declared.items:
        if item.codes:
            assert f"code_in_list:{item.name}" in checks


def test_code_lists_and_amount_limits_come_from_the_catalog():
    suite = build_suite(resource("gjj.deposits"), today=TODAY)
    by_check = {describe_check(e)[0]: e for e in suite.expectations}
    assert by_check["code_in_list:status"].value_set == ["正常", "封存", "销户"]
    assert by_check["amount_in_range:monthly_deposit_fen"].max_amount == 10_000_000
    assert by_check["month_format:last_deposit_month"].regex == r"^(19|20)[0-9]{2}(0[1-9]|1[0-2])$"


def test_compound_keys_are_checked_together():
    suite = build_suite(resource("rs.social_insurance"), today=TODAY)
    (unique,) = [e for e in suite.expectations if describe_check(e)[0] == "key_unique"]
    assert unique.key == ["id_number", "employer_uscc", "insurance_type", "period"]


def test_gate_suite_is_the_blocking_part_plus_a_row_count_floor_for_snapshots():
    population = resource("ga.population")
    gate = build_suite(population, today=TODAY, blocking_only=True, current_rows=1001)
    assert gate.name == "ga.population.gate"
    assert all(is_blocking(e) for e in gate.expectations)
    (floor,) = [e for e in gate.expectations if describe_check(e)[0] == "row_count_floor"]
    assert floor.min_value == 501 == round(1001 * MIN_ROWS_RATIO + 0.5)
    appended = build_suite(resource("rs.social_insurance"), blocking_only=True, current_rows=1000)
    assert "row_count_floor" not in _checks(appended)
