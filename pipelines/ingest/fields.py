"""The delivered fields of raw records, as SQL over the raw layer.

Text deliveries keep each record in the raw layer exactly as delivered (`_record`, one line);
their fields are derived from it by the same SQL when the batch is read and when it is
standardised, so the raw layer costs one copy of the delivery, not two.
"""

from __future__ import annotations

import re

from catalog import Resource, SourceFormat
from catalog.sqltext import ident, sql_str

__all__ = ["csv_split_sql", "delivered_fields_sql", "ident", "json_path", "sql_str"]


def json_path(source: str) -> str:
    """`legal_rep.name` → `$."legal_rep"."name"` (quoted, so any key text is safe)."""
    return "$." + ".".join(f'"{part}"' for part in source.split("."))


def csv_split_sql(delimiter: str, line: str = "line") -> tuple[str, str]:
    """Fields of a line: a plain split, or an RFC 4180 split when the line has quotes.

    Returns the SQL of the candidate fields (`parts`, from `line`) and of the final fields
    (from `line` and `parts`): a quoted line whose fields do not rebuild it exactly (an
    unbalanced or stray quote) gives NULL, which marks the record malformed. Two steps, not a
    scalar subquery: DuckDB would run that as a correlated join, 20× slower.
    """
    d = sql_str(delimiter)
    d_re = re.escape(delimiter).replace("'", "''")
    # Every field is matched with the delimiter before it (one is put before the line), so no
    # match is empty: after an empty match at the start, RE2 would skip the next delimiter and
    # lose the second field of a line such as `,name,"4,817.00"`.
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


def _by_file(layout: dict[str, dict[str, int]], name: str) -> str:
    """The field of item `name`, at the position the file's own header gave it."""
    positions = {file: columns[name] for file, columns in layout.items()}
    if len(set(positions.values())) == 1:
        return f"fields[{next(iter(positions.values())) + 1}]"
    cases = " ".join(f"WHEN {sql_str(f)} THEN fields[{p + 1}]" for f, p in positions.items())
    return f"CASE _file {cases} END"


def delivered_fields_sql(resource: Resource, source: str,
                         layout: dict[str, dict[str, int]] | None) -> str:
    """A query over raw rows (`source`) giving lineage, `_error`, `_record` and every data
    item as delivered (text; NULL where the record is broken)."""
    base = "_batch_id, _file, _record_no, _sha256, _error, _record"
    if resource.format is SourceFormat.CSV:
        if not layout:
            raise ValueError(f"{resource.code}: a CSV batch needs its header layout")
        parts, fields = csv_split_sql(resource.delimiter, "_record")
        items = ", ".join(f"CASE WHEN _error IS NULL THEN {_by_file(layout, i.name)} END "
                          f"AS {ident(i.name)}" for i in resource.items)
        return (f"SELECT {base}, {items} FROM (SELECT *, {fields} AS fields FROM "
                f"(SELECT *, {parts} AS parts FROM {source}))")
    if resource.format is SourceFormat.JSONL:
        items = ", ".join(
            f"json_extract_string(CASE WHEN _error IS NULL THEN _record END, "
            f"{sql_str(json_path(i.source))}) AS {ident(i.name)}" for i in resource.items)
        return f"SELECT {base}, {items} FROM {source}"
    items = ", ".join(ident(i.name) for i in resource.items)
    return f"SELECT {base}, {items} FROM {source}"
