"""`generate_city`: build the clean world, plant the doubtful cases, compute the truth, then write
every batch with noise, the truth files and the manifest.

A large city is made in slices of at most `slice_persons` residents, so memory stays bounded
whatever the size: each slice is a self-contained part of the city (its households, cases,
planted cases and decoys, noise), appended to the same batch files. ID numbers stay unique
across slices (each slice avoids the IDs of the ones before it), the other keys (household
numbers, case numbers, plates, certificates, accounts, USCCs) come from disjoint shares of
their key spaces, and a slice's truth is the city's truth for its cases, since no record of
one slice names a person of another.
"""

from __future__ import annotations

import csv
import json
import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from catalog.city import CityProfile

from .cases import Planter
from .dating import date_landing
from .idspace import TakenIds
from .keys import KeyRegistry, Share
from .noise import NoiseRates, apply_noise
from .place import Place, demo_place
from .records import People, add_bulk_records, add_population
from .scenarios import plant_all
from .tables import RESOURCES, Table, TableBuilder
from .truth import SEVERITY, evaluate
from .world import build_world
from .writers import BatchFile, open_batch

__all__ = ["DEFAULT_SLICE_PERSONS", "CitySummary", "generate_city"]

# 1 M persons take about 3.5 GB while their slice is built: the default keeps a city of any size
# well inside a 24 GB machine shared with other work.
DEFAULT_SLICE_PERSONS = 1_000_000
_UNSHUFFLED = {"ga.population", "mz.recipients", "mz.members"}  # kept in household / case order


@dataclass(frozen=True)
class CitySummary:
    """What was generated, for logs and benchmarks."""

    persons: int
    households: int
    cases: int
    active_cases: int
    planted_cases: int
    files: int
    records: int
    truth_flags: int
    decoys: int
    noise: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    slices: int = 1


@dataclass
class _Truth:
    """What the slices found so far: truth rows, decoys and case counts (small: per case)."""

    flags: list[tuple[str, str, str]] = field(default_factory=list)  # case_no, rule, planted scenario
    decoys: list[tuple[str, str, str]] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)


