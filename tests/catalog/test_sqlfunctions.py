"""The DuckDB standardisation functions agree with the reference Python implementations."""

import re
from datetime import date
from decimal import Decimal

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlglot import exp

from catalog.identifiers import (
    fold_name,
    is_valid_id,
    is_valid_uscc,
    normalise_name,
    standardise_id,
)
from catalog.model import ItemType
from catalog.sqlfunctions import (
    expand,
    register_fallbacks,
    register_functions,
    standardise_sql,
    unregister_functions,
)


@pytest.fixture(scope="module")
def con():
    con = duckdb.connect(config={"autoinstall_known_extensions": False,
                                 "autoload_known_extensions": False})
    register_functions(con)
    yield con
    unregister_functions(con)
    con.close()


def sql(con, expression: str, value):
    return con.execute(f"SELECT {expression}", [value]).fetchall()[0][0]


id_chars = st.sampled_from(list("0123456789Xx０１２３４５６７８９ｘＸ \t"))
ids = st.one_of(st.text(id_chars, min_size=0, max_size=20), st.none(),
                st.text(st.sampled_from("0123456789"), min_size=15, max_size=18))


@given(ids)
@settings(max_examples=300, deadline=None)
def test_std_id_matches_python(con, value):
    standard = sql(con, "hub_std_id(?)", value)
    assert standard == standardise_id(value)
    assert sql(con, "hub_id_valid(?)", standard) == is_valid_id(standard)


name_chars = st.sampled_from(list("张張三陈陳黄黃刘劉李·•.．　 ＡBc阿依古丽"))


@given(st.one_of(st.text(name_chars, max_size=8), st.none()))
@settings(max_examples=300, deadline=None)
def test_names_match_python(con, value):
    assert sql(con, "hub_name(?)", value) == fold_name(value)
    assert sql(con, "hub_name_norm(hub_name(?))", value) == normalise_name(value)


@given(st.text(st.sampled_from("0123456789ABCDEFGHJKLMNPQRTUWXYIOZ"), min_size=18, max_size=18))
@settings(max_examples=300, deadline=None)
def test_uscc_validity_matches_python(con, value):
    assert sql(con, "hub_uscc_valid(?)", value) == is_valid_uscc(value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2026-03-14", date(2026, 3, 14)), ("2026/3/14", date(2026, 3, 14)),
     ("20260314", date(2026, 3, 14)), ("２０２６-０３-１４", date(2026, 3, 14)),
     ("45000", date(2023, 3, 15)), ("2026年3月14日", date(2026, 3, 14)),
     ("2026-02-30", None), ("1850-01-01", None), ("tomorrow", None), ("", None)],
)
def test_dates(con, text, expected):
    assert sql(con, "hub_date(?)", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("202610", "202610"), ("2026-9", "202609"), ("2026/09", "202609"), ("45000", "202303"),
     ("2026-10-05", "202610"), ("202613", None), ("2026", None)],
)
def test_months(con, text, expected):
    assert sql(con, "hub_month(?)", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("8,500.00", Decimal("8500.00")), (" 120 ", Decimal("120.00")), ("-5", Decimal("-5.00")),
     ("１２０", Decimal("120.00")), ("1,234,567.5", Decimal("1234567.50")), ("3.", Decimal("3.00")),
     ("3547.0899999999997", Decimal("3547.09")), ("-0", Decimal("0.00")), ("abc", None),
     # Misread before: separators out of place, inner spaces, more than cents, other notations.
     ("1.000,50", None), ("1,2,3", None), ("12 3", None), ("8,500.005", None), ("1e-5", None),
     ("1_000", None), ("0x10", None), ("1e309", None), ("NaN", None), ("", None)],
)
def test_amounts(con, text, expected):
    assert sql(con, "hub_amount(?)", text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("20,000", 20000), ("12.0", 12), ("1.5", None), ("1,2,3", None), ("12 3", None),
    ("2,0000", None)])
def test_integers(con, text, expected):
    assert sql(con, "hub_integer(?)", text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("88.5", 88.5), ("1,088.25", 1088.25), ("88,5", None), ("1e3", None), ("inf", None)])
def test_decimals(con, text, expected):
    assert sql(con, "hub_decimal(?)", text) == expected


@given(ids)
@settings(max_examples=300, deadline=None)
def test_id_validity_in_sql_matches_the_kernel(con, value):
    """The engine-neutral SQL of the GB 11643 check agrees with DuckDB's NumPy kernel."""
    standard = standardise_id(value)
    neutral = expand("hub_id_valid", exp.column("v"), engine="neutral").sql(dialect="duckdb")
    valid = con.execute(f"SELECT {neutral} FROM (SELECT ?::VARCHAR AS v)", [standard]).fetchall()
    assert valid[0][0] == is_valid_id(standard)


@pytest.mark.parametrize("item_type", list(ItemType))
def test_expanded_rules_use_built_in_functions_only(item_type):
    """What ingestion runs names no macro: only built-ins and the Python fallbacks, which a
    connection with nothing else registered runs."""
    sql_text = standardise_sql(item_type, "v")
    assert {name.lower() for name in re.findall(r"\b(HUB_\w+)\(", sql_text)} <= {
        "hub_py_std_id", "hub_py_fold_name", "hub_py_fold_text", "hub_py_fold_code"}
    value = "['1'] " if item_type is ItemType.ID_LIST else "' 1 '"
    cast = "::VARCHAR[]" if item_type is ItemType.ID_LIST else ""
    with duckdb.connect(config={"autoinstall_known_extensions": False,
                                "autoload_known_extensions": False}) as bare:
        register_fallbacks(bare)
        bare.execute(f"SELECT {sql_text} FROM (SELECT {value}{cast} AS v)").fetchall()
        unregister_functions(bare)
