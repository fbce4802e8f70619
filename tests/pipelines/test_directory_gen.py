"""Synthetic directories (pipelines.citygen.directory): deterministic, valid, counted, mixed as a
real directory is; their deliveries read and standardised by the hub's own readers with every row
accepted; the `hub generate-directory` command as a user runs it."""

from __future__ import annotations

import json
from collections import Counter

import duckdb
import pytest

from catalog.model import (
    Grade,
    ItemType,
    Load,
    OpenAttribute,
    Resource,
    Sensitivity,
    SharingAttribute,
    SourceFormat,
    UpdateCycle,
)
from catalog.resources import RESOURCES
from catalog.sqlfunctions import register_functions
from pipelines.citygen.directory import (
    MAX_DEPARTMENTS,
    departments,
    generate_directory,
    write_directory,
)
from pipelines.citygen.directory_deliveries import BATCH_ID, pick_delivered, write_deliveries
from pipelines.ingest.landing import find_deliveries
from pipelines.ingest.readers import write_raw
from pipelines.ingest.standardise import standardise_batch
from tests.cli import clean_env, hub


@pytest.fixture(scope="module")
def directory() -> list[Resource]:
    return generate_directory(600, 20, seed=11)


def test_same_seed_same_directory_other_seed_other(directory):
    again = generate_directory(600, 20, seed=11)
    assert [r.model_dump() for r in again] == [r.model_dump() for r in directory]
    other = generate_directory(600, 20, seed=12)
    assert [r.code for r in other] != [r.code for r in directory]


def test_counts_codes_and_departments(directory):
    assert len(directory) == 600
    codes = [r.code for r in directory]
    assert len(set(codes)) == 600
    by_department = Counter(r.provider.code for r in directory)
    assert len(by_department) == 20 and min(by_department.values()) >= 1
    assert max(by_department.values()) > 3 * min(by_department.values())  # a long tail
    assert all(r.code.startswith(r.provider.code + ".") for r in directory)
    # no generated code is one of the demo city's (same department codes, other names)
    assert not set(codes) & set(RESOURCES)


def test_every_declaration_validates_from_its_json(directory):
    for resource in directory:
        assert Resource.model_validate_json(resource.model_dump_json()) == resource
        assert resource.key


def test_mix_is_present(directory):
    resources = directory
    items = [i for r in resources for i in r.items]
    assert {r.format for r in resources} == set(SourceFormat)
    assert {r.encoding for r in resources if r.format is SourceFormat.CSV} == {
        "utf-8", "utf-8-sig", "gbk", "gb18030"}
    assert {r.delimiter for r in resources} == {",", "|", "\t"}
    assert {r.load for r in resources} == set(Load)
    assert {r.update_cycle for r in resources} == set(UpdateCycle)
    assert {r.sharing for r in resources} == set(SharingAttribute)
    assert {r.open for r in resources} == set(OpenAttribute)
    assert {i.type for i in items} == set(ItemType)
    assert {i.grade for i in items} == set(Grade)
    assert {i.sensitivity for i in items} == set(Sensitivity)
    assert any(len(r.key) > 1 for r in resources)  # composite keys (id, month)
    assert any("." in i.source for r in resources for i in r.items)  # nested JSON paths
    assert any(r.related for r in resources)
    for r in resources:
        assert bool(r.sharing_conditions) == (r.sharing is SharingAttribute.CONDITIONAL)
        assert bool(r.open_conditions) == (r.open is OpenAttribute.CONDITIONAL)
        personal = any(i.sensitivity.is_personal for i in r.items)
        assert not (personal and r.open is OpenAttribute.OPEN)
        if any(i.type is ItemType.ID_LIST for i in r.items):
            assert r.format is SourceFormat.PARQUET


def test_departments_bounds_and_district_bureaus():
    all_ = departments(MAX_DEPARTMENTS)
    assert len({d.code for d in all_}) == MAX_DEPARTMENTS
    assert all_[-1].name.startswith("龙门县")
    with pytest.raises(ValueError, match="between 1 and"):
        departments(MAX_DEPARTMENTS + 1)


