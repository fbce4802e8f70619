"""`generate_city`: build the clean world, plant the doubtful cases, compute the truth, then write
every batch with noise, the truth files and the manifest."""

from __future__ import annotations

import csv
import json
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .assets import People, add_bulk_records, add_population
from .cases import Planter
from .keys import KeyRegistry
from .noise import NoiseRates, apply_noise
from .scenarios import plant_all
from .tables import RESOURCES, Table, TableBuilder
from .truth import SEVERITY, evaluate
from .world import build_world
from .writers import write_batch

__all__ = ["CitySummary", "generate_city"]

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


def generate_city(out: Path, persons: int, seed: int, noise: NoiseRates | None = None) -> CitySummary:
    """Write out/landing/<resource>/<batch>.<ext>, out/truth/{crosscheck,decoys}.csv and
    out/truth/manifest.json for a city of `persons` residents; same seed, same bytes."""
    started = time.perf_counter()
    out = Path(out)
    rates = NoiseRates() if noise is None else noise
    rng = np.random.default_rng(seed)
    world = build_world(persons, rng)
    keys = KeyRegistry()
    builders = {code: TableBuilder(resource) for code, resource in RESOURCES.items()}
    planter = Planter(world, rng, keys, builders)
    plant_all(planter, copies=max(1, round(persons / 100_000)), namesake_pairs=max(3, persons // 2000))
    planter.add_random_cases(max(5, round(0.01 * world.households)))
    planter.write_cases()
    weight, protected = planter.person_masks()
    add_population(world, protected, builders["ga.population"])
    add_bulk_records(People(world, weight, protected), rng, keys, builders)
    tables = {code: b.build(rng, shuffle=code not in _UNSHUFFLED) for code, b in builders.items()}

    flags = evaluate(tables)
    _check_expectations(planter, flags)
    truth = out / "truth"
    truth.mkdir(parents=True, exist_ok=True)
    _write_truth(truth, planter, flags)

    guard = {world.ids[m.person] for c in planter.cases for m in c.members if m.person >= 0}
    manifest = []
    for code, batches in tables.items():
        for table in batches:
            noisy = apply_noise(table, rates, _batch_rng(seed, table), guard)
            counts = {k: v for k, v in sorted(noisy.counts.items()) if v}
            for part, (path, records) in enumerate(write_batch(noisy, out / "landing")):
                manifest.append({  # a batch split into parts reports its noise on the first part
                    "resource": code, "batch_id": table.batch_id, "path": path.relative_to(out).as_posix(),
                    "records": records, "noise": counts if part == 0 else {},
                })
    total_noise = Counter()
    for entry in manifest:
        total_noise.update(entry["noise"])
    (truth / "manifest.json").write_text(json.dumps({"seed": seed, "persons": persons, "files": manifest}, ensure_ascii=False, indent=1), encoding="utf-8")
    active = sum(c.status == "在保" for c in planter.cases)
    return CitySummary(
        persons=world.persons, households=world.households, cases=len(planter.cases), active_cases=active,
        planted_cases=sum(c.planted for c in planter.cases), files=len(manifest), records=sum(e["records"] for e in manifest),
        truth_flags=len(flags), decoys=sum(not e.positive for e in planter.expectations),
        noise=dict(sorted(total_noise.items())), seconds=round(time.perf_counter() - started, 2),
    )


def _batch_rng(seed: int, table: Table) -> np.random.Generator:
    """Noise for each batch from its own stream, so batches do not depend on each other."""
    return np.random.default_rng([seed, zlib.crc32(f"{table.resource.code}/{table.batch_id}".encode())])


def _check_expectations(planter: Planter, flags: set[tuple[str, str]]) -> None:
    """Every planted positive must be in the truth and no decoy may be: else the generator is wrong."""
    wrong = [e for e in planter.expectations if ((e.case_no, e.rule) in flags) != e.positive]
    if wrong:
        raise RuntimeError(f"planted scenarios disagree with the evaluated truth: {wrong[:5]}")


def _write_truth(folder: Path, planter: Planter, flags: set[tuple[str, str]]) -> None:
    planted = {(e.case_no, e.rule): e.kind for e in planter.expectations if e.positive}
    with open(folder / "crosscheck.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["case_no", "rule", "severity", "kind", "scenario"])
        for case_no, rule in sorted(flags):
            scenario = planted.get((case_no, rule), "")
            writer.writerow([case_no, rule, SEVERITY[rule], "planted" if scenario else "incidental", scenario])
    with open(folder / "decoys.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["case_no", "rule", "decoy_kind"])
        for e in sorted((e for e in planter.expectations if not e.positive), key=lambda e: (e.case_no, e.rule, e.kind)):
            writer.writerow([e.case_no, e.rule, e.kind])
