"""The delivered records → standardised rows and quarantined rows, by the catalog's data items.

Every value is standardised per its item type (`catalog.sqlfunctions`) with the original kept
beside it (stored only where it differs, `catalog.originals`). A row is quarantined with the rules it failed when it cannot be typed: a broken
line, a required value missing, a date, month or number that cannot be read, a negative or
impossible amount, or a duplicate. Validity that does not stop typing (an ID number's check
character, an unknown district, a code outside its list) is left to the quality checks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from catalog import DataItem, ItemType, Resource
from catalog.lake import PASS_COUNTS
from catalog.originals import stored_original_sql
from catalog.sqlfunctions import expand_sql, standardise_sql
from pipelines.ingest.fields import delivered_fields_sql, ident, sql_str
from pipelines.ingest.onepass import delivered_chunks, into_table, is_indexed, text_of

__all__ = ["StandardiseResult", "standardise_batch", "standardised_sql"]

_LINEAGE = "_batch_id, _file, _record_no, _sha256"


def _columns_sql(item: DataItem) -> list[str]:
    raw = ident(item.name)
    value = standardise_sql(item.type, raw)
    columns = [f"{value} AS {raw}"]
    if item.type is ItemType.ID_LIST:
        columns.append(f"CAST(to_json({raw}) AS VARCHAR) AS {ident(item.name + '_orig')}")
    else:
        columns.append(f"{raw} AS {ident(item.name + '_orig')}")
    return columns


def _derived_sql(item: DataItem) -> list[str]:
    """Columns computed from the standardised value (validity, the name used for matching)."""
    if item.type is ItemType.ID_NUMBER:
        return [f"{expand_sql('hub_id_valid', ident(item.name))} AS {ident(item.name + '_valid')}"]
    if item.type is ItemType.NAME:
        return [f"{expand_sql('hub_name_norm', ident(item.name))} AS {ident(item.name + '_norm')}"]
    return []


_PARSED = {
    ItemType.DATE: "invalid_date",
    ItemType.MONTH: "invalid_month",
    ItemType.AMOUNT: "invalid_number",
    ItemType.INTEGER: "invalid_number",
    ItemType.DECIMAL: "invalid_number",
}


def _rules_sql(item: DataItem) -> list[tuple[str, str]]:
    """Rule checks on the standardised value `v` and original `o` of an item: (condition,
    `rule:item`).

    Standardisation turns a blank value (white space of any kind) into NULL, so for text,
    codes and identifiers "missing" is simply `v IS NULL`; a parsed type can also be NULL
    because the text could not be read, which the folded text (`hub_code` of `o`) tells apart. A
    parsed value is only NULL when its text was blank or unreadable, so `hub_code` runs for
    those few rows only (DuckDB evaluates the conditions of a CASE from the left).
    """
    v, o = ident(item.name), ident(item.name + "_orig")
    folded = expand_sql("hub_code", o)
    rules = []
    unreadable = _PARSED.get(item.type)
    if item.required:
        if unreadable:
            missing = f"{v} IS NULL AND {folded} IS NULL"
        elif item.type is ItemType.ID_LIST:
            missing = f"{v} IS NULL OR len({v}) = 0"
        else:
            missing = f"{v} IS NULL"
        rules.append((missing, "missing_required"))
    if unreadable:
        rules.append((f"{v} IS NULL AND {folded} IS NOT NULL", unreadable))
    if item.type in (ItemType.AMOUNT, ItemType.INTEGER, ItemType.DECIMAL):
        rules.append((f"{v} < 0", "negative_amount"))
        if item.max_value is not None:
            rules.append((f"{v} > {item.max_value}", "amount_out_of_range"))
    return [(cond, f"{rule}:{item.name}") for cond, rule in rules]


def _failed_rules_sql(items: tuple[DataItem, ...]) -> str:
    """The rules a row failed, as a list: a broken record fails its structural rule only; the
    list of item rules is built only for rows that fail one (the OR filters first)."""
    rules = [rule for item in items for rule in _rules_sql(item)]
    if not rules:
        return "CASE WHEN _error IS NOT NULL THEN [_error] ELSE []::VARCHAR[] END"
    failed = " OR ".join(f"({cond})" for cond, _ in rules)
    listed = ", ".join(f"CASE WHEN {cond} THEN '{label}' END" for cond, label in rules)
    return (f"CASE WHEN _error IS NOT NULL THEN [_error] WHEN {failed} "
            f"THEN list_filter([{listed}], lambda r: r IS NOT NULL) ELSE []::VARCHAR[] END")


def standardised_sql(items: tuple[DataItem, ...], fields: str, lineage: str = _LINEAGE) -> str:
    """Every item of `fields` (a query giving `_error` and each item's delivered text)
    standardised with its original beside it, the derived columns, and `_rules`: the rules
    the row failed (empty when it can be accepted). `lineage` names columns passed through."""
    value_cols = ", ".join(c for item in items for c in _columns_sql(item))
    derived = ", ".join(c for item in items for c in _derived_sql(item))
    kept = f"{lineage}, " if lineage else ""
    return (f"SELECT *, {_failed_rules_sql(items)} AS _rules "
            f"FROM (SELECT *{', ' + derived if derived else ''} FROM ("
            f"SELECT {kept}_error, {value_cols} FROM ({fields})))")


@dataclass
class StandardiseResult:
    rows_in: int
    accepted: int
    quarantined: int
    by_rule: dict[str, int]
    counts: dict = field(default_factory=dict)


def standardise_batch(
    con: duckdb.DuckDBPyConnection, resource: Resource, raw_dir: Path, out: Path,
    layout: dict[str, dict[str, int]] | None = None, chunk_bytes: int = 64 * 1024 * 1024,
) -> StandardiseResult:
    """Write `accepted.parquet` and `quarantine.parquet` for one batch into `out` (staging).

    A text batch is read in one pass from its kept files (`pipelines.ingest.onepass`, chunks
    of `chunk_bytes`); an XLSX or Parquet batch from its raw parts. Within a batch, an exact
    duplicate of an accepted row (same standardised values) is quarantined as
    `duplicate_row`; when one key comes with different values, the last delivered row is kept
    and the earlier ones are quarantined as `duplicate_key`.
    """
    items = resource.items
    # The delivered text (`_record`) is kept for the rows that fail a rule only.
    lineage = f"{_LINEAGE}, _record"

    def kept_failing(fields: str) -> str:
        return (f"SELECT * EXCLUDE (_record), CASE WHEN len(_rules) > 0 THEN _record END "
                f"AS _record FROM ({standardised_sql(items, fields, lineage)})")

    if is_indexed(raw_dir):
        chunks = delivered_chunks(con, resource, raw_dir, layout, chunk_bytes)
        if not into_table(con, "std", map(kept_failing, chunks)):
            raise RuntimeError(f"{resource.code}: {raw_dir} indexes no record")
    else:
        raw = f"read_parquet({sql_str(f'{raw_dir}/*.parquet')})"
        con.execute(f"CREATE OR REPLACE TEMP TABLE std AS "
                    f"{kept_failing(delivered_fields_sql(resource, raw, layout))}")
    _mark_duplicates(con, resource)
    _duplicates_text(con, resource, raw_dir)
    col_list = ", ".join(_stored_sql(item, c) for item in items for c in item.lake_columns())
    con.execute(
        f"COPY (SELECT {_LINEAGE}, {col_list} FROM std WHERE len(_rules) = 0) "
        f"TO {sql_str(str(out / 'accepted.parquet'))} (FORMAT parquet, COMPRESSION snappy)"
    )
    con.execute(
        f"COPY (SELECT {_LINEAGE}, split_part(_rules[1], ':', 1) AS _rule, "
        f"nullif(split_part(_rules[1], ':', 2), '') AS _item, _rules, _record "
        f"FROM std WHERE len(_rules) > 0 ORDER BY _file, _record_no) "
        f"TO {sql_str(str(out / 'quarantine.parquet'))} (FORMAT parquet, COMPRESSION snappy)"
    )
    rows_in, accepted = con.execute(
        "SELECT count(*), count(*) FILTER (len(_rules) = 0) FROM std"
    ).fetchall()[0]
    by_rule = dict(
        con.execute(
            "SELECT split_part(_rules[1], ':', 1) AS rule, count(*) FROM std "
            "WHERE len(_rules) > 0 GROUP BY ALL ORDER BY rule"
        ).fetchall()
    )
    counts = _pass_counts(con, resource)
    (out / PASS_COUNTS).write_text(json.dumps(counts, sort_keys=True))
    con.execute("DROP TABLE std")
    return StandardiseResult(rows_in, accepted, rows_in - accepted, by_rule, counts)


def _duplicates_text(con: duckdb.DuckDBPyConnection, resource: Resource, raw_dir: Path) -> None:
    """The delivered text of the rows just quarantined as duplicates (accepted until then, so
    their `_record` was not kept): from the kept files by offset, or from the raw parts."""
    missing = "(SELECT _file, _record_no FROM std WHERE len(_rules) > 0 AND _record IS NULL)"
    if not con.execute(f"SELECT count(*) FROM {missing}").fetchall()[0][0]:
        return
    if is_indexed(raw_dir):
        con.register("hub_dup_text", text_of(con, resource, raw_dir, missing))
        source = "hub_dup_text"
    else:
        source = (f"(SELECT _file, _record_no, _record FROM "
                  f"read_parquet({sql_str(f'{raw_dir}/*.parquet')}) SEMI JOIN {missing} m "
                  f"USING (_file, _record_no))")
    try:
        con.execute(f"UPDATE std SET _record = t._record FROM {source} t "
                    "WHERE std._file = t._file AND std._record_no = t._record_no")
    finally:
        if is_indexed(raw_dir):
            con.unregister("hub_dup_text")


def _pass_counts(con: duckdb.DuckDBPyConnection, resource: Resource) -> dict:
    """The accepted rows' count, each item's NULLs, and the rows beyond the first of every
    repeated key (as `quality.expectations.ExpectKeyToBeUnique` counts them): all the quality
    gate's blocking checks read, so it need not scan the accepted file again."""
    names = [item.name for item in resource.items]
    nulls = ", ".join(f"count(*) - count({ident(n)})" for n in names)
    rows, *missing = con.execute(
        f"SELECT count(*), {nulls} FROM std WHERE len(_rules) = 0").fetchall()[0]
    key = ", ".join(ident(k) for k in resource.key)
    (extra,) = con.execute(
        f"SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM std "
        f"WHERE len(_rules) = 0 GROUP BY {key} HAVING count(*) > 1)").fetchall()[0]
    return {"rows": rows, "nulls": dict(zip(names, missing, strict=True)),
            "key": list(resource.key), "key_duplicates": int(extra)}


def _stored_sql(item: DataItem, column: str) -> str:
    """A column as the accepted file stores it: originals only where they differ."""
    if column != item.name + "_orig":
        return ident(column)
    return f"{stored_original_sql(item, ident(item.name), ident(column))} AS {ident(column)}"


def _mark_duplicates(con: duckdb.DuckDBPyConnection, resource: Resource) -> None:
    """Quarantine exact duplicates and superseded rows of a repeated key (see above).

    Only keys that occur more than once are ranked, so the common case is one hash aggregate.
    """
    key = ", ".join(ident(k) for k in resource.key)
    values = ", ".join(ident(item.name) for item in resource.items)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE dup AS "
        f"WITH repeated AS (SELECT {key} FROM std WHERE len(_rules) = 0 "
        f"GROUP BY ALL HAVING count(*) > 1), "
        f"candidates AS (SELECT s._file, s._record_no, s.* EXCLUDE (_file, _record_no) "
        f"FROM std s SEMI JOIN repeated USING ({key}) WHERE len(s._rules) = 0), "
        f"ranked AS (SELECT _file, _record_no, "
        f"row_number() OVER (PARTITION BY {values} ORDER BY _file, _record_no) AS copy_no, "
        f"max(_file || lpad(_record_no::VARCHAR, 20, '0')) OVER (PARTITION BY {key}) AS last_pos, "
        f"max(_file || lpad(_record_no::VARCHAR, 20, '0')) "
        f"OVER (PARTITION BY {values}) AS last_copy_pos "
        f"FROM candidates) "
        f"SELECT _file, _record_no, CASE WHEN copy_no > 1 THEN 'duplicate_row' "
        f"ELSE 'duplicate_key' END AS rule FROM ranked "
        f"WHERE copy_no > 1 OR last_copy_pos <> last_pos"
    )
    con.execute(
        "UPDATE std SET _rules = [dup.rule] FROM dup "
        "WHERE std._file = dup._file AND std._record_no = dup._record_no"
    )
    con.execute("DROP TABLE dup")
