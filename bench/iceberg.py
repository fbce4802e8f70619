"""The Iceberg commit of each publication against the publication itself (issue 19).

A generated city (cached under bench/out/) is delivered one batch at a time into a fresh home;
each batch is ingested (raw, standardised) and published with the hub's own steps, then its
Iceberg table brought up to date (`catalog.iceberg.sync_resource`), each step timed in the same
run (the publication as the `published/<table>` asset makes it: `publish()` without the quality
gate, then the analysts' views rebuilt). A last month of social insurance re-delivers a tenth of the month before (corrected
records): that publication's Iceberg commit writes position deletes. Figures: per publication,
the Iceberg commit ÷ the publication (`publish()` + the views) and ÷ the whole ingestion of
the batch (raw, standardised, published); then the no-op sync of
every table (`hub iceberg sync` when nothing is behind).

    python bench/iceberg.py --persons 100000
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
sys.path.insert(0, str(ROOT.parent))

from ingest import ensure_city, run_facts, timed

from catalog import RESOURCES, HubSettings, open_registry
from catalog.analystdb import rebuild_analyst_db
from catalog.iceberg import open_catalog, sync_all, sync_resource
from pipelines.ingest import ingest_raw, publish, standardise

CORRECTED = "20261201T020000"


def corrected_month(city: Path, landing: Path) -> Path:
    """A month after the newest re-delivering every tenth record of it, amounts changed."""
    newest = max((city / "landing" / "rs.social_insurance").glob("2*"))
    lines = newest.read_bytes().splitlines(keepends=True)
    target = landing / "rs.social_insurance" / f"{CORRECTED}{newest.suffix}"
    target.write_bytes(b"".join([lines[0], *(line.replace(b".00", b".50")
                                             for line in lines[1::10])]))
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    city, _ = ensure_city(args.persons, args.seed)
    work = OUT / f"iceberg-{args.persons}"
    shutil.rmtree(work, ignore_errors=True)
    landing = work / "landing"
    settings = HubSettings(home=work / "home", landing=landing)
    registry = open_registry(settings)
    _, open_s, _ = timed(lambda: open_catalog(settings))  # pyiceberg's import and the catalog
    deliveries = sorted((d.parent.name, d) for d in (city / "landing").glob("*/2*")
                        if d.parent.name in RESOURCES)
    deliveries.append(("rs.social_insurance", None))
    rows = []
    for code, source in deliveries:
        res = RESOURCES[code]
        (landing / code).mkdir(parents=True, exist_ok=True)
        delivered = corrected_month(city, landing) if source is None else \
            Path(shutil.copy2(source, landing / code / source.name))
        _, ingest_s, _ = timed(lambda res=res: (ingest_raw(settings, registry, res),
                                                         standardise(settings, registry, res)))
        (publication, _), publish_s, publish_cpu = timed(
            lambda res=res: (publish(settings, registry, res),
                             rebuild_analyst_db(settings, registry, list(RESOURCES.values())))[0])
        synced, iceberg_s, iceberg_cpu = timed(
            lambda res=res: sync_resource(settings, registry, res))
        assert not synced.error and synced.version == publication.version, synced
        rows.append({
            "resource": code, "batch": delivered.stem, "rows": publication.rows,
            "snapshots": synced.snapshots, "ingest_s": round(ingest_s, 3),
            "publish_s": round(publish_s, 3), "iceberg_s": round(iceberg_s, 3),
            "iceberg_cpu_s": round(iceberg_cpu, 3), "publish_cpu_s": round(publish_cpu, 3),
            "iceberg_per_publish": round(iceberg_s / publish_s, 2),
            "iceberg_per_ingest_and_publish": round(iceberg_s / (ingest_s + publish_s), 3),
        })
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    results, noop_s, _ = timed(lambda: sync_all(settings, registry, list(RESOURCES.values())))
    assert all(not r.error and r.snapshots == 0 for r in results)
    total = {k: round(sum(r[k] for r in rows), 2) for k in ("ingest_s", "publish_s", "iceberg_s")}
    print(json.dumps({
        "persons": args.persons, **run_facts(), "catalog_open_s": round(open_s, 2),
        "publications": len(rows), **total,
        "iceberg_per_publish": round(total["iceberg_s"] / total["publish_s"], 2),
        "iceberg_per_ingest_and_publish": round(
            total["iceberg_s"] / (total["ingest_s"] + total["publish_s"]), 3),
        "noop_sync_all_s": round(noop_s, 2), "tables": len(results)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
