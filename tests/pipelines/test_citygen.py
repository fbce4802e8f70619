"""The synthetic city generator: formats of the ten deliveries, validity of the clean city,
determinism, every kind of noise, the truth and decoys, the manifest, broken batches."""

from __future__ import annotations

import csv
import dataclasses
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from python_calamine import CalamineWorkbook

from catalog.identifiers import (
    is_valid_id,
    is_valid_uscc,
    normalise_name,
    standardise_id,
)
from pipelines.citygen import RULES, NoiseRates, generate_city, write_broken_batch
from pipelines.citygen.noise import HARMLESS
from pipelines.citygen.place import demo_place
from pipelines.citygen.tables import RESOURCES, Table
from pipelines.citygen.truth import evaluate

PERSONS = 2500
CURRENT = "20261101T020000"
EXPECTED_FILES = {
    "ga.population": ["20261001T020000.csv", "20261101T020000.csv"],
    "ga.vehicles": ["20261101T020000.csv"],
    "wj.deaths": ["20261101T020000.jsonl"],
    "rs.social_insurance": ["20260901T020000.csv", "20261001T020000.csv", "20261101T020000.csv"],
    "rs.pensions": ["20261101T020000.xlsx"],
    "gjj.deposits": ["20261101T020000.csv"],
    "zr.real_estate": ["20261101T020000.parquet"],
    "sj.enterprises": ["20261101T020000.jsonl"],
    "mz.recipients": ["20261101T020000.csv"],
    "mz.members": ["20261101T020000.csv"],
}
NOISY = NoiseRates(**{f.name: 0.2 for f in dataclasses.fields(NoiseRates)} | {"csv_truncated_final_line": 1.0})


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("clean")
    generate_city(out, PERSONS, seed=11, noise=NoiseRates.none())
    return out


