"""A city generated in slices (3 × 2 000 persons): keys unique across slices, each file whole
(one header, one byte-order mark, pension parts across slice boundaries), the truth of the whole
city, every delivered record accepted or quarantined, and the cross-check scoring 1.0."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from catalog import BatchStatus, delivered_resources
from catalog.identifiers import is_valid_id
from pipelines.citygen import NoiseRates, generate_city
from pipelines.citygen.cases import Planter
from pipelines.citygen.generate import slice_sizes
from pipelines.citygen.idspace import TakenIds
from pipelines.citygen.keys import KeyRegistry, Share
from pipelines.citygen.place import demo_place
from pipelines.citygen.tables import RESOURCES, TableBuilder
from pipelines.citygen.truth import evaluate, neighbours
from pipelines.citygen.world import ACTIVE, build_world
from pipelines.crosscheck import run_crosscheck
from pipelines.crosscheck.score import read_flag_pairs, read_truth, score
from tests.conftest import make_settings, open_registry
from tests.pipelines.helpers import ingest
from tests.pipelines.test_citygen import CURRENT, _csv_rows, _jsonl, _read_tables, _xlsx_rows
from tests.pipelines.test_ingest_city import STRUCTURAL

pytestmark = pytest.mark.slow

SLICE, PERSONS, SEED = 2000, 6000, 13
PENSION_PART = 500  # rows per pension workbook here, so parts cross slice boundaries


def _generate(out: Path, noise: NoiseRates | None, pension_part: int | None = None) -> dict:
    with pytest.MonkeyPatch.context() as mp:
        if pension_part:
            mp.setattr("pipelines.citygen.writers.XLSX_MAX_ROWS", pension_part)
        summary = generate_city(out, PERSONS, seed=SEED, noise=noise, slice_persons=SLICE)
    assert summary.slices == 3 and summary.persons == PERSONS
    return json.loads((out / "truth" / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sliced-clean")
    _generate(out, NoiseRates.none())
    return out


@pytest.fixture(scope="module")
def noisy(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sliced-noisy")
    _generate(out, None, PENSION_PART)
    return out


def test_slice_sizes() -> None:
    assert slice_sizes(6000, 2000) == [2000, 2000, 2000]
    assert slice_sizes(6001, 2000) == [1501, 1500, 1500, 1500]
    assert slice_sizes(1500, 1_000_000) == [1500]
    with pytest.raises(ValueError):
        slice_sizes(0, 10)


def test_keys_are_unique_across_slices(clean: Path) -> None:
    landing = clean / "landing"
    header, rows = _csv_rows(landing / "ga.population" / f"{CURRENT}.csv", "ga.population")
    ids = [r[0] for r in rows]
    assert len(ids) == PERSONS and len(set(ids)) == PERSONS
    # A household is one block of lines: a number reused by another slice would start a second.
    households = [r[header.index("户号")] for r in rows]
    blocks = [h for i, h in enumerate(households) if i == 0 or h != households[i - 1]]
    assert len(blocks) == len(set(blocks))
    for code, column in (("ga.vehicles", 0), ("gjj.deposits", 0), ("mz.recipients", 0)):
        _, records = _csv_rows(landing / code / f"{CURRENT}.csv", code)
        keys = [r[column] for r in records]
        assert len(keys) == len(set(keys)), code
    _, members = _csv_rows(landing / "mz.members" / f"{CURRENT}.csv", "mz.members")
    assert len({(r[0], r[1]) for r in members}) == len(members)
    for code, key in (("wj.deaths", "certificate_no"), ("sj.enterprises", "uscc")):
        keys = [o[key] for o in _jsonl(landing / code / f"{CURRENT}.jsonl")]
        assert len(keys) == len(set(keys)), code
    estate = pq.read_table(landing / "zr.real_estate" / f"{CURRENT}.parquet")
    assert estate.num_rows == len(set(estate["certificate_no"].to_pylist()))
    assert pq.read_metadata(landing / "zr.real_estate" / f"{CURRENT}.parquet").num_row_groups == 3
    pensions = [r[0] for r in _xlsx_rows(landing / "rs.pensions" / f"{CURRENT}.xlsx")[1:]]
    assert len(pensions) == len(set(pensions))


def test_each_file_is_whole(noisy: Path) -> None:
    manifest = json.loads((noisy / "truth" / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        path = noisy / entry["path"]
        r = RESOURCES[entry["resource"]]
        if r.fmt == "csv":
            raw = path.read_bytes()
            header = r.delimiter.join(r.columns).encode(r.encoding.replace("-sig", ""))
            assert raw.count(header) == 1 and raw.startswith(b"\xef\xbb\xbf" * (r.encoding == "utf-8-sig") + header)
            assert raw.count(b"\xef\xbb\xbf") == (r.encoding == "utf-8-sig")
            lines = raw.split(b"\n")
            assert b"" not in lines[:-1]  # no blank line where slices meet
            assert len(lines) - 1 - (lines[-1] == b"") == entry["records"]
        elif r.fmt == "jsonl":
            assert len(_jsonl(path)) == entry["records"]
    parts = [e for e in manifest["files"] if e["resource"] == "rs.pensions"]
    assert [e["path"] for e in parts] == [f"landing/rs.pensions/{CURRENT}/part-{k}.xlsx" for k in range(1, len(parts) + 1)]
    assert len(parts) >= 3 and all(e["records"] == PENSION_PART for e in parts[:-1])
    for entry in parts:
        rows = _xlsx_rows(noisy / entry["path"])
        assert tuple(rows[0]) == RESOURCES["rs.pensions"].columns and len(rows) - 1 == entry["records"]
    assert not list((noisy / "landing").rglob("*.part"))


def test_truth_is_the_whole_city_truth(clean: Path, noisy: Path) -> None:
    """Evaluated over the three slices' files together, the rules give exactly the truth the
    slices wrote one by one: nothing in one slice changes a case of another."""
    truth = read_truth(clean / "truth" / "crosscheck.csv")
    assert evaluate(_read_tables(clean / "landing"), demo_place().standards) == truth
    planted = [line for line in (clean / "truth" / "crosscheck.csv").read_text().splitlines() if ",planted," in line]
    assert len(planted) >= 3 * 20  # every slice planted its scenarios
    assert (noisy / "truth" / "crosscheck.csv").read_bytes() == (clean / "truth" / "crosscheck.csv").read_bytes()


def test_sliced_city_ingests_balanced_and_scores_one(noisy: Path, tmp_path: Path, monkeypatch) -> None:
    settings = make_settings(tmp_path / "home", noisy / "landing", monkeypatch)
    registry = open_registry(settings)
    for resource in delivered_resources():
        ingest(settings, registry, resource.code)
    manifest = json.loads((noisy / "truth" / "manifest.json").read_text(encoding="utf-8"))
    delivered: dict[tuple[str, str], int] = defaultdict(int)
    noise: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for entry in manifest["files"]:
        delivered[(entry["resource"], entry["batch_id"])] += entry["records"]
        noise[(entry["resource"], entry["batch_id"])].update(entry["noise"])
    batches = {(b.resource_code, b.batch_id): b for r in delivered_resources() for b in registry.batches(r.code)}
    assert set(batches) == set(delivered)
    for key, records in delivered.items():
        batch = batches[key]
        assert batch.status is BatchStatus.PUBLISHED, batch.reason
        assert batch.rows_in == records == batch.rows_accepted + batch.rows_quarantined, key
        for rules, kinds in STRUCTURAL.items():
            planted = sum(noise[key].get(kind, 0) for kind in kinds)
            assert sum(batch.quarantine_by_rule.get(rule, 0) for rule in rules) == planted, (key, rules)
    result = run_crosscheck(settings, registry)
    for s in score(read_flag_pairs(Path(result.flags_path)), read_truth(noisy / "truth" / "crosscheck.csv")):
        assert s.expected >= 3, s  # every rule planted in every slice
        assert (s.rule, s.precision, s.recall) == (s.rule, 1.0, 1.0), s


def test_same_seed_same_sliced_city(clean: Path, tmp_path: Path) -> None:
    _generate(tmp_path, NoiseRates.none())
    files = sorted(p.relative_to(clean).as_posix() for p in clean.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    for name in files:
        assert (clean / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_key_shares_are_disjoint() -> None:
    first, second = KeyRegistry(Share(0, 2)), KeyRegistry(Share(1, 2))
    rng = np.random.default_rng(0)
    a, b = first.many("plate", rng, 100, 50), second.many("plate", rng, 100, 40)
    assert set(a.tolist()) == set(range(50)) and set(b.tolist()) <= set(range(50, 100))
    assert second.one("plate", rng, 100) not in set(b.tolist()) | set(range(50))
    with pytest.raises(ValueError, match="exhausted"):
        first.one("plate", rng, 100)


def test_a_slice_avoids_ids_held_or_barred_before() -> None:
    """The same stream draws the same IDs; told which are taken, a later slice draws others."""
    first = build_world(3000, np.random.default_rng(1))
    assert build_world(3000, np.random.default_rng(1)).ids == first.ids
    held, barred = TakenIds(), TakenIds()
    held.hold(first.issued_ids())
    barred.bar(first.ids)
    for taken in (held, barred):
        again = build_world(3000, np.random.default_rng(1), taken=taken)
        assert not set(again.ids) & set(first.ids)
        assert len(set(again.ids)) == 3000 and all(is_valid_id(i) for i in again.ids)
        assert taken.has(first.ids[0]) and not taken.has(again.ids[0]) and not taken.has("not an id")


def test_a_typo_bars_its_neighbourhood() -> None:
    """A typo keeps, in the whole city, the one ID within reach it had in its slice."""
    rng = np.random.default_rng(2)
    world = build_world(3000, rng)
    planter = Planter(world, rng, KeyRegistry(), {code: TableBuilder(r) for code, r in RESOURCES.items()})
    original = world.ids[0]
    typo = planter.typo(original, "substitution")
    within_reach = [c for c in neighbours(typo) if is_valid_id(c) and c != original]
    assert within_reach and all(world.taken.has(c) for c in within_reach)


def test_the_very_old_get_namesakes_too() -> None:
    """Donors are under 80; a person of 95 or more (more likely met in many slices) still gets one."""
    rng = np.random.default_rng(3)
    world = build_world(3000, rng)
    planter = Planter(world, rng, KeyRegistry(), {code: TableBuilder(r) for code, r in RESOURCES.items()})
    oldest = int(np.argmax(np.where(world.status == ACTIVE, planter.age, 0)))
    assert planter.age[oldest] >= 95
    name, birth = world.names[oldest], world.birth[oldest]
    double = planter.namesake(oldest)
    assert double != oldest and world.names[double] == name and world.birth[double] == birth
    assert world.ids[double] != world.ids[oldest] and is_valid_id(world.ids[double])
    assert all(planter.age[planter.resident()] < 95 for _ in range(200))


def test_a_pension_batch_is_one_delivery_in_parts_or_whole(tmp_path: Path, monkeypatch) -> None:
    """Parts land under `<batch>/` only once complete; writing the batch again the other way
    round leaves one delivery, never the batch twice."""
    from catalog import resource
    from pipelines.citygen.noise import NoisyTable
    from pipelines.citygen.writers import _sample_table, write_batch
    from pipelines.ingest.landing import find_deliveries

    table = _sample_table(RESOURCES["rs.pensions"], CURRENT, rows=3)
    for max_rows, files in ((2, ["part-1.xlsx", "part-2.xlsx"]), (10, [f"{CURRENT}.xlsx"]), (1, ["part-1.xlsx", "part-2.xlsx", "part-3.xlsx"])):
        monkeypatch.setattr("pipelines.citygen.writers.XLSX_MAX_ROWS", max_rows)
        written = write_batch(NoisyTable(table), tmp_path)
        assert [p.name for p, _ in written] == files and sum(n for _, n in written) == 3
        deliveries = find_deliveries(tmp_path, resource("rs.pensions"))
        assert [(d.batch_id, [f.name for f in d.files]) for d in deliveries] == [(CURRENT, files)]
