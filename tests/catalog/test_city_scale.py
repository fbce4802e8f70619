"""A city of many resources (issue 17, item 5): a generated city folder installs with
`hub init --profile`, `hub catalog list` shows it a page at a time with the totals, and the
registry keeps declarations in step in one pass."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from catalog import HubSettings
from catalog.city import PROFILES, load_city
from catalog.model import Resource
from catalog.registry import Registry, ResourceEntry, open_registry
from pipelines.citygen.city_folder import write_city_folder
from pipelines.citygen.directory import generate_directory
from tests.cli import assert_one_line_error, clean_env, hub

ROOT = Path(__file__).resolve().parents[2]
GENERATED = 60  # with the demo's 12: 72 resources, two pages of 50


@pytest.fixture(scope="module")
def city_home(tmp_path_factory):
    out = tmp_path_factory.mktemp("scale")
    made = hub("generate-directory", "--resources", GENERATED, "--departments", 12,
               "--out", out, "--city", env=clean_env())
    assert made.returncode == 0, made.stderr
    assert f"hub init --profile {out / 'city'}" in made.stdout
    home = out / "home"
    init = hub("--home", home, "init", "--profile", out / "city", env=clean_env())
    assert init.returncode == 0, init.stderr
    assert "72 resources" in init.stdout
    return home


def test_a_city_folder_holds_the_demo_and_the_generated_declarations(tmp_path):
    declared = generate_directory(GENERATED, 12, seed=3)
    assert write_city_folder(declared, tmp_path / "city") == 72
    city = load_city(tmp_path / "city")
    assert set(city.resources) == ({r.code for r in declared}
                                   | set(load_city(PROFILES / "huizhou").resources))
    assert "hub.audit_findings" in city.resources  # the demo city's own declarations
    assert {r.provider.code for r in declared} <= set(city.departments)
    one = declared[5]
    assert city.resources[one.code] == one  # the same declaration, read back from the folder
    stored = json.loads((tmp_path / "city/resources" / f"{one.code}.json").read_text("utf-8"))
    assert stored["provider"] == one.provider.code


def test_catalog_list_pages_with_totals(city_home):
    env = clean_env(home=city_home)
    first = hub("catalog", "list", "--json", env=env)
    assert first.returncode == 0, first.stderr
    assert len(json.loads(first.stdout)) == 50
    assert "resources 1–50 of 72 (page 1 of 2)" in first.stderr
    second = hub("catalog", "list", "--json", "--page", 2, env=env)
    rows = json.loads(second.stdout)
    assert len(rows) == 22 and "resources 51–72 of 72 (page 2 of 2)" in second.stderr
    every = json.loads(hub("catalog", "list", "--json", "--all", env=env).stdout)
    assert [r["code"] for r in every[50:]] == [r["code"] for r in rows]
    assert len({r["code"] for r in every}) == 72
    small = hub("catalog", "list", "--limit", 10, "--page", 8, env=env)
    assert small.returncode == 0 and "resources 71–72 of 72 (page 8 of 8)" in small.stderr
    assert len(small.stdout.strip().splitlines()) == 2 + 2  # the header, its rule, two rows


def test_a_page_past_the_end_is_one_line_error(city_home):
    past = hub("catalog", "list", "--page", 3, env=clean_env(home=city_home))
    assert_one_line_error(past, "--page", "72 in all", "2 pages of 50")


def test_declarations_are_synced_in_one_pass_keeping_what_is_unchanged(tmp_path):
    settings = HubSettings(home=tmp_path / "home")
    settings.home.mkdir()
    registry = open_registry(settings)
    with registry.session() as s:
        before = {e.code: e.updated_at for e in s.scalars(select(ResourceEntry))}
        entry = s.get(ResourceEntry, "ga.vehicles")
        declared = Resource.model_validate(entry.declaration)
        entry.updated_at -= timedelta(days=1)
    changed = declared.model_copy(update={"abstract": "改过的摘要"})
    added = declared.model_copy(update={"code": "ga.vehicles_copy"})
    others = [Resource.model_validate(d) for (d,) in _declarations(registry)
              if d["code"] != "ga.vehicles"]
    registry.sync_declarations([*others, changed, added])
    with registry.session() as s:
        after = {e.code: e for e in s.scalars(select(ResourceEntry))}
    assert after["ga.vehicles"].declaration["abstract"] == "改过的摘要"
    assert after["ga.vehicles"].updated_at > before["ga.vehicles"] - timedelta(days=1)
    assert after["ga.vehicles_copy"].name == declared.name
    assert all(after[code].updated_at == before[code] for code in before
               if code != "ga.vehicles")
    registry.dispose()


def _declarations(registry: Registry):
    with registry.session() as s:
        return list(s.execute(select(ResourceEntry.declaration)))


def test_a_process_that_read_the_city_exits_without_noise():
    """The city is kept out of the collector's full passes (`gc.freeze`), and handed back at
    exit: DuckDB's bindings would otherwise report its objects as leaked on stderr."""
    code = ("import duckdb; duckdb.connect().execute('SELECT 1').fetchall()\n"
            "from catalog import RESOURCES; assert len(RESOURCES) == 12")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, env=clean_env(), timeout=120, check=False)
    assert (done.returncode, done.stderr) == (0, "")