@pytest.fixture(scope="module")
def noisy(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("noisy")
    generate_city(out, PERSONS, seed=11, noise=NOISY)
    return out


def _csv_rows(path: Path, code: str, errors: str = "strict") -> tuple[list[str], list[list[str]]]:
    r = RESOURCES[code]
    lines = path.read_bytes().decode(r.encoding, errors=errors).split("\n")
    return lines[0].split(r.delimiter), [line.split(r.delimiter) for line in lines[1:] if line]


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _flat_keys(obj: dict) -> list[str]:
    """JSON keys with nested objects written `parent.child`, as in RESOURCES."""
    return [key for k, v in obj.items() for key in ([f"{k}.{s}" for s in v] if isinstance(v, dict) else [k])]


def _xlsx_rows(path: Path) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def _read_tables(landing: Path) -> dict[str, list[Table]]:
    """Read a clean city back into column tables (the inverse of the writers)."""
    tables: dict[str, list[Table]] = {}
    for code, names in EXPECTED_FILES.items():
        r = RESOURCES[code]
        for name in names:
            path = landing / code / name
            if r.fmt == "csv":
                _header, rows = _csv_rows(path, code)
            elif r.fmt == "jsonl":
                rows = [[o[c.split(".")[0]][c.split(".")[1]] if "." in c else o[c] for c in r.columns] for o in _jsonl(path)]
            elif r.fmt == "xlsx":
                rows = _xlsx_rows(path)[1:]
            else:
                rows = [[o[c] for c in r.columns] for o in pq.read_table(path).to_pylist()]
            data = {}
            for j, c in enumerate(r.columns):
                column = np.empty(len(rows), dtype=object)
                for i, row in enumerate(rows):
                    column[i] = row[j]
                data[c] = column
            tables.setdefault(code, []).append(Table(r, name.split(".")[0], data, np.zeros(len(rows), dtype=bool)))
    return tables


def _truth(out: Path) -> set[tuple[str, str]]:
    with open(out / "truth" / "crosscheck.csv", encoding="utf-8") as f:
        return {(row["case_no"], row["rule"]) for row in csv.DictReader(f)}


def test_every_batch_is_delivered_in_its_format(clean: Path) -> None:
    landing = clean / "landing"
    assert {p.name for p in landing.iterdir()} == set(EXPECTED_FILES)
    for code, names in EXPECTED_FILES.items():
        assert sorted(p.name for p in (landing / code).iterdir()) == names
        r = RESOURCES[code]
        path = landing / code / names[-1]
        if r.fmt == "csv":
            raw = path.read_bytes()
            assert raw.startswith(b"\xef\xbb\xbf") == (code == "rs.social_insurance")
            header, rows = _csv_rows(path, code)
            assert tuple(header) == r.columns
            assert rows and all(len(row) == len(r.columns) for row in rows)
        elif r.fmt == "jsonl":
            objects = _jsonl(path)
            expected_keys = list(dict.fromkeys(c.split(".")[0] for c in r.columns))
            assert objects and all(list(o) == expected_keys for o in objects)
        elif r.fmt == "xlsx":
            workbook = CalamineWorkbook.from_path(str(path))
            assert len(workbook.sheet_names) == 1
            assert tuple(_xlsx_rows(path)[0]) == r.columns
        else:
            schema = pq.read_schema(path)
            assert [(f.name, str(f.type)) for f in schema] == [
                ("certificate_no", "string"), ("owner_id_number", "string"), ("owner_name", "string"),
                ("co_owner_id_numbers", "list<element: string>"), ("property_use", "string"), ("area_m2", "double"),
                ("location", "string"), ("district_code", "string"), ("register_date", "date32[day]"), ("status", "string"),
            ]
    with pytest.raises(UnicodeDecodeError):  # really GB18030, not UTF-8
        (landing / "ga.population" / f"{CURRENT}.csv").read_bytes().decode("utf-8")
    assert "|" in (landing / "gjj.deposits" / f"{CURRENT}.csv").read_text(encoding="utf-8").splitlines()[1]
    assert any(o["legal_rep"]["id_number"] for o in _jsonl(landing / "sj.enterprises" / f"{CURRENT}.jsonl"))


def test_clean_population_is_consistent(clean: Path) -> None:
    header, rows = _csv_rows(clean / "landing" / "ga.population" / f"{CURRENT}.csv", "ga.population")
    col = {name: i for i, name in enumerate(header)}
    ids = [row[col["公民身份号码"]] for row in rows]
    assert len(ids) == PERSONS and len(set(ids)) == PERSONS
    assert all(is_valid_id(i) for i in ids)
    households: dict[str, set[str]] = {}
    for row in rows:
        id_number = row[col["公民身份号码"]]
        assert row[col["出生日期"]] == id_number[6:14]
        assert row[col["行政区划"]] == id_number[:6] and id_number[:6] in demo_place().districts
        assert row[col["性别"]] == ("男" if int(id_number[16]) % 2 else "女")
        assert len(row[col["户号"]]) == 9
        cancelled = row[col["人员状态"]] == "注销"
        assert (row[col["注销原因"]] in ("死亡", "迁出")) == cancelled and bool(row[col["注销日期"]]) == cancelled
        households.setdefault(row[col["户号"]], set()).add(row[col["与户主关系"]])
    assert all("户主" in relations for relations in households.values())
    names = Counter(row[col["姓名"]] for row in rows)
    assert names.most_common(1)[0][1] > 1  # namesakes occur
    assert any("·" in n for n in names)
    _, previous = _csv_rows(clean / "landing" / "ga.population" / "20261001T020000.csv", "ga.population")
    assert len(previous) < len(rows)  # births in October are new in the current snapshot


def test_clean_department_ids_and_usccs_are_valid(clean: Path) -> None:
    landing = clean / "landing"
    enterprises = _jsonl(landing / "sj.enterprises" / f"{CURRENT}.jsonl")
    assert all(is_valid_uscc(o["uscc"]) for o in enterprises)
    assert len({o["uscc"] for o in enterprises}) == len(enterprises)
    for name in EXPECTED_FILES["rs.social_insurance"]:
        _, rows = _csv_rows(landing / "rs.social_insurance" / name, "rs.social_insurance")
        assert all(is_valid_id(r[0]) and is_valid_uscc(r[2]) for r in rows)
    _, rows = _csv_rows(landing / "gjj.deposits" / f"{CURRENT}.csv", "gjj.deposits")
    assert all(is_valid_id(r[1]) for r in rows)
    assert all(is_valid_id(r[0]) for r in _xlsx_rows(landing / "rs.pensions" / f"{CURRENT}.xlsx")[1:])
    estate = pq.read_table(landing / "zr.real_estate" / f"{CURRENT}.parquet").to_pylist()
    assert all(is_valid_id(o["owner_id_number"]) and all(map(is_valid_id, o["co_owner_id_numbers"])) for o in estate)
    # only the planted typos are invalid: deaths 1, vehicles 2, enterprises 1, members 5
    _, vehicles = _csv_rows(landing / "ga.vehicles" / f"{CURRENT}.csv", "ga.vehicles")
    _, members = _csv_rows(landing / "mz.members" / f"{CURRENT}.csv", "mz.members")
    deaths = _jsonl(landing / "wj.deaths" / f"{CURRENT}.jsonl")
    assert sum(not is_valid_id(o["id_number"]) for o in deaths) == 1
    assert sum(not is_valid_id(r[1]) for r in vehicles) == 2
    assert sum(not is_valid_id(o["legal_rep"]["id_number"]) for o in enterprises) == 1
    assert sum(not is_valid_id(r[1]) for r in members) == 5


def test_truth_is_reproduced_from_the_delivered_clean_files(clean: Path) -> None:
    assert evaluate(_read_tables(clean / "landing"), demo_place().standards) == _truth(clean)


def test_truth_has_planted_positives_for_every_rule_and_decoys_stay_unflagged(clean: Path) -> None:
    with open(clean / "truth" / "crosscheck.csv", encoding="utf-8") as f:
        truth = list(csv.DictReader(f))
    assert {r["rule"] for r in truth if r["kind"] == "planted"} == set(RULES)
    with open(clean / "truth" / "decoys.csv", encoding="utf-8") as f:
        decoys = list(csv.DictReader(f))
    kinds = {(d["rule"], d["decoy_kind"]) for d in decoys}
    for expected in [
        ("deceased", "namesake"), ("vehicle", "namesake"), ("vehicle", "deregistered"), ("vehicle", "transferred"),
        ("vehicle", "motorcycle"), ("business", "cancelled"), ("business", "revoked"), ("business", "capital_9_99"),
        ("income", "pension_suspended"), ("income", "pension_terminated"), ("income", "old_periods"),
        ("provident_fund", "deposit_too_old"), ("provident_fund", "below_20000"), ("real_estate", "spouses_co_own"),
        ("identity", "repairable_substitution"), ("identity", "repairable_swap"), ("vehicle", "stopped_case"),
    ]:
        assert expected in kinds
    assert not {(d["case_no"], d["rule"]) for d in decoys} & _truth(clean)
    _, recipients = _csv_rows(clean / "landing" / "mz.recipients" / f"{CURRENT}.csv", "mz.recipients")
    stopped = {r[0] for r in recipients if r[8] == "停保"}
    assert stopped and not {case for case, _ in _truth(clean)} & stopped


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    def snapshot(out: Path) -> dict[str, bytes]:
        return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}

    for run in ("a", "b", "c"):
        generate_city(tmp_path / run, 1500, seed=5 if run != "c" else 6)
    a, b, c = snapshot(tmp_path / "a"), snapshot(tmp_path / "b"), snapshot(tmp_path / "c")
    assert a == b
    assert a.keys() == c.keys() and a != c