def test_one_department_can_hold_thousands(tmp_path):
    resources = generate_directory(2_000, 1, seed=3)
    assert len({r.code for r in resources}) == 2_000


def test_write_directory_one_json_per_resource(directory, tmp_path):
    assert write_directory(directory, tmp_path) == 600
    files = sorted(tmp_path.glob("*/*.json"))
    assert len(files) == 600
    first = directory[0]
    path = tmp_path / first.provider.code / f"{first.code}.json"
    assert json.loads(path.read_text(encoding="utf-8")) == first.model_dump(mode="json")
    assert Resource.model_validate_json(path.read_text(encoding="utf-8")) == first


def test_deliveries_are_read_and_every_row_accepted(directory, tmp_path):
    landing = tmp_path / "landing"
    chosen = pick_delivered(directory, 100)
    written = write_deliveries(directory, landing, 100, seed=11, rows=6)
    assert len(written) == 100 and not list(landing.rglob("*.part"))
    # the delivered ones cover every way of delivering
    assert {r.format for r in chosen} == set(SourceFormat)
    assert {r.encoding for r in chosen} == {"utf-8", "utf-8-sig", "gbk", "gb18030"}
    assert {r.delimiter for r in chosen} == {",", "|", "\t"}
    assert any("." in i.source for r in chosen for i in r.items)
    assert any(i.type is ItemType.ID_LIST for r in chosen for i in r.items)
    assert any(len(r.key) > 1 for r in chosen)
    for resource in chosen:
        (delivery,) = find_deliveries(landing, resource)
        assert delivery.batch_id == BATCH_ID and not delivery.unexpected
        raw, std = tmp_path / "raw" / resource.table, tmp_path / "std" / resource.table
        raw.mkdir(parents=True)
        std.mkdir(parents=True)
        with duckdb.connect(config={"autoinstall_known_extensions": False,
                                    "autoload_known_extensions": False}) as con:
            result = write_raw(con, resource, delivery, delivery.sha256(), landing, raw,
                               1 << 20)
            assert result.rows == 6, resource.code
            register_functions(con)
            outcome = standardise_batch(con, resource, raw, std, result.layout)
        assert (outcome.accepted, outcome.by_rule) == (6, {}), (resource.code, outcome)


def test_generate_directory_command(tmp_path):
    out = tmp_path / "dir"
    result = hub("generate-directory", "--resources", "40", "--departments", "5", "--out", out,
                 "--deliveries", "8", "--seed", "5", env=clean_env())
    assert result.returncode == 0, result.stderr
    assert "40 resource declarations across 5 departments" in result.stdout
    assert len(list((out / "directory").glob("*/*.json"))) == 40
    assert len([p for p in (out / "landing").iterdir() if p.is_dir()]) == 8
    again = tmp_path / "again"
    hub("generate-directory", "--resources", "40", "--departments", "5", "--out", again,
        "--deliveries", "8", "--seed", "5", env=clean_env())
    for path in (out / "directory").rglob("*.json"):
        assert path.read_bytes() == (again / path.relative_to(out)).read_bytes()


@pytest.mark.parametrize(("args", "word"), [
    (("--resources", "0", "--departments", "5"), "--resources"),
    (("--resources", "10", "--departments", "9999"), "--departments"),
])
def test_generate_directory_bad_input_is_one_line(tmp_path, args, word):
    result = hub("generate-directory", *args, "--out", tmp_path / "x", env=clean_env())
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert word in result.stderr


def test_generated_directory_round_trips_through_the_template(directory, tmp_path):
    """The template's exporter and importer agree on every generated shape (a large sheet)."""
    from catalog.template_export import write_template
    from catalog.template_import import department_index, import_directory

    city = department_index(departments(20))
    for suffix in ("csv", "xlsx"):
        path = write_template(directory, tmp_path / f"directory.{suffix}")
        result = import_directory(path, city)
        assert result.ok, result.report()[:5]
        assert list(result.resources) == directory
