"""Fixtures of the cross-check tests: a hand-built lake per test, and a helper to run and read."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from catalog import HubSettings
from pipelines.crosscheck import CrosscheckResult, run_crosscheck
from tests.conftest import make_settings
from tests.crosscheck.minilake import MiniLake, make_id


@dataclass
class Person:
    id_number: str
    name: str
    district: str = "441302"
    status: str = "正常"
    cancel_reason: str | None = None


@dataclass
class City:
    """A tiny city: people in the population register, cases, and department records."""

    lake: MiniLake
    people: list[Person] = field(default_factory=list)
    _seq: int = 100

    def person(self, name: str, born: str = "19700101", district: str = "441302",
               register: bool = True, **kw) -> Person:
        self._seq += 2
        p = Person(make_id(district, born, self._seq), name, district, **kw)
        if register:
            self.register(p)
        return p

    def register(self, p: Person, name: str | None = None) -> None:
        self.lake.add("ga.population", {
            "id_number": p.id_number, "name": name or p.name, "gender": "男",
            "birth_date": None, "household_id": "000000001", "district_code": p.district,
            "status": p.status, "cancel_reason": p.cancel_reason})

    def case(self, case_no: str, *members: Person | tuple[str, str], status: str = "在保",
             district: str = "441302", size: int | None = None) -> None:
        """Members as Person, or (id as declared, name as declared); the first is 本人."""
        declared = [(m.id_number, m.name) if isinstance(m, Person) else m for m in members]
        self.lake.add("mz.recipients", {
            "case_no": case_no, "assistance_type": "低保", "applicant_id_number": declared[0][0],
            "applicant_name": declared[0][1], "district_code": district,
            "household_size": size or len(declared), "monthly_amount": 500,
            "start_month": "202001", "case_status": status})
        self.lake.add("mz.members", *({"case_no": case_no, "member_id_number": i,
                                       "member_name": n, "relation": "本人" if k == 0 else "配偶"}
                                      for k, (i, n) in enumerate(declared)))

    def insurance(self, id_number: str, name: str, period: str, base: float,
                  kind: str = "养老", batch: str | None = None) -> None:
        batch = batch or f"{period[:4]}{int(period[4:]) + 1:02d}01T020000"
        self.lake.add("rs.social_insurance", {
            "id_number": id_number, "name": name, "employer_uscc": "91441302MA4UJ1234X",
            "employer_name": "某公司", "insurance_type": kind, "period": period,
            "contribution_base": base}, batch=batch)

    def vehicle(self, plate: str, id_number: str, name: str, kind: str = "小型汽车",
                status: str = "正常") -> None:
        self.lake.add("ga.vehicles", {
            "plate_number": plate, "owner_id_number": id_number, "owner_name": name,
            "vehicle_type": kind, "brand": "比亚迪", "register_date": None, "status": status})


@dataclass
class Outcome:
    result: CrosscheckResult
    flags: list[dict]
    issues: list[dict]

    def pairs(self) -> set[tuple[str, str]]:
        return {(f["case_no"], f["rule"]) for f in self.flags}

    def of(self, case_no: str, rule: str) -> list[dict]:
        return [f for f in self.flags if f["case_no"] == case_no and f["rule"] == rule]


def read_rows(path: str) -> list[dict]:
    with duckdb.connect() as con:
        cursor = con.execute("SELECT * FROM read_parquet(?)", [path])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


@pytest.fixture
def xc_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> HubSettings:
    return make_settings(tmp_path / "home", tmp_path / "landing", monkeypatch)


@pytest.fixture
def city(xc_settings: HubSettings) -> City:
    c = City(MiniLake(xc_settings))
    c.insurance(make_id("441399", "19500101", 1), "某人", "202610", 1000)  # M = 202610
    return c


@pytest.fixture
def run(xc_settings: HubSettings):
    def go(city: City, config=None, registry=None) -> Outcome:
        registry = registry or city.lake.build()
        result = run_crosscheck(xc_settings, registry, config=config)
        return Outcome(result, read_rows(result.flags_path), read_rows(result.issues_path))
    return go
