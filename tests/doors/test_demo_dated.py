"""A demo is delivered the day it is made, so a first run finds nothing late; a city made as of
a given day is dated deterministically (same records, batch ids moved by whole days)."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from catalog.timefmt import BEIJING
from pipelines.citygen import generate_city
from tests.doors.cli import run_hub


def _files(root) -> list:
    return sorted(p for p in (root / "landing").rglob("*") if p.is_file())


def test_a_city_made_as_of_a_day_is_delivered_that_day_with_the_same_records(tmp_path):
    generate_city(tmp_path / "own", persons=1000, seed=5)
    generate_city(tmp_path / "dated", persons=1000, seed=5, as_of=date(2027, 3, 15))
    own = sorted(p.name for p in (tmp_path / "own" / "landing" / "rs.social_insurance").iterdir())
    dated = sorted(p.name for p in (tmp_path / "dated" / "landing" / "rs.social_insurance")
                   .iterdir())
    assert own == ["20260901T020000.csv", "20261001T020000.csv", "20261101T020000.csv"]
    assert dated == ["20270113T020000.csv", "20270212T020000.csv", "20270315T020000.csv"]
    newest = {p.parent.name: max(q.name[:8] for q in p.parent.iterdir())
              for p in (tmp_path / "dated" / "landing").glob("*/*")}
    assert set(newest.values()) == {"20270315"}
    # the same bytes, batch for batch, in the same order
    pairs = zip(_files(tmp_path / "own"), _files(tmp_path / "dated"), strict=True)
    assert all(a.read_bytes() == b.read_bytes() for a, b in pairs)
    manifest = json.loads((tmp_path / "dated" / "truth" / "manifest.json").read_text())
    assert all((tmp_path / "dated" / f["path"]).is_file() and f["path"].endswith(
        f"/{f['batch_id']}" + f["path"][f["path"].rfind("."):]) for f in manifest["files"])


@pytest.mark.slow
def test_a_fresh_demo_finds_nothing_late(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    done = run_hub("demo", "--persons", "1000", home=home, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    today = datetime.now(BEIJING).date().strftime("%Y%m%d")
    assert f"delivered {datetime.now(BEIJING).date()}" in done.stdout
    found = run_hub("audits", "findings", "--all", "--json", home=home)
    assert found.returncode == 0, found.stderr
    assert [f for f in json.loads(found.stdout) if f["audit"] == "freshness"] == []
    listed = json.loads(run_hub("catalog", "list", "--json", home=home).stdout)
    delivered = {r["code"]: r["hub"] for r in listed if r["hub"]["last_delivery"]}
    assert delivered and {h["freshness"] for h in delivered.values()} == {"fresh"}
    # Deliveries are dated in Beijing time; the hub's own runs (`<UTC stamp>-<run>`) are not.
    assert all(h["current_batches"][-1].startswith(today) for h in delivered.values()
               if h["current_batches"] and "-" not in h["current_batches"][-1])
