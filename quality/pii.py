"""PII discovery: personal data in a column the catalog does not declare as such.

Every data item's values (standardised and as delivered) are scanned on a reservoir sample for
resident ID numbers with a valid GB 11643 check character, mainland mobile numbers, bank-card
numbers with a valid Luhn digit (ISO/IEC 7812) and street addresses. A column where at least
`MIN_SHARE` of the sampled values look like one kind, while its item declares another
sensitivity, is reported: the catalog's grade and sharing conditions would be wrong for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlglot
import sqlglot.expressions as exp

from catalog import HubSettings, ItemType, Resource, Sensitivity
from catalog.lake import connect
from catalog.originals import shown_originals
from catalog.sqlfunctions import id_check_sql

__all__ = ["KINDS", "MIN_SHARE", "SAMPLE_ROWS", "PiiFinding", "discover_pii"]

SAMPLE_ROWS = 20_000
MIN_SHARE = 0.05
_V = "v"
# What a value looks like → the sensitivity the catalog must declare for it. `v` is the value.
KINDS: dict[str, tuple[Sensitivity, str]] = {
    "id_number": (Sensitivity.ID_NUMBER,
                  (f"CASE WHEN regexp_full_match(v, '[0-9]{{17}}[0-9X]') "
                   f"THEN {id_check_sql(_V)} = v[18] ELSE false END")),
    "mobile": (Sensitivity.PHONE, "regexp_full_match(v, '(\\+?86)?1[3-9][0-9]{9}')"),
    "bank_card": (Sensitivity.FINANCIAL,
                  ("CASE WHEN regexp_full_match(v, '[0-9]{13,19}') THEN list_sum(list_transform("
                   "range(length(v)), lambda i: CASE WHEN i % 2 = 1 THEN "
                   "((ascii(reverse(v)[i + 1]) - 48) * 2) // 10 "
                   "+ ((ascii(reverse(v)[i + 1]) - 48) * 2) % 10 "
                   "ELSE ascii(reverse(v)[i + 1]) - 48 END)) % 10 = 0 ELSE false END")),
    "address": (Sensitivity.ADDRESS,
                "regexp_matches(v, '(省|市|区|县|镇|乡|街道).{0,20}(路|街|巷|村|大道).{0,10}[0-9０-９]+号')"),
}
# Declared sensitivities that already cover a kind (a person's ID list is ID numbers too).
_COVERS = {Sensitivity.ID_NUMBER: {"id_number", "bank_card"},
           Sensitivity.FINANCIAL: {"bank_card"}, Sensitivity.PHONE: {"mobile"},
           Sensitivity.ADDRESS: {"address"}, Sensitivity.PROPERTY: {"address"}}


@dataclass(frozen=True)
class PiiFinding:
    item: str
    column: str
    kind: str
    declared: str
    expected: str
    share: float
    example: str


def _columns(resource: Resource) -> list[tuple[str, str]]:
    """(item, column) pairs to scan: each item's value and its original, ID lists flattened."""
    out = []
    for item in resource.items:
        if item.type is ItemType.ID_LIST:
            out.append((item.name, f"{item.name}_orig"))
        else:
            out += [(item.name, item.name), (item.name, f"{item.name}_orig")]
    return out


def _scan_sql(files: list[Path], columns: list[str], shown: dict[str, str] | None = None) -> str:
    """One query: for each column, how many sampled values look like each kind, plus an example.
    `shown` gives columns read through an expression (originals, `catalog.originals`)."""
    shown = shown or {}

    def read(c: str) -> exp.Expression:
        return sqlglot.parse_one(shown[c], read="duckdb") if c in shown else exp.column(c, quoted=True)

    source = exp.select(*[exp.cast(read(c), "VARCHAR").as_(c, quoted=True)
                          for c in columns]).from_(exp.Table(
        this=exp.ReadParquet(expressions=[exp.Array(expressions=[
            exp.Literal.string(str(f)) for f in files])])))
    sample = f"{source.sql(dialect='duckdb')} USING SAMPLE {SAMPLE_ROWS} ROWS (reservoir, 7)"
    unpivot = f"UNPIVOT ({sample}) ON COLUMNS(*) INTO NAME col VALUE v"
    measures = ", ".join(
        f"count(*) FILTER ({condition}) AS {kind}, any_value(v) FILTER ({condition}) AS {kind}_ex"
        for kind, (_s, condition) in KINDS.items())
    query = f"SELECT col, count(*) AS n, {measures} FROM ({unpivot}) WHERE v <> '' GROUP BY col"
    return sqlglot.transpile(query, read="duckdb", write="duckdb")[0]


def discover_pii(settings: HubSettings, resource: Resource, files: list[Path]) -> list[PiiFinding]:
    """Undeclared personal data in the rows of these files (an empty list when none)."""
    pairs = _columns(resource)
    with connect(settings) as con:
        present = {r[0] for r in con.execute(
            "DESCRIBE SELECT * FROM read_parquet(?)", [[str(f) for f in files]]).fetchall()}
        pairs = [(item, col) for item, col in pairs if col in present]
        shown = {c: sql for c, sql in shown_originals(resource).items()
                 if c in present and c[:-len("_orig")] in present}
        cursor = con.execute(_scan_sql(files, [col for _item, col in pairs], shown))
        names = [d[0] for d in cursor.description]
        stats = {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
    findings = []
    for item_name, column in pairs:
        row, declared = stats.get(column), resource.item(item_name).sensitivity
        if not row or not row["n"]:
            continue
        for kind, (expected, _condition) in KINDS.items():
            share = row[kind] / row["n"]
            if share >= MIN_SHARE and kind not in _COVERS.get(declared, set()):
                findings.append(PiiFinding(item=item_name, column=column, kind=kind,
                                           declared=declared.value, expected=expected.value,
                                           share=round(share, 4), example=_mask(row[f"{kind}_ex"])))
    return findings


def _mask(value: str | None) -> str:
    """An example with its middle hidden: the report must not spread what it warns about."""
    if not value:
        return ""
    keep = max(1, len(value) // 4)
    return value[:keep] + "*" * (len(value) - 2 * keep) + value[-keep:]
