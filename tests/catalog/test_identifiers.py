import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.identifiers import (
    id_check_char,
    is_valid_id,
    is_valid_uscc,
    normalise_name,
    standardise_id,
)


def test_gb11643_check_character():
    # The worked example of GB 11643-1999, annex A.
    assert id_check_char("11010519491231002") == "X"
    assert is_valid_id("11010519491231002X")


@given(st.text(st.sampled_from("0123456789"), min_size=17, max_size=17),
       st.integers(0, 16), st.integers(1, 9))
def test_any_single_substitution_is_detected(first17, position, shift):
    valid = first17 + id_check_char(first17)
    digit = (int(valid[position]) + shift) % 10
    typo = valid[:position] + str(digit) + valid[position + 1:]
    assert not is_valid_id(typo)


@pytest.mark.parametrize(
    ("delivered", "standard", "valid"),
    [
        (" 11010519491231002x ", "11010519491231002X", True),
        ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X", True),
        ("110105491231002", "11010519491231002X", True),  # legacy 15 digits
        ("11010519491231003X", "11010519491231003X", False),  # one wrong digit
        ("1101051949123100", "1101051949123100", False),
        ("", None, False),
        (None, None, False),
    ],
)
def test_standardise_id(delivered, standard, valid):
    assert standardise_id(delivered) == standard
    assert is_valid_id(standard) is valid


def test_gb32100_check_character():
    assert is_valid_uscc("91350100M000100Y43")
    assert not is_valid_uscc("91350100M000100Y44")
    assert not is_valid_uscc("91350100M000100I43")  # I is not in the code set


@pytest.mark.parametrize(
    ("name", "normalised"),
    [(" 張 三 ", "张三"), ("陳　黃", "陈黄"), ("阿依古丽•买买提", "阿依古丽·买买提"),
     ("阿依古丽.买买提", "阿依古丽·买买提"), ("ＡＢ", "AB"), ("   ", None)],
)
def test_normalise_name(name, normalised):
    assert normalise_name(name) == normalised
