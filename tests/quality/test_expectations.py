"""Each custom expectation on passing and failing rows, with exact counts."""

from __future__ import annotations

import pytest

from catalog.identifiers import id_check_char, uscc_check_char
from quality import (
    ExpectColumnPairBirthDateToMatchIdNumber,
    ExpectColumnPairGenderToMatchIdNumber,
    ExpectColumnValuesToBeAmountInRange,
    ExpectColumnValuesToBeKnownDistrict,
    ExpectColumnValuesToBePlausibleDate,
    ExpectColumnValuesToBeValidIdNumber,
    ExpectColumnValuesToBeValidUscc,
    ExpectKeyToBeUnique,
)

MAN = "44130219800101001" + id_check_char("44130219800101001")  # 17th digit 1: male
WOMAN = "44130219920726002" + id_check_char("44130219920726002")  # 17th digit 2: female
WRONG = MAN[:17] + ("0" if MAN[17] != "0" else "1")
USCC = "91441302MA4UXXXX0"
USCC_OK = "91441302123456789" + uscc_check_char("91441302123456789")


def _values(column: str, values: list) -> str:
    literal = ", ".join("NULL" if v is None else f"'{v}'" for v in values)
    return f"SELECT unnest([{literal}]) AS {column}"


@pytest.mark.parametrize(("values", "unexpected"), [
    ([MAN, WOMAN, None], 0),
    ([MAN, WRONG, "44130219800101", "44130219800101001x", ""], 4),
])
def test_valid_id_number(validate, values, unexpected):
    result = validate(ExpectColumnValuesToBeValidIdNumber(column="v"), _values("v", values))
    assert result.result["unexpected_count"] == unexpected
    assert result.success is (unexpected == 0)


def test_valid_id_number_reads_the_verdict_the_pass_stored(validate):
    """With `valid_column` (the lake's `<item>_valid`), the stored verdict is what is counted:
    the row holding a well-formed number marked invalid fails, NULL numbers are not judged."""
    rows = (f"SELECT * FROM (VALUES ('{MAN}', true), ('{WOMAN}', false), ('{WRONG}', false), "
            "(NULL, NULL), ('', false)) t(v, v_valid)")
    result = validate(ExpectColumnValuesToBeValidIdNumber(column="v", valid_column="v_valid"),
                      rows)
    assert result.result["unexpected_count"] == 3
    assert result.result["element_count"] == 5


BAD_USCC = USCC_OK[:17] + ("0" if USCC_OK[17] != "0" else "1")


@pytest.mark.parametrize(("values", "unexpected"), [
    ([USCC_OK], 0),
    ([USCC_OK, BAD_USCC, USCC, "I" + USCC_OK[1:]], 3),
    # Judged once per distinct value, counted on every row that holds it.
    ([BAD_USCC, USCC_OK, BAD_USCC, None, USCC_OK, BAD_USCC], 3),
])
def test_valid_uscc(validate, values, unexpected):
    result = validate(ExpectColumnValuesToBeValidUscc(column="v"), _values("v", values))
    assert result.result["unexpected_count"] == unexpected


def test_known_district(validate):
    districts = ("441302", "441303", "441322", "441323", "441324")  # 惠州's, as suites pass
    result = validate(ExpectColumnValuesToBeKnownDistrict(column="v", districts=districts),
                      _values("v", ["441302", "441324", "441399", "440303", None]))
    assert result.result["unexpected_count"] == 2
    assert sorted(result.result["partial_unexpected_list"]) == ["440303", "441399"]


def test_plausible_date(validate):
    select = ("SELECT unnest([DATE '1899-12-31', DATE '1900-01-01', DATE '2026-11-21', "
              "DATE '2026-11-22', NULL]) AS d")
    result = validate(ExpectColumnValuesToBePlausibleDate(column="d", latest="2026-11-21"), select)
    assert result.result["unexpected_count"] == 2


def test_amount_in_range(validate):
    select = "SELECT unnest([0, 10.5, 100, 100.01, -0.01, NULL]::DECIMAL(14,2)[]) AS a"
    result = validate(ExpectColumnValuesToBeAmountInRange(column="a", max_amount=100), select)
    assert result.result["unexpected_count"] == 2


def test_gender_matches_id(validate):
    select = (f"SELECT * FROM (VALUES ('{MAN}', '男'), ('{WOMAN}', '女'), ('{MAN}', '女'), "
              f"('{WOMAN}', '男'), ('bad', '男'), ('{MAN}', NULL)) t(id, g)")
    result = validate(ExpectColumnPairGenderToMatchIdNumber(column_A="id", column_B="g"), select)
    assert result.result["unexpected_count"] == 2


def test_birth_date_matches_id(validate):
    select = (f"SELECT * FROM (VALUES ('{MAN}', DATE '1980-01-01'), ('{WOMAN}', DATE '1992-07-26'),"
              f" ('{MAN}', DATE '1980-01-02'), ('bad', DATE '2000-01-01')) t(id, b)")
    result = validate(ExpectColumnPairBirthDateToMatchIdNumber(column_A="id", column_B="b"),
                      select)
    assert result.result["unexpected_count"] == 1


def test_key_unique_counts_extra_rows_and_names_repeated_keys(validate):
    select = ("SELECT * FROM (VALUES ('a', 1), ('a', 1), ('a', 1), ('a', 2), ('b', 1), ('b', 1))"
              " t(k1, k2)")
    result = validate(ExpectKeyToBeUnique(key=["k1", "k2"]), select)
    assert result.success is False
    assert result.result["unexpected_count"] == 3
    assert result.result["partial_unexpected_list"] == [{"k1": "a", "k2": 1}, {"k1": "b", "k2": 1}]
    assert validate(ExpectKeyToBeUnique(key=["k1", "k2"]),
                    "SELECT range AS k1, 1 AS k2 FROM range(5)").success is True


def test_key_unique_trusts_only_a_count_of_zero(validate):
    """A count of 0 kept by the standardisation pass spares the GROUP BY; any other count is
    checked again on the rows."""
    rows = "SELECT * FROM (VALUES ('a', 1), ('a', 2), ('b', 3)) t(k, v)"
    again = validate(ExpectKeyToBeUnique(key=["k"], counted_duplicates=5), rows)
    assert again.result["unexpected_count"] == 1 and not again.success
    trusted = validate(ExpectKeyToBeUnique(key=["k"], counted_duplicates=0),
                       "SELECT * FROM (VALUES ('a', 1), ('b', 3)) t(k, v)")
    assert trusted.result["unexpected_count"] == 0 and trusted.success
