"""Identifiers and names of the contract: GB 11643 ID numbers, GB 32100 USCC, name folding.

These are the reference (Python) implementations. The lake applies the same rules in bulk as
DuckDB macros (`catalog.sqlmacros`); a property test keeps the two in agreement.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from importlib import resources as importlib_resources

__all__ = [
    "fold_code",
    "fold_name",
    "fold_text",
    "id_check_char",
    "is_valid_id",
    "is_valid_uscc",
    "normalise_name",
    "standardise_id",
    "traditional_to_simplified_table",
    "uscc_check_char",
]

# GB 11643-1999 §8.2: ISO 7064 MOD 11-2 weights W_i = 2^(i-1) mod 11, i counted from the right.
_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_ID_CHECK = "10X98765432"
_ID18 = re.compile(r"^\d{17}[\dX]$")
_ID15 = re.compile(r"^\d{15}$")


def id_check_char(first17: str) -> str:
    """The GB 11643 check character for 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def is_valid_id(value: str | None) -> bool:
    """17 digits and the right check character (birth date and address code are not checked)."""
    return bool(value) and bool(_ID18.match(value)) and id_check_char(value[:17]) == value[17]


def standardise_id(value: str | None) -> str | None:
    """Fold an ID number as delivered: NFKC (full-width digits), no whitespace, upper-case X,
    legacy 15-digit form converted to 18 digits (insert `19`, compute the check character).

    The result is not necessarily valid; `is_valid_id` says whether it is.
    """
    if value is None:
        return None
    folded = (fold_code(value) or "").upper()
    if not folded:
        return None
    if _ID15.match(folded):
        first17 = folded[:6] + "19" + folded[6:]
        return first17 + id_check_char(first17)
    return folded


# GB 32100-2015: the 31-character code set (no I, O, S, V, Z) and the weights 3^(i-1) mod 31.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters."""
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def is_valid_uscc(value: str | None) -> bool:
    return bool(value) and bool(_USCC.match(value)) and uscc_check_char(value[:17]) == value[17]


@functools.cache
def traditional_to_simplified_table() -> dict[str, str]:
    """Single-character traditional → simplified map from OpenCC's TSCharacters dictionary.

    Where OpenCC lists several simplified candidates the first (the usual one) is taken; the
    mapping is applied character by character, as the cross-check spec requires.
    """
    text = (
        importlib_resources.files("opencc")
        .joinpath("dictionary/TSCharacters.txt")
        .read_text(encoding="utf-8")
    )
    table: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        source, targets = line.split("\t", 1)
        target = targets.split()[0]
        if len(source) == 1 and len(target) == 1 and source != target:
            table[source] = target
    return table


_MIDDLE_DOTS = str.maketrans({"•": "·", ".": "·", "．": "·", "・": "·"})


@functools.cache
def _name_translation() -> dict[int, str]:
    return str.maketrans(traditional_to_simplified_table())


def fold_name(value: str | None) -> str | None:
    """A name as stored: NFKC (full-width forms), no whitespace, one kind of middle dot."""
    if value is None:
        return None
    return "".join(unicodedata.normalize("NFKC", value).split()).translate(_MIDDLE_DOTS) or None


def normalise_name(value: str | None) -> str | None:
    """Name for comparison: `fold_name`, then traditional → simplified character by character."""
    folded = fold_name(value)
    return folded.translate(_name_translation()) if folded else None


def fold_text(value: str | None) -> str | None:
    """Free text: NFKC, trimmed, inner runs of whitespace made one space; empty is missing."""
    if value is None:
        return None
    return " ".join(unicodedata.normalize("NFKC", value).split()) or None


def fold_code(value: str | None) -> str | None:
    """A code, number or date as delivered: NFKC with all whitespace removed; empty is missing."""
    if value is None:
        return None
    return "".join(unicodedata.normalize("NFKC", value).split()) or None
