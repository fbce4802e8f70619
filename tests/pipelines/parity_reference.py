"""The standardisation as it ran before issue 18 (commit eaaae33), frozen as the reference for
the parity test: DuckDB macros with Python fallbacks, originals kept beside every value.

Changing ingestion must not change what it accepts or quarantines: `test_parity` runs this
beside the hub's own path over the same batches and compares every row. Since the one pass
(issue 18), text deliveries have no raw parts in the lake: `reference_raw` writes them from
the delivered files by the text readers as they were (a frozen copy below; only the decoding of
`readers.text`, unchanged, is shared), and XLSX and Parquet batches keep theirs. Only the Python
reference functions of `catalog.identifiers` are shared (they are themselves the contract's
reference, checked by property tests); everything else is a copy, so the hub's code can move.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from catalog import DataItem, ItemType, Resource, SourceFormat
from catalog.identifiers import (
    fold_code,
    fold_name,
    fold_text,
    is_valid_id,
    normalise_name,
    standardise_id,
    traditional_to_simplified_table,
)
from catalog.sqltext import ident, sql_str
from pipelines.ingest.readers.common import csv_header
from pipelines.ingest.readers.text import line_table, lines_of

__all__ = ["reference_batch", "reference_raw"]

_LINEAGE = "_batch_id, _file, _record_no, _sha256"
_EXCEL_EPOCH = "DATE '1899-12-30'"
_DATE_FORMATS = "['%Y-%m-%d', '%Y/%m/%d', '%Y%m%d', '%Y.%m.%d', '%Y年%m月%d日']"


def _macros() -> list[str]:
    trad = "".join(sorted(traditional_to_simplified_table()))
    return [
        "CREATE OR REPLACE MACRO hub_std_id(s) AS CASE "
        "WHEN s IS NULL OR s = '' THEN NULL "
        "WHEN regexp_full_match(s, '[0-9]{17}[0-9X]') THEN s ELSE hub_py_std_id(s) END",
        "CREATE OR REPLACE MACRO hub_id_valid(s) AS hub_py_id_valid(s)",
        "CREATE OR REPLACE MACRO hub_std_uscc(s) AS CASE "
        "WHEN s IS NULL OR s = '' THEN NULL "
        "WHEN regexp_full_match(s, '[0-9A-Z]{18}') THEN s ELSE upper(hub_py_fold_code(s)) END",
        "CREATE OR REPLACE MACRO hub_name(s) AS CASE "
        "WHEN s IS NULL OR s = '' THEN NULL "
        "WHEN NOT regexp_matches(s, '[^\\p{Han}·]') THEN nullif(s, '') ELSE hub_py_fold_name(s) END",
        "CREATE OR REPLACE MACRO hub_name_norm(s) AS CASE "
        "WHEN s IS NULL OR s = '' THEN NULL "
        f"WHEN NOT regexp_matches(s, '[^\\p{{Han}}·]|[{trad}]') THEN nullif(s, '') "
        "ELSE hub_py_normalise_name(s) END",
        "CREATE OR REPLACE MACRO hub_text(s) AS CASE "
        "WHEN s IS NULL OR s = '' THEN NULL "
        "WHEN regexp_full_match(s, '[^\\s\\x{3000}\\x{FF01}-\\x{FF5E}]+( [^\\s\\x{3000}\\x{FF01}-\\x{FF5E}]+)*') "
        "THEN s ELSE hub_py_fold_text(s) END",
        "CREATE OR REPLACE MACRO hub_code(s) AS CASE "
        "WHEN s IS NULL OR s = '' THEN NULL "
        "WHEN regexp_full_match(s, '[^\\s\\x{3000}\\x{FF01}-\\x{FF5E}]+') THEN s "
        "ELSE hub_py_fold_code(s) END",
        "CREATE OR REPLACE MACRO hub_date_any(c) AS CASE "
        "WHEN regexp_full_match(c, '[0-9]{8}') THEN CAST(try_strptime(c, '%Y%m%d') AS DATE) "
        "WHEN regexp_full_match(c, '[0-9]{4}-[0-9]{2}-[0-9]{2}') THEN TRY_CAST(c AS DATE) "
        "WHEN regexp_full_match(c, '[1-9][0-9]{4}(\\.0+)?') "
        f"THEN {_EXCEL_EPOCH} + CAST(CAST(c AS DOUBLE) AS INTEGER) "
        f"ELSE CAST(try_strptime(c, {_DATE_FORMATS}) AS DATE) END",
        "CREATE OR REPLACE MACRO hub_date_in_range(d) AS "
        "CASE WHEN year(d) BETWEEN 1900 AND 2100 THEN d END",
        "CREATE OR REPLACE MACRO hub_date(s) AS hub_date_in_range(hub_date_any(hub_code(s)))",
        "CREATE OR REPLACE MACRO hub_month_of(c) AS CASE "
        "WHEN regexp_full_match(c, '(19|20)[0-9]{2}(0[1-9]|1[0-2])') THEN c "
        "WHEN regexp_full_match(c, '(19|20)[0-9]{2}[-/.年](0?[1-9]|1[0-2])月?') THEN "
        "substr(c, 1, 4) || lpad(regexp_extract(c, '^[0-9]{4}[-/.年]([0-9]{1,2})', 1), 2, '0') "
        "ELSE strftime(hub_date(c), '%Y%m') END",
        "CREATE OR REPLACE MACRO hub_month(s) AS hub_month_of(hub_code(s))",
        "CREATE OR REPLACE MACRO hub_number_of(c) AS CASE "
        "WHEN regexp_full_match(c, '[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)') THEN c "
        "WHEN regexp_full_match(c, '[+-]?[0-9]{1,3}(,[0-9]{3})+(\\.[0-9]*)?') "
        "THEN replace(c, ',', '') END",
        "CREATE OR REPLACE MACRO hub_number_text(s) AS hub_number_of(hub_text(s))",
        "CREATE OR REPLACE MACRO hub_cents(t) AS CASE "
        "WHEN abs(TRY_CAST(t AS DECIMAL(14,2)) - TRY_CAST(t AS DOUBLE)) < 0.000001 "
        "THEN TRY_CAST(t AS DECIMAL(14,2)) END",
        "CREATE OR REPLACE MACRO hub_amount(s) AS hub_cents(hub_number_text(s))",
        "CREATE OR REPLACE MACRO hub_integer_of(c) AS CASE "
        "WHEN regexp_full_match(c, '-?[0-9]+(\\.0+)?') "
        "THEN TRY_CAST(TRY_CAST(c AS DECIMAL(38,2)) AS BIGINT) END",
        "CREATE OR REPLACE MACRO hub_integer(s) AS hub_integer_of(hub_number_text(s))",
        "CREATE OR REPLACE MACRO hub_finite(v) AS CASE WHEN isfinite(v) THEN v END",
        "CREATE OR REPLACE MACRO hub_decimal(s) AS "
        "hub_finite(TRY_CAST(hub_number_text(s) AS DOUBLE))",
    ]


_FALLBACKS = {"hub_py_std_id": standardise_id, "hub_py_fold_name": fold_name,
              "hub_py_normalise_name": normalise_name, "hub_py_fold_text": fold_text,
              "hub_py_fold_code": fold_code}


def _register(con: duckdb.DuckDBPyConnection) -> None:
    def udf(fn, kind):
        return lambda values: pa.array([fn(v) for v in values.to_pylist()], kind)

    for name, fn in _FALLBACKS.items():
        con.create_function(name, udf(fn, pa.string()), ["VARCHAR"], "VARCHAR", type="arrow",
                            null_handling="special", side_effects=False)
    con.create_function("hub_py_id_valid", udf(is_valid_id, pa.bool_()), ["VARCHAR"],
                        "BOOLEAN", type="arrow", null_handling="special", side_effects=False)
    for sql in _macros():
        con.execute(sql)


_STANDARDISE = {
    ItemType.ID_NUMBER: "hub_std_id({})", ItemType.ID_LIST: "list_transform({}, lambda x: hub_std_id(x))",
    ItemType.USCC: "hub_std_uscc({})", ItemType.NAME: "hub_name({})", ItemType.TEXT: "hub_text({})",
    ItemType.CODE: "hub_code({})", ItemType.DISTRICT: "hub_code({})", ItemType.DATE: "hub_date({})",
    ItemType.MONTH: "hub_month({})", ItemType.AMOUNT: "hub_amount({})",
    ItemType.INTEGER: "hub_integer({})", ItemType.DECIMAL: "hub_decimal({})",
}
_PARSED = {ItemType.DATE: "invalid_date", ItemType.MONTH: "invalid_month",
           ItemType.AMOUNT: "invalid_number", ItemType.INTEGER: "invalid_number",
           ItemType.DECIMAL: "invalid_number"}


def _csv_split_sql(delimiter: str, line: str) -> tuple[str, str]:
    d = sql_str(delimiter)
    d_re = re.escape(delimiter).replace("'", "''")
    pattern = f"{d_re}(\"(?:[^\"]|\"\")*\"|[^{d_re}\"]*)"
    parts = (f"CASE WHEN contains({line}, '\"') "
             f"THEN regexp_extract_all({d} || {line}, '{pattern}', 1) "
             f"ELSE string_split({line}, {d}) END")
    fields = (
        f"CASE WHEN NOT contains({line}, '\"') THEN parts "
        f"WHEN array_to_string(parts, {d}) = {line} THEN list_transform(parts, lambda x: "
        "CASE WHEN starts_with(x, '\"') AND ends_with(x, '\"') AND length(x) >= 2 "
        "THEN replace(x[2:-2], '\"\"', '\"') ELSE x END) END"
    )
    return parts, fields


def _fields_sql(resource: Resource, source: str, layout: dict[str, dict[str, int]] | None) -> str:
    base = "_batch_id, _file, _record_no, _sha256, _error, _record"
    if resource.format is SourceFormat.CSV:
        parts, fields = _csv_split_sql(resource.delimiter, "_record")

        def by_file(name: str) -> str:
            positions = {file: columns[name] for file, columns in (layout or {}).items()}
            if len(set(positions.values())) == 1:
                return f"fields[{next(iter(positions.values())) + 1}]"
            cases = " ".join(f"WHEN {sql_str(f)} THEN fields[{p + 1}]" for f, p in positions.items())
            return f"CASE _file {cases} END"

        items = ", ".join(f"CASE WHEN _error IS NULL THEN {by_file(i.name)} END AS {ident(i.name)}"
                          for i in resource.items)
        return (f"SELECT {base}, {items} FROM (SELECT *, {fields} AS fields FROM "
                f"(SELECT *, {parts} AS parts FROM {source}))")
    if resource.format is SourceFormat.JSONL:
        def path(source_name: str) -> str:
            return "$." + ".".join(f'"{part}"' for part in source_name.split("."))

        items = ", ".join(f"json_extract_string(CASE WHEN _error IS NULL THEN _record END, "
                          f"{sql_str(path(i.source))}) AS {ident(i.name)}" for i in resource.items)
        return f"SELECT {base}, {items} FROM {source}"
    return f"SELECT {base}, {', '.join(ident(i.name) for i in resource.items)} FROM {source}"


def _rules(item: DataItem) -> list[tuple[str, str]]:
    v, o = ident(item.name), ident(item.name + "_orig")
    rules = []
    unreadable = _PARSED.get(item.type)
    if item.required:
        if unreadable:
            missing = f"{v} IS NULL AND hub_code({o}) IS NULL"
        elif item.type is ItemType.ID_LIST:
            missing = f"{v} IS NULL OR len({v}) = 0"
        else:
            missing = f"{v} IS NULL"
        rules.append((missing, "missing_required"))
    if unreadable:
        rules.append((f"{v} IS NULL AND hub_code({o}) IS NOT NULL", unreadable))
    if item.type in (ItemType.AMOUNT, ItemType.INTEGER, ItemType.DECIMAL):
        rules.append((f"{v} < 0", "negative_amount"))
        if item.max_value is not None:
            rules.append((f"{v} > {item.max_value}", "amount_out_of_range"))
    return [(cond, f"{rule}:{item.name}") for cond, rule in rules]


def _standardised_sql(items: tuple[DataItem, ...], fields: str) -> str:
    columns, derived = [], []
    for item in items:
        raw = ident(item.name)
        columns.append(f"{_STANDARDISE[item.type].format(raw)} AS {raw}")
        original = f"CAST(to_json({raw}) AS VARCHAR)" if item.type is ItemType.ID_LIST else raw
        columns.append(f"{original} AS {ident(item.name + '_orig')}")
        if item.type is ItemType.ID_NUMBER:
            derived.append(f"hub_id_valid({raw}) AS {ident(item.name + '_valid')}")
        if item.type is ItemType.NAME:
            derived.append(f"hub_name_norm({raw}) AS {ident(item.name + '_norm')}")
    rules = [rule for item in items for rule in _rules(item)]
    if rules:
        failed = " OR ".join(f"({cond})" for cond, _ in rules)
        listed = ", ".join(f"CASE WHEN {cond} THEN '{label}' END" for cond, label in rules)
        rules_sql = (f"CASE WHEN _error IS NOT NULL THEN [_error] WHEN {failed} "
                     f"THEN list_filter([{listed}], lambda r: r IS NOT NULL) "
                     "ELSE []::VARCHAR[] END")
    else:
        rules_sql = "CASE WHEN _error IS NOT NULL THEN [_error] ELSE []::VARCHAR[] END"
    return (f"SELECT *, {rules_sql} AS _rules "
            f"FROM (SELECT *{', ' + ', '.join(derived) if derived else ''} FROM ("
            f"SELECT {_LINEAGE}, _error, {', '.join(columns)} FROM ({fields})))")


def _mark_duplicates(con: duckdb.DuckDBPyConnection, resource: Resource) -> None:
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
    con.execute("UPDATE std SET _rules = [dup.rule] FROM dup "
                "WHERE std._file = dup._file AND std._record_no = dup._record_no")


def reference_batch(con: duckdb.DuckDBPyConnection, resource: Resource, raw_dir: Path,
                    layout: dict[str, dict[str, int]] | None, out: Path) -> None:
    """Write the reference's `accepted.parquet` and `quarantine.parquet` for one raw batch."""
    _register(con)
    raw = f"read_parquet({sql_str(f'{raw_dir}/*.parquet')})"
    con.execute("CREATE OR REPLACE TEMP TABLE std AS "
                + _standardised_sql(resource.items, _fields_sql(resource, raw, layout)))
    _mark_duplicates(con, resource)
    kept = ", ".join(ident(c) for item in resource.items for c in item.lake_columns())
    con.execute(f"COPY (SELECT {_LINEAGE}, {kept} FROM std WHERE len(_rules) = 0) "
                f"TO {sql_str(str(out / 'accepted.parquet'))} (FORMAT parquet)")
    con.execute(
        f"COPY (SELECT {_LINEAGE}, split_part(_rules[1], ':', 1) AS _rule, "
        f"nullif(split_part(_rules[1], ':', 2), '') AS _item, _rules, raw._record "
        f"FROM std JOIN (SELECT _file, _record_no, _record FROM {raw}) raw "
        f"USING (_file, _record_no) WHERE len(_rules) > 0) "
        f"TO {sql_str(str(out / 'quarantine.parquet'))} (FORMAT parquet)")


