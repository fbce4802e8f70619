"""The inputs of the cross-check: the current published rows of each resource, as DuckDB views.

Snapshots are their newest accepted batch, append resources every accepted month (latest value
per key), exactly as `published.<table>` in the analysts' database. Optionally, quarantined rows
of those batches are salvaged when every failure concerns an item no rule reads (a death
certificate with an impossible death date is still a death certificate); the failed items are
NULL in the salvaged row and an accepted row with the same key always wins. Only formats whose
raw layer keeps the delivered values (JSON Lines, XLSX, Parquet) can be salvaged.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from catalog import DataItem, Load, Resource, SourceFormat, resource
from catalog.analystdb import raw_columns
from catalog.sqlfunctions import standardise_sql
from catalog.sqltext import ident, sql_str

__all__ = ["ESSENTIAL", "WANTED", "SourceInfo", "create_focused_source", "create_sources",
           "salvageable"]

# Lake columns each rule set reads, per resource.
WANTED: dict[str, tuple[str, ...]] = {
    "ga.population": ("id_number", "id_number_valid", "name", "name_norm", "status",
                      "cancel_reason", "cancel_date"),
    "wj.deaths": ("certificate_no", "id_number", "id_number_valid", "name", "name_norm",
                  "death_date"),
    "rs.social_insurance": ("id_number", "id_number_valid", "name", "name_norm",
                            "employer_uscc", "insurance_type", "period", "contribution_base"),
    "rs.pensions": ("id_number", "id_number_valid", "name", "name_norm", "benefit_type",
                    "monthly_amount", "status"),
    "ga.vehicles": ("plate_number", "owner_id_number", "owner_id_number_valid", "owner_name",
                    "owner_name_norm", "vehicle_type", "status"),
    "zr.real_estate": ("certificate_no", "owner_id_number", "owner_id_number_valid",
                       "owner_name", "owner_name_norm", "co_owner_id_numbers", "property_use",
                       "status"),
    "sj.enterprises": ("uscc", "name", "entity_type", "legal_rep_id_number",
                       "legal_rep_id_number_valid", "legal_rep_name", "legal_rep_name_norm",
                       "registered_capital_wan", "status"),
    "gjj.deposits": ("account_no", "id_number", "id_number_valid", "name", "name_norm",
                     "monthly_deposit_fen", "last_deposit_month", "status"),
    "mz.recipients": ("case_no", "assistance_type", "applicant_id_number",
                      "applicant_id_number_valid", "applicant_name", "applicant_name_norm",
                      "district_code", "household_size", "case_status"),
    "mz.members": ("case_no", "member_id_number", "member_id_number_valid", "member_name",
                   "member_name_norm", "relation"),
}

# Items whose failure makes a quarantined row useless: identifiers, keys, and the values a rule
# decides on. Any other failed item (dates no rule reads, names, free text) is set to NULL.
ESSENTIAL: dict[str, frozenset[str]] = {
    "ga.population": frozenset({"id_number", "status", "cancel_reason"}),
    "wj.deaths": frozenset({"certificate_no", "id_number"}),
    "rs.social_insurance": frozenset({"id_number", "employer_uscc", "insurance_type", "period",
                                      "contribution_base"}),
    "rs.pensions": frozenset({"id_number", "benefit_type", "monthly_amount", "status"}),
    "ga.vehicles": frozenset({"plate_number", "owner_id_number", "vehicle_type", "status"}),
    "zr.real_estate": frozenset({"certificate_no", "owner_id_number", "co_owner_id_numbers",
                                 "property_use", "status"}),
    "sj.enterprises": frozenset({"uscc", "legal_rep_id_number", "entity_type",
                                 "registered_capital_wan", "status"}),
    "gjj.deposits": frozenset({"account_no", "id_number", "monthly_deposit_fen",
                               "last_deposit_month", "status"}),
    "mz.recipients": frozenset({"case_no", "case_status"}),
    "mz.members": frozenset({"case_no", "member_id_number"}),
}
_STRUCTURAL = ("duplicate_row", "duplicate_key")  # superseded or repeated: never evidence


@dataclass(frozen=True)
class SourceInfo:
    """What the run read of one resource: its publication version, batches, salvaged rows."""

    code: str
    version: int | None
    batch_ids: tuple[str, ...]
    salvaged: int


def _standardise(item: DataItem, column: str, raw: str) -> str:
    """SQL standardising a raw value the way ingestion does (catalog.sqlfunctions macros)."""
    if column.endswith("_valid"):
        return f"hub_id_valid(hub_std_id({raw}))"
    if column.endswith("_norm"):
        return f"hub_name_norm(hub_name({raw}))"
    return standardise_sql(item.type, raw)


def _delivered(res: Resource, item: DataItem) -> str:
    """SQL for an item's value as delivered, from the raw layer (`r`)."""
    if item.name in raw_columns(res):
        return f"r.{ident(item.name)}"
    # JSON Lines keep the delivered object: read the item at its contract path.
    return f"json_extract_string(r._record, '$.{item.source}')"


def salvageable(res: Resource) -> bool:
    """Whether the raw layer keeps each delivered value (fields, or a JSON object per record);
    a CSV line is kept as text only, so its quarantined rows cannot be salvaged."""
    return res.format is SourceFormat.JSONL or all(
        item.name in raw_columns(res) for item in res.items)


