"""The generator writes for the city profile it is given: 东莞, whose towns are its districts
(nine-digit codes in 行政区划, 441900 in every ID number), its standards, names and plates."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from catalog.city import CityProfile, load_city, profile_path
from catalog.identifiers import is_valid_id, is_valid_uscc
from pipelines.citygen import NoiseRates, generate_city
from pipelines.citygen.place import Place, demo_place
from pipelines.citygen.truth import evaluate
from tests.cli import assert_one_line_error, clean_env, hub
from tests.pipelines.test_citygen import CURRENT, _csv_rows, _jsonl, _read_tables, _truth

DONGGUAN = load_city(profile_path("dongguan")).profile
TOWNS = set(DONGGUAN.districts)


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dongguan")
    generate_city(out, 3000, seed=11, noise=NoiseRates.none(), city=DONGGUAN)
    return out


def test_residents_live_in_towns_with_ids_of_the_city(clean: Path) -> None:
    header, rows = _csv_rows(clean / "landing" / "ga.population" / f"{CURRENT}.csv", "ga.population")
    col = {name: i for i, name in enumerate(header)}
    towns = Counter(row[col["行政区划"]] for row in rows)
    assert set(towns) <= TOWNS and len(towns) > 25  # residents spread over the 32 towns
    for row in rows:
        assert is_valid_id(row[col["公民身份号码"]]) and row[col["公民身份号码"]][:6] == "441900"
        assert row[col["住址"]].startswith("东莞市" + DONGGUAN.districts[row[col["行政区划"]]])
    _, cases = _csv_rows(clean / "landing" / "mz.recipients" / f"{CURRENT}.csv", "mz.recipients")
    assert cases and all(case[4] in TOWNS and case[0][2:11] == case[4] for case in cases)


def test_department_records_carry_the_city(clean: Path) -> None:
    landing = clean / "landing"
    enterprises = _jsonl(landing / "sj.enterprises" / f"{CURRENT}.jsonl")
    assert all(is_valid_uscc(o["uscc"]) and o["uscc"][2:8] == "441900" for o in enterprises)
    assert all(o["district_code"] in TOWNS for o in enterprises)
    assert not any("惠州" in o["name"] for o in enterprises)
    _, vehicles = _csv_rows(landing / "ga.vehicles" / f"{CURRENT}.csv", "ga.vehicles")
    assert all(v[0].startswith("粤S") for v in vehicles)
    estate = pq.read_table(landing / "zr.real_estate" / f"{CURRENT}.parquet").to_pylist()
    assert all(o["certificate_no"].startswith("粤(") and "东莞市不动产权第" in o["certificate_no"]
               and o["district_code"] in TOWNS for o in estate)
    _, deposits = _csv_rows(landing / "gjj.deposits" / f"{CURRENT}.csv", "gjj.deposits")
    assert all(d[0].startswith("441900") for d in deposits)


def test_truth_uses_the_city_standards_and_plants_every_rule(clean: Path) -> None:
    truth = _truth(clean)
    assert evaluate(_read_tables(clean / "landing"), DONGGUAN.assistance.standards) == truth
    assert {rule for _, rule in truth} >= {"deceased", "duplicate_case", "income", "vehicle",
                                          "real_estate", "business", "provident_fund", "identity"}
    # a case in a district without a standard is never flagged for income
    assert not any(rule == "income" for _, rule in evaluate(_read_tables(clean / "landing"), {}))


def test_unknown_district_noise_is_no_town_of_the_city(tmp_path: Path) -> None:
    rates = NoiseRates(**{f.name: 0.0 for f in dataclasses.fields(NoiseRates)} | {"unknown_district": 0.3})
    generate_city(tmp_path, 1500, seed=3, noise=rates, city=DONGGUAN)
    header, rows = _csv_rows(tmp_path / "landing" / "ga.population" / f"{CURRENT}.csv", "ga.population")
    codes = Counter(row[header.index("行政区划")] for row in rows)
    unknown = set(codes) - TOWNS
    assert unknown and unknown <= set(Place.of(DONGGUAN).unknown_districts)
    assert sum(codes[c] for c in unknown) > 100


@pytest.mark.parametrize("name", ["huizhou", "dongguan"])
def test_unknown_districts_are_not_districts(name: str) -> None:
    place = Place.of(load_city(profile_path(name)).profile)
    assert len(place.unknown_districts) == 4
    assert not set(place.unknown_districts) & set(place.districts)
    assert place.foreign_area[:4] != place.code[:4]


def test_the_demo_place_is_huizhou() -> None:
    place = demo_place()
    assert (place.name, place.code, place.plate_prefix) == ("惠州市", "441300", "粤L")
    assert place.unknown_districts == ("441301", "441399", "440303", "441381")


def test_a_district_without_a_standard_is_refused() -> None:
    data = DONGGUAN.model_dump()
    data["assistance"]["standards"].pop("441900129")
    with pytest.raises(ValueError, match="441900129"):
        Place.of(CityProfile.model_validate(data))


def _population_ids(out: Path) -> set[str]:
    _, rows = _csv_rows(out / "landing" / "ga.population" / f"{CURRENT}.csv", "ga.population")
    return {row[0][:6] for row in rows}


def test_hub_generate_writes_for_the_homes_city_or_the_named_profile(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert hub("--home", home, "init", "--profile", "dongguan", env=clean_env()).returncode == 0
    made = hub("generate", "--persons", "1000", "--clean", "--out", tmp_path / "dg",
               env=clean_env(home=home))
    assert made.returncode == 0, made.stderr
    assert "households of 东莞市" in made.stdout and _population_ids(tmp_path / "dg") == {"441900"}
    other = hub("generate", "--persons", "1000", "--clean", "--profile", "huizhou", "--out",
                tmp_path / "hz", env=clean_env(home=home))
    assert other.returncode == 0, other.stderr
    assert _population_ids(tmp_path / "hz") <= set(demo_place().districts)
    assert_one_line_error(hub("generate", "--profile", "nowhere", "--out", tmp_path / "x",
                              env=clean_env(home=home)), "nowhere", "dongguan, huizhou")
    assert not (tmp_path / "x").exists()
