"""Issue 18: the hub's ingestion accepts and quarantines exactly what the path before it did.

The reference (`parity_reference`, the readers and the standardisation as they ran before issue
18) and the hub's own path (one pass from the kept delivered files) standardise the same batches
of the noisy generated city; every accepted row (as
the analysts' view shows it, originals included) and every quarantined row (its rules, item and
original text) must be identical.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from catalog import BatchStatus, SourceFormat, delivered_resources
from catalog.lake import connect
from catalog.originals import shown_originals
from catalog.sqltext import ident, sql_str
from pipelines.ingest import ingest_raw, standardise
from tests.conftest import hub_settings, open_registry, row_differences
from tests.pipelines.parity_reference import reference_batch, reference_raw

pytestmark = pytest.mark.slow

# What the noisy city must make both paths do, so that agreeing means something.
# (No contract noise makes a number unreadable: `test_rules_agree_value_by_value` covers it.)
EXERCISED = {"invalid_encoding", "field_count", "unbalanced_quote", "missing_required",
             "invalid_date", "invalid_month", "negative_amount", "amount_out_of_range",
             "duplicate_row", "duplicate_key"}


@pytest.fixture(scope="module")
def compared(noisy_city: Path, tmp_path_factory: pytest.TempPathFactory):
    """Every standardised batch of the city: (resource, batch, the hub's dir, the reference's)."""
    root = tmp_path_factory.mktemp("parity")
    settings = hub_settings(root / "home", noisy_city / "landing")
    registry = open_registry(settings)
    pairs = []
    for resource in delivered_resources():
        ingest_raw(settings, registry, resource)
        standardise(settings, registry, resource)
        for batch in registry.batches(resource.code):
            if not batch.accepted_path:
                continue
            reference = root / "reference" / resource.table / batch.batch_id
            reference.mkdir(parents=True)
            with connect(settings) as con:
                raw, layout = Path(batch.raw_path or ""), batch.layout
                if resource.format in (SourceFormat.CSV, SourceFormat.JSONL):
                    # No raw parts since the one pass: the old readers write them again
                    # from the delivered files.
                    raw = root / "reference-raw" / resource.table / batch.batch_id
                    raw.mkdir(parents=True)
                    layout = reference_raw(con, resource, batch.batch_id, batch.sha256,
                                           settings.landing_dir, list(batch.files), raw)
                reference_batch(con, resource, raw, layout, reference)
            pairs.append((resource, batch, Path(batch.accepted_path).parent, reference))
    return settings, pairs


def _differences(con, columns: list[str], ours: str, theirs: str,
                 shown: dict[str, str] | None = None) -> list[tuple]:
    """Rows in one file and not the other (each way, duplicates counted), at most five each;
    `shown` reads columns of ours as every reader does (originals restored)."""
    shown = shown or {}
    read = ", ".join(f"{shown[c]} AS {ident(c)}" if c in shown else ident(c) for c in columns)
    cols = ", ".join(ident(c) for c in columns)
    one = f"SELECT {read} FROM read_parquet({sql_str(ours)})"
    two = f"SELECT {cols} FROM read_parquet({sql_str(theirs)})"
    return row_differences(con, one, two, ("hub only", "reference only"))


def _columns(con, path: Path) -> list[str]:
    return [r[0] for r in con.execute(
        f"DESCRIBE SELECT * FROM read_parquet({sql_str(str(path))})").fetchall()]


def test_the_city_exercises_every_rule(compared):
    settings, pairs = compared
    seen: Counter[str] = Counter()
    with connect(settings) as con:
        for _, _, _, reference in pairs:
            seen.update(dict(con.execute(
                f"SELECT _rule, count(*) FROM read_parquet("
                f"{sql_str(str(reference / 'quarantine.parquet'))}) GROUP BY ALL").fetchall()))
    assert EXERCISED <= set(seen), seen


def test_accepted_rows_are_identical(compared):
    settings, pairs = compared
    with connect(settings) as con:
        for resource, batch, ours, reference in pairs:
            columns = _columns(con, reference / "accepted.parquet")
            assert _columns(con, ours / "accepted.parquet") == columns, resource.code
            diff = _differences(con, columns, str(ours / "accepted.parquet"),
                                str(reference / "accepted.parquet"), shown_originals(resource))
            assert diff == [], (resource.code, batch.batch_id, diff)


def test_originals_are_stored_only_where_they_differ(compared):
    settings, pairs = compared
    stored = kept = 0
    with connect(settings) as con:
        for resource, _, ours, reference in pairs:
            for item in resource.items:
                if shown_originals(resource)[f"{item.name}_orig"] == ident(f"{item.name}_orig"):
                    continue  # kept whole (a DOUBLE's text, an ID list's JSON)
                v, o = ident(item.name), ident(f"{item.name}_orig")
                same, held = con.execute(
                    f"SELECT count(*) FILTER ({o} = CAST({v} AS VARCHAR)), count({o}) "
                    f"FROM read_parquet({sql_str(str(ours / 'accepted.parquet'))})").fetchall()[0]
                assert same == 0, (resource.code, item.name)
                stored += held
                kept += con.execute(f"SELECT count({o}) FROM read_parquet("
                                    f"{sql_str(str(reference / 'accepted.parquet'))})").fetchall()[0][0]
    assert 0 < stored < kept / 5, (stored, kept)  # dates delivered as 20260314 differ, for one


def test_quarantine_is_identical_rule_by_rule_with_the_original_text(compared):
    settings, pairs = compared
    with connect(settings) as con:
        for resource, batch, ours, reference in pairs:
            theirs = str(reference / "quarantine.parquet")
            by_rule = dict(con.execute(f"SELECT _rule, count(*) FROM read_parquet("
                                       f"{sql_str(theirs)}) GROUP BY ALL").fetchall())
            assert batch.quarantine_by_rule == by_rule, (resource.code, batch.batch_id)
            columns = _columns(con, reference / "quarantine.parquet")
            assert set(_columns(con, ours / "quarantine.parquet")) >= set(columns)
            diff = _differences(con, columns, str(ours / "quarantine.parquet"), theirs)
            assert diff == [], (resource.code, batch.batch_id, diff)


def test_every_batch_is_compared(compared):
    settings, pairs = compared
    registry = open_registry(settings)
    read = [(r.code, b.batch_id) for r in delivered_resources() for b in registry.batches(r.code)
            if b.status is not BatchStatus.DUPLICATE and b.raw_path]
    assert sorted(read) == sorted((r.code, b.batch_id) for r, b, _, _ in pairs)
    assert len(pairs) >= len(delivered_resources())