def _salvage(con: duckdb.DuckDBPyConnection, code: str, batch_ids: list[str]) -> int:
    """Materialise the salvageable quarantined rows of the current batches as `salv_<table>`."""
    res = resource(code)
    if not salvageable(res):
        return 0
    t = res.table
    essential = ", ".join(f"'{i}'" for i in sorted(ESSENTIAL[code]))
    structural = ", ".join(f"'{r}'" for r in _STRUCTURAL)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE q_{t} AS "
        f"SELECT _batch_id, _file, _record_no, "
        f"list_transform(_rules, lambda r: split_part(r, ':', 2)) AS _failed "
        f"FROM hub.quarantine.{t} WHERE list_contains($batches, _batch_id) AND "
        f"len(list_filter(_rules, lambda r: strpos(r, ':') = 0 "
        f"OR split_part(r, ':', 1) IN ({structural}) "
        f"OR split_part(r, ':', 2) IN ({essential}))) = 0",
        {"batches": batch_ids})
    count = con.execute(f"SELECT count(*) FROM q_{t}").fetchall()[0][0]
    if count == 0:
        return 0
    columns = res.lake_columns()
    select = []
    for column in WANTED[code]:
        item = columns[column]
        value = _standardise(item, column, _delivered(res, item))
        select.append(f"CASE WHEN list_contains(q._failed, '{item.name}') THEN NULL "
                      f"ELSE {value} END AS {ident(column)}")
    key = " AND ".join(f"p.{ident(k)} IS NOT DISTINCT FROM s.{ident(k)}" for k in res.key)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE salv_{t} AS SELECT * FROM ("
        f"SELECT {', '.join(select)}, r._batch_id, r._record_no, "
        f"array_to_string(list_filter(q._failed, lambda i: i <> ''), ',') AS _salvaged "
        f"FROM q_{t} q JOIN hub.raw.{t} r USING (_batch_id, _file, _record_no)) s "
        f"WHERE NOT EXISTS (SELECT 1 FROM hub.published.{t} p WHERE {key})")
    return con.execute(f"SELECT count(*) FROM salv_{t}").fetchall()[0][0]


def _published(code: str, columns: str, batch_ids: list[str], where: str = "true") -> str:
    """The rows of `published.<table>` satisfying `where`. An append resource's latest row per
    key is rebuilt from its current batches, with the window also partitioned by the validity
    of the key's ID numbers: a function of the key (GB 11643 check: same partitions, same
    rows), but it lets DuckDB push `NOT <id>_valid` below the window over every batch.
    `where` must only read key columns (then it commutes with the window); it runs before."""
    res = resource(code)
    t = res.table
    if res.load is not Load.APPEND:
        return f"SELECT {columns}, _batch_id, _record_no FROM hub.published.{t} WHERE {where}"
    key = [ident(k) for k in res.key]
    key += [ident(f"{k}_valid") for k in res.key if f"{k}_valid" in WANTED[code]]
    batches = ", ".join(sql_str(b) for b in batch_ids)
    return (f"SELECT {columns}, _batch_id, _record_no FROM hub.history.{t} "
            f"WHERE list_contains([{batches}]::VARCHAR[], _batch_id) AND {where} "
            f"QUALIFY row_number() OVER (PARTITION BY {', '.join(key)} "
            "ORDER BY _batch_id DESC) = 1")


def _source_sql(info: SourceInfo, where: str = "true") -> str:
    """Published rows plus the salvaged quarantined ones (`_salvaged` lists their NULLed
    items), restricted by `where`."""
    cols = ", ".join(ident(c) for c in WANTED[info.code])
    sql = (f"SELECT *, NULL::VARCHAR AS _salvaged "
           f"FROM ({_published(info.code, cols, list(info.batch_ids), where)})")
    if info.salvaged:
        sql += (f" UNION ALL SELECT {cols}, _batch_id, _record_no, _salvaged "
                f"FROM salv_{resource(info.code).table} WHERE {where}")
    return sql


def create_focused_source(con: duckdb.DuckDBPyConnection, info: SourceInfo, id_column: str,
                          ids: str) -> str:
    """Create `f_<table>`: the rows of `s_<table>` whose `id_column` is in the one-column
    relation `ids`, and return its name. When `id_column` is part of an append resource's
    key the restriction runs before the latest-row-per-key window, which then sorts a few
    thousand rows instead of every batch's millions; otherwise (a death certificate's latest
    row may name someone else than an older one) it runs after."""
    res = resource(info.code)
    where = f"{ident(id_column)} IN (SELECT * FROM {ids})"
    if res.load is Load.APPEND and id_column not in res.key:
        sql = f"SELECT * FROM ({_source_sql(info)}) WHERE {where}"
    else:
        sql = _source_sql(info, where)
    con.execute(f"CREATE OR REPLACE TEMP VIEW f_{res.table} AS {sql}")
    return f"f_{res.table}"


def create_sources(con: duckdb.DuckDBPyConnection, salvage: bool) -> dict[str, SourceInfo]:
    """Create a view `s_<table>` per resource on a connection with the analysts' database
    attached as `hub` and `catalog.sqlfunctions` registered."""
    infos = {}
    for code in WANTED:
        t = resource(code).table
        found = con.execute(
            "SELECT version, batch_ids FROM hub.meta.publications WHERE resource_code = ? "
            "ORDER BY version DESC LIMIT 1", [code]).fetchall()
        version, batch_ids = (found[0][0], list(found[0][1])) if found else (None, [])
        salvaged = _salvage(con, code, batch_ids) if salvage and batch_ids else 0
        infos[code] = SourceInfo(code, version, tuple(batch_ids), salvaged)
        con.execute(f"CREATE OR REPLACE TEMP VIEW s_{t} AS {_source_sql(infos[code])}")
    return infos