def test_every_kind_of_noise_appears_when_its_rate_is_set(noisy: Path) -> None:
    manifest = json.loads((noisy / "truth" / "manifest.json").read_text(encoding="utf-8"))
    totals = Counter()
    for entry in manifest["files"]:
        totals.update(entry["noise"])
        if entry["resource"].startswith("mz."):  # assistance records: harmless noise only
            assert set(entry["noise"]) <= HARMLESS
    assert {f.name for f in dataclasses.fields(NoiseRates)} <= {k for k, v in totals.items() if v > 0}
    landing = noisy / "landing"
    population = (landing / "ga.population" / f"{CURRENT}.csv").read_bytes()
    assert b"\xff" in population and not population.endswith(b"\n")
    text = population.decode("gb18030", errors="replace")
    assert "４" in text or "１" in text  # full-width digits
    assert any(c in text for c in "張陳黃劉楊趙")
    insurance = (landing / "rs.social_insurance" / f"{CURRENT}.csv").read_bytes()
    assert insurance.startswith(b"\xef\xbb\xbf") and b'",' in insurance  # quoted "8,500.00"
    rows = _xlsx_rows(landing / "rs.pensions" / f"{CURRENT}.xlsx")
    assert any(not isinstance(r[4], str) for r in rows[1:])  # an Excel date among the months
    assert any(isinstance(r[0], str) and len(r[0].strip()) == 15 for r in rows[1:])


def test_noise_leaves_the_truth_and_assistance_households_recoverable(clean: Path, noisy: Path) -> None:
    """Same seed: same world and truth; after standardisation the noisy member list and the
    members' population records equal the clean ones (only harmless noise touched them)."""
    assert (noisy / "truth" / "crosscheck.csv").read_bytes() == (clean / "truth" / "crosscheck.csv").read_bytes()

    def members(out: Path, errors: str) -> set[tuple]:
        _, rows = _csv_rows(out / "landing" / "mz.members" / f"{CURRENT}.csv", "mz.members", errors)
        return {(case, standardise_id(i), normalise_name(n), rel) for case, i, n, rel in rows}

    def population(out: Path, errors: str) -> dict[str, set[tuple]]:
        header, rows = _csv_rows(out / "landing" / "ga.population" / f"{CURRENT}.csv", "ga.population", errors)
        records: dict[str, set[tuple]] = {}
        for row in rows:
            if len(row) == len(header):
                records.setdefault(standardise_id(row[0]), set()).add((normalise_name(row[1]), row[9], row[10]))
        return records

    clean_members = members(clean, "strict")
    assert members(noisy, "replace") == clean_members
    before, after = population(clean, "strict"), population(noisy, "replace")
    for _, id_number, _, _ in clean_members:
        if id_number in before:
            assert after[id_number] == before[id_number]