# --- the text readers as they wrote raw parts before the one pass ---------------------------

_REPLACEMENT = "\ufffd"
_UNREADABLE_LINE = (f"contains(line, '{_REPLACEMENT}') OR contains(line, chr(0)) "
                    "OR contains(line, '\\u0000')")


def _json_path(source: str) -> str:
    return "$." + ".".join(f'"{part}"' for part in source.split("."))


def _json_view(resource: Resource) -> str:
    parents = sorted({"$"} | {_json_path(i.source).rsplit(".", 1)[0] for i in resource.items})
    paths = ", ".join(sql_str(_json_path(i.source)) for i in resource.items)
    wrong = []
    for n, item in enumerate(resource.items, start=1):
        if item.type is ItemType.ID_LIST:
            wrong.append(f"coalesce(types[{n}] NOT IN ('ARRAY', 'NULL'), false)")
        else:
            wrong.append(f"coalesce(types[{n}] IN ('OBJECT', 'ARRAY', 'BOOLEAN'), false)")
    names = "[" + ", ".join(sql_str(p) for p in parents) + "]"
    return (
        "SELECT line_no, line, CASE "
        f"WHEN {_UNREADABLE_LINE} THEN 'invalid_encoding' "
        "WHEN NOT is_object THEN 'malformed_json' "
        "WHEN list_bool_or(list_transform(names, "
        "lambda n: len(n) <> len(list_distinct(n)))) THEN 'repeated_field' "
        f"WHEN {' OR '.join(wrong) or 'false'} THEN 'wrong_type' END AS _error, "
        "CASE WHEN is_object THEN doc END AS doc FROM ("
        f"SELECT *, CASE WHEN is_object THEN json_type(doc, [{paths}]) END AS types, "
        f"CASE WHEN is_object THEN json_keys(doc, {names}) END AS names FROM ("
        "SELECT *, coalesce(json_type(doc) = 'OBJECT', false) AS is_object FROM ("
        f"SELECT line_no, line, CASE WHEN NOT ({_UNREADABLE_LINE}) "
        "AND json_valid(line) THEN line END AS doc FROM chunk)))")


