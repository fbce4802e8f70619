"""What one pass from the delivered bytes would save, measured before it is built (issue 18).

For one CSV resource of the cached city, in this process: the hub's two steps as they run
(`ingest_raw`, then `standardise`), then a probe of the one-pass shape on the same batches —
each chunk the reader decodes goes through the same field split and standardisation SQL
straight into the batch's table (no raw Parquet part written, none read back), duplicates
are marked and the accepted and quarantine files written as `standardise_batch` writes them.
Wall and CPU seconds of both, and whether they accepted and quarantined the same rows.

The probe is not the hub: it keeps no raw record (the delivered file would be kept under its
SHA-256, with a line index), the text of rows quarantined as duplicates is not fetched, and
batch-level rejections are not handled.

    python bench/onepass_probe.py rs.social_insurance --persons 1000000
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from ingest import OUT, ensure_city, run_facts, spent


def one_pass(settings, res, delivery, sha256: str, out: Path) -> tuple[int, int]:
    """The probe for one batch: (rows accepted, rows quarantined)."""
    from catalog.lake import connect
    from catalog.sqlfunctions import register_fallbacks, unregister_functions
    std_mod = importlib.import_module("pipelines.ingest.standardise")  # (the package exports a function of that name)
    from pipelines.ingest.fields import csv_split_sql, delivered_fields_sql, sql_str
    from pipelines.ingest.readers.common import (
        REPLACEMENT,
        RawResult,
        ReadContext,
        blank_filtered,
        csv_header,
        lineage_sql,
        relative,
    )
    from pipelines.ingest.readers.text import line_table, lines_of, read_ahead

    out.mkdir(parents=True, exist_ok=True)
    with connect(settings) as con:
        register_fallbacks(con)
        ctx = ReadContext(con, res, delivery, sha256, settings.landing_dir, out, settings.lake)
        result = RawResult()
        parts, fields = csv_split_sql(res.delimiter)
        created = False
        for file in delivery.files:
            positions = None
            for first_line, lines in read_ahead(lines_of(file, res.encoding,
                                                         settings.ingest_chunk_bytes)):
                if positions is None:
                    positions = csv_header(res, lines[0].as_py())
                    result.layout[relative(ctx, file)] = positions
                    lines, first_line = lines[1:], first_line + 1
                table = blank_filtered(line_table(first_line, lines), result)
                if table.num_rows == 0:
                    continue
                con.register("chunk", table)
                raw = (f"(SELECT {lineage_sql(ctx, file, 'line_no')}, CASE "
                       f"WHEN contains(line, '{REPLACEMENT}') OR contains(line, chr(0)) "
                       "THEN 'invalid_encoding' WHEN fields IS NULL THEN 'unbalanced_quote' "
                       f"WHEN len(fields) <> {len(res.items)} THEN 'field_count' END AS _error, "
                       f"line AS _record FROM (SELECT line_no, line, {fields} AS fields "
                       f"FROM (SELECT line_no, line, {parts} AS parts FROM chunk)))")
                body = std_mod.standardised_sql(
                    res.items, delivered_fields_sql(res, raw, result.layout),
                    lineage="_batch_id, _file, _record_no, _sha256, _record")
                rows = (f"SELECT * EXCLUDE (_record), CASE WHEN len(_rules) > 0 THEN _record "
                        f"END AS _record FROM ({body})")
                if not created:
                    con.execute(f"CREATE TEMP TABLE std AS {rows}")
                    created = True
                else:
                    con.execute(f"INSERT INTO std {rows}")
                con.unregister("chunk")
        std_mod._mark_duplicates(con, res)
        columns = ", ".join(std_mod._stored_sql(item, c) for item in res.items
                            for c in item.lake_columns())
        con.execute(f"COPY (SELECT {std_mod._LINEAGE}, {columns} FROM std WHERE len(_rules) = 0) "
                    f"TO {sql_str(str(out / 'accepted.parquet'))} "
                    "(FORMAT parquet, COMPRESSION snappy)")
        con.execute(f"COPY (SELECT {std_mod._LINEAGE}, split_part(_rules[1], ':', 1) AS _rule, "
                    "nullif(split_part(_rules[1], ':', 2), '') AS _item, _rules, _record "
                    "FROM std WHERE len(_rules) > 0 ORDER BY _file, _record_no) "
                    f"TO {sql_str(str(out / 'quarantine.parquet'))} "
                    "(FORMAT parquet, COMPRESSION snappy)")
        accepted, held = con.execute("SELECT count(*) FILTER (len(_rules) = 0), "
                                     "count(*) FILTER (len(_rules) > 0) FROM std").fetchall()[0]
        unregister_functions(con)
    return accepted, held


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("resource")
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    city, _ = ensure_city(args.persons, args.seed)
    home = OUT / f"onepass-{args.persons}"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    os.environ.update(HUB_HOME=str(home), HUB_LANDING=str(city / "landing"))
    from catalog import SourceFormat, get_settings, open_registry, resource
    from pipelines.ingest import find_deliveries, ingest_raw, standardise

    settings = get_settings()
    registry = open_registry(settings)
    res = resource(args.resource)
    if res.format is not SourceFormat.CSV:
        raise SystemExit("the probe reads CSV resources only")
    two_steps = {"raw": spent(lambda: ingest_raw(settings, registry, res)),
                 "standardised": spent(lambda: standardise(settings, registry, res))}
    batches = {b.batch_id: b for b in registry.batches(res.code)}
    counts: dict[str, tuple[int, int]] = {}

    def probe() -> None:
        for delivery in find_deliveries(settings.landing_dir, res):
            counts[delivery.batch_id] = one_pass(settings, res, delivery,
                                                 batches[delivery.batch_id].sha256,
                                                 home / "probe" / delivery.batch_id)

    probed = spent(probe)
    same = all(counts[i] == (b.rows_accepted, b.rows_quarantined) for i, b in batches.items())
    total = {k: round(two_steps["raw"][k] + two_steps["standardised"][k], 2)
             for k in ("wall", "cpu")}
    print(json.dumps({"resource": res.code, "persons": args.persons,
                      "rows": sum(b.rows_in for b in batches.values()),
                      "two_steps": {**two_steps, "total": total}, "one_pass_probe": probed,
                      "cpu_saved": round(1 - probed["cpu"] / total["cpu"], 3),
                      "same_accepted_and_quarantined": same, **run_facts()}))


if __name__ == "__main__":
    main()