def test_manifest_counts_the_delivered_records(noisy: Path) -> None:
    manifest = json.loads((noisy / "truth" / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["files"]) == sum(len(v) for v in EXPECTED_FILES.values())
    for entry in manifest["files"]:
        path = noisy / entry["path"]
        fmt = RESOURCES[entry["resource"]].fmt
        if fmt == "csv":
            raw = path.read_bytes()
            delivered = raw.count(b"\n") - 1 + (0 if raw.endswith(b"\n") else 1)
        elif fmt == "jsonl":
            delivered = len(path.read_bytes().splitlines())
        elif fmt == "xlsx":
            delivered = len(_xlsx_rows(path)) - 1
        else:
            delivered = pq.read_metadata(path).num_rows
        assert delivered == entry["records"], entry["path"]


def test_large_pension_batches_are_split_into_parts(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("pipelines.citygen.writers.XLSX_MAX_ROWS", 100)
    generate_city(tmp_path, 1500, seed=3, noise=NoiseRates.none())
    manifest = json.loads((tmp_path / "truth" / "manifest.json").read_text(encoding="utf-8"))
    parts = [e for e in manifest["files"] if e["resource"] == "rs.pensions"]
    assert len(parts) > 1
    for k, entry in enumerate(parts, 1):
        assert entry["path"] == f"landing/rs.pensions/{CURRENT}/part-{k}.xlsx"
        rows = _xlsx_rows(tmp_path / entry["path"])
        assert tuple(rows[0]) == RESOURCES["rs.pensions"].columns and len(rows) - 1 == entry["records"] <= 100


@pytest.mark.parametrize("code", ["ga.population", "mz.members", "rs.social_insurance", "gjj.deposits", "rs.pensions", "zr.real_estate", "sj.enterprises"])
def test_broken_batches(tmp_path: Path, code: str) -> None:
    r = RESOURCES[code]
    path = write_broken_batch(tmp_path, code, "empty", "20261201T020000")
    assert path == tmp_path / code / f"20261201T020000.{r.ext}" and path.read_bytes() == b""
    if r.fmt == "jsonl":
        with pytest.raises(ValueError):
            write_broken_batch(tmp_path, code, "header_only", "20261202T020000")
    else:
        path = write_broken_batch(tmp_path, code, "header_only", "20261202T020000")
        if r.fmt == "csv":
            assert path.read_bytes().decode(r.encoding).splitlines() == [r.delimiter.join(r.columns)]
        elif r.fmt == "xlsx":
            assert [tuple(row) for row in _xlsx_rows(path)] == [r.columns]
        else:
            assert pq.read_metadata(path).num_rows == 0 and pq.read_schema(path).names == list(r.columns)
    renamed = write_broken_batch(tmp_path, code, "renamed_column", "20261203T020000")
    missing = write_broken_batch(tmp_path, code, "missing_column", "20261204T020000")
    for path, width in ((renamed, len(r.columns)), (missing, len(r.columns) - 1)):
        if r.fmt == "csv":
            header = path.read_bytes().decode(r.encoding).splitlines()[0].split(r.delimiter)
        elif r.fmt == "xlsx":
            header = _xlsx_rows(path)[0]
        elif r.fmt == "parquet":
            header = pq.read_schema(path).names
        else:
            header = _flat_keys(_jsonl(path)[0])
        assert len(header) == width
        assert tuple(header) != r.columns


def test_noise_rates() -> None:
    assert all(v == 0 for v in dataclasses.asdict(NoiseRates.none()).values())
    assert all(0 < v <= 0.1 for v in dataclasses.asdict(NoiseRates()).values())
    with pytest.raises(ValueError):
        NoiseRates(id_spaces=1.5)


def test_a_dropped_field_takes_a_quoted_amount_whole() -> None:
    """Wrong field count must stay that fault: cutting "8,500.00" at its comma would leave a stray quote."""
    from pipelines.citygen.writers import _damaged

    quoted = '440101199001011234,张伟,914413020000000000,某公司,养老,202610,"8,500.00"'
    assert _damaged(quoted, "csv_field_count", ",", 1) == quoted.rsplit(',"', 1)[0]
    assert _damaged("a|b|c", "csv_field_count", "|", 1) == "a|b"
    assert _damaged("a|b|c", "csv_field_count", "|", 0) == "a|b|c|备注"