def _blank_filtered(table: pa.Table) -> pa.Table:
    return table.filter(pc.invert(pc.match_substring_regex(table["line"], r"^\s*$")))


def reference_raw(con: duckdb.DuckDBPyConnection, resource: Resource, batch_id: str,
                  sha256: str, landing: Path, files: list[str], out: Path,
                  chunk_bytes: int = 64 * 1024 * 1024) -> dict[str, dict[str, int]]:
    """Write the raw parts of a text batch from its delivered `files` (relative to `landing`)
    into `out`, as the CSV and JSON Lines readers did; return the CSV header layout."""
    layout: dict[str, dict[str, int]] = {}
    parts = 0
    for rel in files:
        file = landing / rel
        lineage = (f"{sql_str(batch_id)} AS _batch_id, {sql_str(rel)} AS _file, "
                   f"line_no AS _record_no, {sql_str(sha256)} AS _sha256")
        positions = None
        for first_line, lines in lines_of(file, resource.encoding, chunk_bytes):
            if resource.format is SourceFormat.CSV and positions is None:
                positions = csv_header(resource, lines[0].as_py())
                layout[rel] = positions
                lines, first_line = lines[1:], first_line + 1
            table = _blank_filtered(line_table(first_line, lines))
            if table.num_rows == 0:
                continue
            con.register("chunk", table)
            if resource.format is SourceFormat.CSV:
                split, fields = _csv_split_sql(resource.delimiter, "line")
                select = (
                    f"SELECT {lineage}, CASE "
                    f"WHEN contains(line, '{_REPLACEMENT}') OR contains(line, chr(0)) "
                    "THEN 'invalid_encoding' "
                    "WHEN fields IS NULL THEN 'unbalanced_quote' "
                    f"WHEN len(fields) <> {len(resource.items)} THEN 'field_count' END AS _error, "
                    f"line AS _record FROM (SELECT line_no, line, {fields} AS fields "
                    f"FROM (SELECT line_no, line, {split} AS parts FROM chunk))")
            else:
                con.execute(f"CREATE OR REPLACE TEMP VIEW json_chunk AS {_json_view(resource)}")
                select = f"SELECT {lineage}, _error, line AS _record FROM json_chunk"
            con.execute(f"COPY ({select}) TO {sql_str(str(out / f'part-{parts:05d}.parquet'))} "
                        "(FORMAT parquet)")
            con.unregister("chunk")
            parts += 1
    return layout
