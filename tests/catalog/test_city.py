"""The city is data: profiles and resource declarations read, checked and installed by
`hub init`; nothing about 惠州 is needed in code for 东莞 to work."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from catalog.city import PROFILES, ProfileError, load_city, resource_schema
from tests.cli import assert_one_line_error, clean_env, hub

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = {"ga.population", "ga.vehicles", "wj.deaths", "rs.social_insurance", "rs.pensions",
            "gjj.deposits", "zr.real_estate", "sj.enterprises", "mz.recipients", "mz.members"}


@pytest.mark.parametrize("name", ["huizhou", "dongguan"])
def test_each_shipped_city_declares_the_contract_and_names_itself(name):
    city = load_city(PROFILES / name)
    delivered = {c for c, r in city.resources.items() if r.is_delivered}
    assert delivered == CONTRACT
    assert {r.provider.name[:3] for r in city.resources.values()} <= {city.profile.name, "东莞住"}
    assert all(c in city.profile.districts for c in city.profile.assistance.standards)


def test_dongguan_lists_its_towns_as_districts():
    profile = load_city(PROFILES / "dongguan").profile
    assert len(profile.districts) == 32 and profile.districts["441900121"] == "虎门镇"
    assert all(code.startswith("441900") and len(code) == 9 for code in profile.districts)


def test_the_published_schema_is_current_and_every_declaration_meets_it():
    published = json.loads((ROOT / "docs/schema/resource.schema.json").read_text("utf-8"))
    assert published == resource_schema(), "regenerate docs/schema/resource.schema.json"
    for path in PROFILES.glob("*/resources/*.json"):
        jsonschema.validate(json.loads(path.read_text("utf-8")), published)


def _copy(tmp_path: Path, name: str = "huizhou") -> Path:
    folder = tmp_path / name
    shutil.copytree(PROFILES / name, folder)
    return folder


def _edit(path: Path, change) -> None:
    data = json.loads(path.read_text("utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")


@pytest.mark.parametrize(("change", "words"), [
    (lambda d: d.update(provider="xx"), ["ga.population.json", "provider", "'xx'"]),
    (lambda d: d["items"][2].update(type="colour"), ["ga.population.json", "items.2.type"]),
    (lambda d: d.update(sharing="随便"), ["ga.population.json", "sharing"]),
    (lambda d: d.pop("update_cycle"), ["ga.population.json", "update_cycle", "required"]),
    (lambda d: d.update(code="ga.people"), ["ga.population.json", "code", "ga.people.json"]),
    (lambda d: d.update(code="wj.population"), ["ga.population.json", "code"]),
    (lambda d: d.update(related=["ga.nothing"]), ["ga.population.json", "'ga.nothing'"]),
])
def test_a_bad_declaration_names_its_file_field_and_problem(tmp_path, change, words):
    folder = _copy(tmp_path)
    _edit(folder / "resources" / "ga.population.json", change)
    with pytest.raises(ProfileError) as raised:
        load_city(folder)
    for word in words:
        assert word in str(raised.value), str(raised.value)


@pytest.mark.parametrize(("old", "new", "words"), [
    ('data_authority = "hub"', 'data_authority = "nobody"', ["city.toml", "data_authority"]),
    ('441302 = "惠城区"', '4413 = "惠城区"', ["city.toml", "4413"]),
    ('code = "441300"', 'code = "HZ"', ["city.toml", "code"]),
    ('name = "惠州市"', 'name = "惠州市"\ncolour = "blue"', ["city.toml", "colour"]),
])
def test_a_bad_profile_names_its_file_and_field(tmp_path, old, new, words):
    folder = _copy(tmp_path)
    toml = folder / "city.toml"
    toml.write_text(toml.read_text("utf-8").replace(old, new, 1), "utf-8")
    with pytest.raises(ProfileError) as raised:
        load_city(folder)
    for word in words:
        assert word in str(raised.value), str(raised.value)


def test_hub_init_makes_a_home_for_the_second_city(tmp_path):
    home = tmp_path / "dg"
    made = hub("--home", home, "init", "--profile", "dongguan", env=clean_env())
    assert made.returncode == 0, made.stderr
    assert "东莞市" in made.stdout and "12 resources" in made.stdout
    assert (home / "city" / "city.toml").is_file()
    listed = hub("catalog", "list", "--json", env=clean_env(home=home))
    assert listed.returncode == 0, listed.stderr
    providers = {row["provider"]["name"] for row in json.loads(listed.stdout)}
    assert "东莞市公安局" in providers and not any("惠州" in p for p in providers)
    # A home serves one city; the same profile again is harmless.
    again = hub("--home", home, "init", "--profile", "dongguan", env=clean_env())
    assert again.returncode == 0, again.stderr
    other = hub("--home", home, "init", "--profile", "huizhou", env=clean_env())
    assert_one_line_error(other, "东莞市", "one city")


def test_hub_init_refuses_a_broken_or_missing_profile_and_leaves_nothing(tmp_path):
    missing = hub("--home", tmp_path / "a", "init", "--profile", "atlantis", env=clean_env())
    assert_one_line_error(missing, "atlantis", "huizhou")
    folder = _copy(tmp_path)
    _edit(folder / "resources" / "wj.deaths.json", lambda d: d.update(provider="zz"))
    broken = hub("--home", tmp_path / "b", "init", "--profile", folder, env=clean_env())
    assert_one_line_error(broken, "wj.deaths.json", "provider")
    assert not (tmp_path / "b" / "city").exists()
