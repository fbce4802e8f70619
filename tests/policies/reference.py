"""The reference database: the district analyst's permitted data, built without the engine.

Masks and filters are applied in Python (`policies.token` for tokens) to the raw rows of the
test lake; the tables are written to a DuckDB connection that can read nothing else (no files,
no settings to change), under the same names a gateway query uses (`ga_population`,
`published.ga_population`, `hub.published.ga_population`). The oracle of the property and fuzz
tests: the gateway's answer to a query must equal this database's answer to the same text.
"""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import pyarrow as pa

from catalog import resource
from catalog.analystdb import standardised_columns
from policies import grant_key, token
from tests.policies.conftest import DISTRICT

__all__ = ["REFERENCE_CODES", "reference_database", "reference_rows"]

# The resources the analyst's grants let it query, with the index of that grant in the
# `grants` fixture (ga.vehicles is denied to a district officer: no reference table).
REFERENCE_CODES = {"ga.population": 0, "wj.deaths": 2, "zr.real_estate": 3}
LINEAGE = ("_batch_id", "_file", "_record_no", "_sha256")
_TOWN = re.compile(r"^.*?(?:镇|街道|乡)")


def _mask_name(v):
    return None if v is None else v[0] + "*" * max(len(v) - 1, 1)


def _mask_address(v):
    if v is None:
        return None
    m = _TOWN.match(v)
    return (m.group(0) if m else v[:6]) + "***"


def reference_rows(raw, code, grant, secret) -> list[dict]:
    """The permitted rows of one resource for the district analyst, in the lake's column order."""
    key = grant_key(secret, grant.id)
    tok = lambda v: None if v is None else token(key, v)
    out = []
    for r in raw[code].to_pylist():
        if r["district_code"] != DISTRICT:
            continue
        row = {c: r[c] for c in LINEAGE}
        if code == "ga.population":
            row |= {"id_number": tok(r["id_number"]), "id_number_valid": r["id_number_valid"],
                    "name": _mask_name(r["name"]), "gender": r["gender"],
                    "gender_orig": r["gender_orig"],
                    "birth_date": dt.date(r["birth_date"].year, 1, 1),
                    "household_id": tok(r["household_id"]),
                    "relation_to_head": r["relation_to_head"],
                    "relation_to_head_orig": r["relation_to_head_orig"],
                    "district_code": r["district_code"],
                    "district_code_orig": r["district_code_orig"],
                    "address": _mask_address(r["address"]),
                    "status": r["status"], "status_orig": r["status_orig"]}
        elif code == "wj.deaths":
            row |= {"certificate_no": r["certificate_no"],
                    "certificate_no_orig": r["certificate_no_orig"],
                    "id_number": tok(r["id_number"]), "id_number_valid": r["id_number_valid"],
                    "name": _mask_name(r["name"]), "death_date": r["death_date"],
                    "death_date_orig": r["death_date_orig"],
                    "district_code": r["district_code"],
                    "district_code_orig": r["district_code_orig"]}
        else:  # zr.real_estate
            row |= {"certificate_no": tok(r["certificate_no"]),
                    "owner_id_number": tok(r["owner_id_number"]),
                    "owner_id_number_valid": r["owner_id_number_valid"],
                    "co_owner_id_numbers": None if r["co_owner_id_numbers"] is None
                    else [tok(v) for v in r["co_owner_id_numbers"]],
                    "property_use": r["property_use"],
                    "property_use_orig": r["property_use_orig"],
                    "area_m2": r["area_m2"], "area_m2_orig": r["area_m2_orig"],
                    "location": _mask_address(r["location"]),
                    "district_code": r["district_code"],
                    "district_code_orig": r["district_code_orig"]}
        out.append(row)
    return out


def _types(code: str, rows: list[dict]) -> dict[str, str]:
    """DuckDB types of the permitted columns: the lake's, VARCHAR(/[]) for tokens."""
    lake = standardised_columns(resource(code))
    first = rows[0]
    return {c: ("VARCHAR[]" if isinstance(first[c], list) else "VARCHAR")
            if isinstance(first[c], str | list) and not lake[c].startswith("VARCHAR") else lake[c]
            for c in first}


def reference_database(raw, grants, secret: str) -> duckdb.DuckDBPyConnection:
    """An in-memory connection holding only the permitted tables, locked like the gateway's:
    no file or network access, configuration frozen, UTC."""
    con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False,
                                              "autoload_known_extensions": False,
                                              "threads": 1})
    con.execute("ATTACH ':memory:' AS hub")
    con.execute("CREATE SCHEMA hub.published")
    for code, index in REFERENCE_CODES.items():
        rows = reference_rows(raw, code, grants[index], secret)
        con.register("incoming", pa.Table.from_pylist(rows))
        cols = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in _types(code, rows).items())
        con.execute(f"CREATE TABLE hub.published.{resource(code).table} AS "
                    f"SELECT {cols} FROM incoming")
        con.unregister("incoming")
    con.execute("USE hub.published")
    con.execute("SET search_path = 'hub.published,hub.main'")
    con.execute("SET enable_external_access = false")
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET lock_configuration = true")
    return con