def slice_sizes(persons: int, slice_persons: int) -> list[int]:
    """Near-equal slices of at most `slice_persons` residents."""
    if persons < 1 or slice_persons < 1:
        raise ValueError("persons and slice_persons must be positive")
    count = -(-persons // slice_persons)
    return [persons // count + (1 if k < persons % count else 0) for k in range(count)]


def generate_city(out: Path, persons: int, seed: int, noise: NoiseRates | None = None,
                  slice_persons: int = DEFAULT_SLICE_PERSONS,
                  on_slice: Callable[[int, int], None] | None = None,
                  as_of: date | None = None, city: CityProfile | None = None) -> CitySummary:
    """Write out/landing/<resource>/<batch>.<ext>, out/truth/{crosscheck,decoys}.csv and
    out/truth/manifest.json for a city of `persons` residents; same seed, same bytes.
    `on_slice(done, slices)` is told after each slice (progress for long runs). With `as_of`,
    its deliveries are dated that day (batch ids, see `dating`). `city`: the profile whose
    districts, standards and names the deliveries use (default: the demo's, 惠州)."""
    started = time.perf_counter()
    place = demo_place() if city is None else Place.of(city)
    out = Path(out)
    rates = NoiseRates() if noise is None else noise
    sizes = slice_sizes(persons, slice_persons)
    taken = TakenIds()
    truth = _Truth()
    files: dict[tuple[str, str], BatchFile] = {}
    noise_counts: dict[tuple[str, str], Counter] = {}
    for index, size in enumerate(sizes):
        share = Share(index, len(sizes))
        tables, guard = _slice(size, seed, share, taken, truth, place)
        for code, batches in tables.items():
            for table in batches:
                key = (code, table.batch_id)
                if key not in files:
                    files[key] = open_batch(table.resource, table.batch_id, out / "landing")
                    noise_counts[key] = Counter()
                noisy = apply_noise(table, rates, _batch_rng(seed, table, index), guard, last=index == len(sizes) - 1,
                                    unknown_districts=place.unknown_districts)
                noise_counts[key].update(noisy.counts)
                files[key].append(noisy)
        del tables, guard  # before the next slice is built
        if on_slice is not None:
            on_slice(index + 1, len(sizes))

    manifest = []
    for key, batch in files.items():
        counts = {k: v for k, v in sorted(noise_counts[key].items()) if v}
        for part, (path, records) in enumerate(batch.close()):
            manifest.append({  # a batch split into parts reports its noise on the first part
                "resource": key[0], "batch_id": key[1], "path": path.relative_to(out).as_posix(),
                "records": records, "noise": counts if part == 0 else {},
            })
    if as_of is not None:  # delivered that day (see `dating`): same records, new batch ids
        moved = date_landing(out / "landing", as_of)
        for entry in manifest:
            new = moved.get((entry["resource"], entry["batch_id"]), entry["batch_id"])
            entry["path"] = entry["path"].replace(f"/{entry['batch_id']}", f"/{new}", 1)
            entry["batch_id"] = new
    folder = out / "truth"
    folder.mkdir(parents=True, exist_ok=True)
    _write_truth(folder, truth)
    total_noise = Counter()
    for entry in manifest:
        total_noise.update(entry["noise"])
    (folder / "manifest.json").write_text(json.dumps({"seed": seed, "persons": persons, "files": manifest}, ensure_ascii=False, indent=1), encoding="utf-8")
    c = truth.counts
    return CitySummary(
        persons=c["persons"], households=c["households"], cases=c["cases"], active_cases=c["active_cases"],
        planted_cases=c["planted_cases"], files=len(manifest), records=sum(e["records"] for e in manifest),
        truth_flags=len(truth.flags), decoys=len(truth.decoys), noise=dict(sorted(total_noise.items())),
        seconds=round(time.perf_counter() - started, 2), slices=len(sizes),
    )


def _slice(persons: int, seed: int, share: Share, taken: TakenIds, truth: _Truth,
           place: Place) -> tuple[dict[str, list[Table]], set[str]]:
    """One self-contained part of the city: its clean tables (noise comes later) and the IDs of
    its case members (kept clear of destructive noise); adds its truth to `truth` and its IDs
    to `taken`."""
    rng = np.random.default_rng(seed if share.index == 0 else [seed, share.index])
    world = build_world(persons, rng, share, taken, place)
    keys = KeyRegistry(share)
    builders = {code: TableBuilder(resource) for code, resource in RESOURCES.items()}
    planter = Planter(world, rng, keys, builders)
    plant_all(planter, copies=max(1, round(persons / 100_000)), namesake_pairs=max(3, persons // 2000))
    planter.add_random_cases(max(5, round(0.01 * world.households)))
    planter.write_cases()
    weight, protected = planter.person_masks()
    add_population(world, protected, builders["ga.population"])
    add_bulk_records(People(world, weight, protected), rng, keys, builders)
    tables = {code: b.build(rng, shuffle=code not in _UNSHUFFLED) for code, b in builders.items()}

    flags = evaluate(tables, place.standards)
    _check_expectations(planter, flags)
    planted = {(e.case_no, e.rule): e.kind for e in planter.expectations if e.positive}
    truth.flags.extend((case_no, rule, planted.get((case_no, rule), "")) for case_no, rule in flags)
    truth.decoys.extend((e.case_no, e.rule, e.kind) for e in planter.expectations if not e.positive)
    truth.counts.update(
        persons=world.persons, households=world.households, cases=len(planter.cases),
        active_cases=sum(c.status == "在保" for c in planter.cases), planted_cases=sum(c.planted for c in planter.cases),
    )
    guard = {world.ids[m.person] for c in planter.cases for m in c.members if m.person >= 0}
    taken.hold(world.issued_ids())
    return tables, guard


def _batch_rng(seed: int, table: Table, index: int) -> np.random.Generator:
    """Noise for each batch (and slice) from its own stream, so batches do not depend on each other."""
    stream = zlib.crc32(f"{table.resource.code}/{table.batch_id}".encode())
    return np.random.default_rng([seed, stream] if index == 0 else [seed, stream, index])


def _check_expectations(planter: Planter, flags: set[tuple[str, str]]) -> None:
    """Every planted positive must be in the truth and no decoy may be: else the generator is wrong."""
    wrong = [e for e in planter.expectations if ((e.case_no, e.rule) in flags) != e.positive]
    if wrong:
        raise RuntimeError(f"planted scenarios disagree with the evaluated truth: {wrong[:5]}")


def _write_truth(folder: Path, truth: _Truth) -> None:
    with open(folder / "crosscheck.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["case_no", "rule", "severity", "kind", "scenario"])
        for case_no, rule, scenario in sorted(truth.flags):
            writer.writerow([case_no, rule, SEVERITY[rule], "planted" if scenario else "incidental", scenario])
    with open(folder / "decoys.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["case_no", "rule", "decoy_kind"])
        for row in sorted(truth.decoys):
            writer.writerow(row)
