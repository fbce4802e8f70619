"""The landing sensor's one pass over many resources (`pending_by_resource`) finds what asking
resource by resource finds: new batches, a refused batch delivered again, nothing read twice."""

from __future__ import annotations

import os
import time

from catalog import delivered_resources, open_registry
from pipelines.ingest import ingest_raw, pending_by_resource, pending_deliveries


def _one_by_one(settings, registry) -> dict[str, list[str]]:
    found = {r.code: [d.batch_id for d in pending_deliveries(settings, registry, r)]
             for r in delivered_resources()}
    return {code: ids for code, ids in found.items() if ids}


def _at_once(settings, registry) -> dict[str, list[str]]:
    return {code: [d.batch_id for d in found] for code, found in
            pending_by_resource(settings, registry, delivered_resources()).items()}


def test_one_pass_finds_what_each_resource_finds(settings):
    registry = open_registry(settings)
    (settings.landing_dir / "ga.vehicles").mkdir(exist_ok=True)  # no batches: not listed
    before = _at_once(settings, registry)
    assert before == _one_by_one(settings, registry)
    assert set(before) == {r.code for r in delivered_resources()
                           if any((settings.landing_dir / r.code).iterdir())}

    members = next(r for r in delivered_resources() if r.code == "mz.members")
    outcomes = ingest_raw(settings, registry, members)
    assert outcomes
    after = _at_once(settings, registry)
    assert "mz.members" not in after and after == _one_by_one(settings, registry)

    # A batch refused before it was read, delivered again (new bytes), is pending again.
    folder = settings.landing_dir / "mz.members"
    bad = folder / "20991231T000000.csv"
    bad.write_text("", encoding="utf-8")  # empty: rejected whole
    assert _at_once(settings, registry) == {**after, "mz.members": ["20991231T000000"]}
    ingest_raw(settings, registry, members)
    assert "mz.members" not in _at_once(settings, registry)
    bad.write_text("a,b\n", encoding="utf-8")
    later = time.time() + 5
    os.utime(bad, (later, later))
    assert _at_once(settings, registry)["mz.members"] == ["20991231T000000"]
    assert _at_once(settings, registry) == _one_by_one(settings, registry)
    registry.dispose()
