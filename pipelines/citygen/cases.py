"""Assistance cases and the machinery to plant doubtful cases in them: choosing households,
namesake doubles, ID typos, and emitting planted department records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from .keys import ORG_SPACE, PLATE_SPACE, KeyRegistry, Share, plate, uscc_strings
from .tables import INSURANCE_BATCHES, TableBuilder
from .truth import neighbours
from .world import ACTIVE, REF_DATE, RELATIONS, SPOUSE, World

__all__ = ["Case", "Expectation", "Member", "Planter"]

_DONOR_AGE = 80  # namesake donors are adults under 80 ...
_AGE_GAP = 15  # ... within 15 years of the person they double


@dataclass
class Member:
    """A declared member of a case; overrides hold what civil affairs wrote when it differs
    from the population register (typos, other names)."""

    person: int  # -1: somebody absent from the population
    relation: str
    id_override: str | None = None
    name_override: str | None = None


@dataclass
class Case:
    case_no: str
    household: int
    district: str
    aid: str  # 低保 / 特困
    status: str  # 在保 / 停保
    start: str  # YYYYMM
    members: list[Member]
    planted: bool


@dataclass(frozen=True)
class Expectation:
    """What the truth must say about (case, rule): a planted positive, or a decoy that must not fire."""

    case_no: str
    rule: str
    kind: str
    positive: bool


class Planter:
    """Picks case households and writes planted records into the resource builders."""

    def __init__(self, world: World, rng: np.random.Generator, keys: KeyRegistry, builders: dict[str, TableBuilder]):
        self.world, self.rng, self.keys, self.builders = world, rng, keys, builders
        self.cases: list[Case] = []
        self.expectations: list[Expectation] = []
        self.donors: list[int] = []
        self.extra_protected: set[int] = set()
        self.age = age = (REF_DATE - world.birth).astype(np.int64) / 365.25
        heads = world.hh_start
        self._candidates = rng.permutation(np.flatnonzero((world.status[heads] == ACTIVE) & (age[heads] >= 20))).tolist()
        self._next = 0
        self.used = np.zeros(world.households, dtype=bool)
        self._numbers = iter(self._case_numbers(keys.share))
        self._donor_pool = rng.permutation(np.flatnonzero((world.status == ACTIVE) & (age >= 18) & (age < _DONOR_AGE))).tolist()
        org = keys.many("org", rng, ORG_SPACE, 4)
        self.place = place = world.place
        employer_names = [f"{place.name}{firm}" for firm in ("德润电子科技有限公司", "鹏达物流有限公司", "金源贸易有限公司", "东江建筑工程有限公司")]
        area = place.id_areas()[0]  # registered in the first district
        self.employers = list(zip(uscc_strings(org, np.ones(4, dtype=np.int64), np.full(4, area)), employer_names))

    def _case_numbers(self, share: Share) -> list[int]:
        """Case serial numbers in random order: as many as candidate households in a city made
        in one slice; else the slice's share of the six-digit numbers (cases are about 1 % of
        households, the share a tenth of them at 10 slices of 1 M persons)."""
        if share.count == 1:
            return self.rng.permutation(len(self._candidates) + 1).tolist()
        first, size = share.span(1_000_000)
        return (self.rng.permutation(size) + first).tolist()

    # --- cases -------------------------------------------------------------------------------
    def take_case(self, min_members: int = 1, spouse: bool = False, district: str | None = None,
                  status: str = "在保", planted: bool = True) -> Case:
        """The next unused candidate household that satisfies the needs, made into a case."""
        w = self.world
        while self._next < len(self._candidates) and self.used[self._candidates[self._next]]:
            self._next += 1
        for k in range(self._next, len(self._candidates)):
            h = self._candidates[k]
            if self.used[h] or (district and w.place.districts[w.hh_district[h]] != district):
                continue
            alive = [p for p in w.members(h) if w.status[p] == ACTIVE]
            if len(alive) < min_members:
                continue
            if spouse and not (len(alive) > 1 and w.relation[alive[1]] == SPOUSE and self.age[alive[1]] >= 18):
                continue
            return self._make_case(h, alive, status, planted)
        raise ValueError("not enough households to plant every scenario: raise `persons`")

    def _make_case(self, h: int, alive: list[int], status: str, planted: bool) -> Case:
        w = self.world
        self.used[h] = True
        members = [Member(p, "本人" if i == 0 else RELATIONS[w.relation[p]]) for i, p in enumerate(alive)]
        aid = "特困" if len(alive) == 1 and self.age[alive[0]] >= 60 and self.rng.random() < 0.8 else "低保"
        district = w.place.districts[w.hh_district[h]]
        month = int(self.rng.integers(0, 141))
        number = next(self._numbers, None)
        if number is None:
            raise ValueError("the slice's share of case numbers is exhausted: use fewer, larger slices")
        case = Case(
            case_no=f"{'TK' if aid == '特困' else 'DB'}{district}{number:06d}", household=h,
            district=district, aid=aid, status=status, start=f"{2015 + month // 12}{month % 12 + 1:02d}",
            members=members, planted=planted,
        )
        self.cases.append(case)
        return case

    def expect(self, case: Case, rule: str, kind: str, positive: bool) -> None:
        self.expectations.append(Expectation(case.case_no, rule, kind, positive))

    def standard(self, case: Case) -> int:
        """Threshold of household income: district standard × declared household size."""
        return self.place.standards[case.district] * len(case.members)

    def oldest(self, case: Case) -> int:
        """The oldest member (pensioners)."""
        return max((m.person for m in case.members if m.person >= 0), key=lambda p: self.age[p])

    def member(self, case: Case, adult: bool = True, applicant: bool = False, exclude: tuple[int, ...] = ()) -> int:
        """A member of the case (by default an adult other than the applicant, when there is one)."""
        pool = [m for m in case.members if m.person >= 0 and m.person not in exclude]
        if adult:
            pool = [m for m in pool if self.age[m.person] >= 18] or pool
        others = [m for m in pool if m.relation != "本人"]
        pool = pool if applicant or not others else others
        return pool[int(self.rng.integers(len(pool)))].person

    def resident(self) -> int:
        """A random living adult outside every case household, young enough for a namesake donor."""
        w = self.world
        while True:
            p = int(self.rng.integers(w.persons))
            if w.status[p] == ACTIVE and 18 <= self.age[p] < _DONOR_AGE + _AGE_GAP and not self.used[w.household[p]]:
                return p

    def member_row(self, case: Case, person: int) -> Member:
        return next(m for m in case.members if m.person == person)

    def add_random_cases(self, n: int) -> None:
        """Ordinary cases (a tenth stopped); their members hold records only incidentally."""
        for _ in range(n):
            self.take_case(status="停保" if self.rng.random() < 0.1 else "在保", planted=False)

    def person_masks(self) -> tuple[np.ndarray, np.ndarray]:
        """Per person: weight (chance of bulk records) and protected (no destructive noise)."""
        w = self.world
        weight = np.ones(w.persons)
        protected = np.zeros(w.persons, dtype=bool)
        for case in self.cases:
            household = w.members(case.household)
            weight[household.start : household.stop] = 0.0 if case.planted else 0.05
            protected[household.start : household.stop] = True
        for case in self.cases:
            for m in case.members:
                if m.person >= 0:
                    protected[m.person] = True
                    weight[m.person] = 0.0 if case.planted else min(weight[m.person], 0.05)
        protected[np.array(self.donors + sorted(self.extra_protected), dtype=np.int64)] = True
        return weight, protected

    def write_cases(self) -> None:
        """mz.recipients and mz.members, ordered by case number."""
        w = self.world
        recipients, members = self.builders["mz.recipients"], self.builders["mz.members"]
        for case in sorted(self.cases, key=lambda c: c.case_no):
            size = len(case.members)
            standard = self.place.standards[case.district]
            amount = standard * 1.3 if case.aid == "特困" else standard * size * self.rng.uniform(0.3, 0.7)
            applicant = case.members[0].person
            recipients.add_row({
                "案件编号": case.case_no, "救助类型": case.aid, "申请人身份证号": w.ids[applicant],
                "申请人姓名": w.names[applicant], "行政区划": case.district, "家庭人口数": str(size),
                "月救助金额": f"{amount:.2f}", "开始月份": case.start, "案件状态": case.status,
            })
            for m in case.members:
                members.add_row({
                    "案件编号": case.case_no, "成员身份证号": m.id_override or w.ids[m.person],
                    "成员姓名": m.name_override or w.names[m.person], "与申请人关系": m.relation,
                })

    # --- identities ----------------------------------------------------------------------------
    def idn(self, p: int) -> str:
        return self.world.ids[p]

    def name(self, p: int) -> str:
        return self.world.names[p]

    def namesake(self, p: int) -> int:
        """A resident of another household turned into p's namesake: same name, birth date and
        district, different ID (a decoy that must never be linked to p)."""
        w = self.world
        q = self._donor(p)
        self.used[w.household[q]] = True
        w.names[q] = w.names[p]
        w.birth[q] = w.birth[p]
        w.reassign_id(q, self.rng)
        self.donors.append(q)
        return q

    def _donor(self, p: int) -> int:
        """An unused resident of p's district and sex, of about p's age (for the very old, any age)."""
        w = self.world
        district, male = w.hh_district[w.household[p]], w.male[p]
        for gap in (_AGE_GAP, np.inf):
            for i, q in enumerate(self._donor_pool):
                h = w.household[q]
                if not self.used[h] and w.hh_district[h] == district and w.male[q] == male and abs(self.age[q] - self.age[p]) < gap:
                    del self._donor_pool[i]
                    return q
        raise ValueError("no namesake donor available: raise `persons`")

    def typo(self, id_number: str, kind: str) -> str:
        """One substituted digit or one adjacent swap (repairable: the only ID within reach is the
        original), or two substituted digits (unrepairable: no ID within reach)."""
        for _ in range(200):
            chars = list(id_number)
            if kind == "swap":
                i = int(self.rng.integers(6, 16))
                chars[i], chars[i + 1] = chars[i + 1], chars[i]
            else:
                for i in self.rng.choice(np.arange(6, 17), size=2 if kind == "double" else 1, replace=False).tolist():
                    chars[i] = str((int(chars[i]) + int(self.rng.integers(1, 10))) % 10)
            typo = "".join(chars)
            reach = [c for c in neighbours(typo) if self.world.has_id(c)]
            if typo != id_number and not self.world.has_id(typo) and reach == ([] if kind == "double" else [id_number]):
                self.world.taken.bar([typo, *neighbours(typo)])  # keep its neighbourhood as it is
                return typo
        raise RuntimeError(f"could not make a {kind} typo of {id_number}")

    def other_name(self, p: int) -> str:
        """A name that does not normalise to p's name."""
        name = self.world.names[p]
        replacement = "国" if name[-1] != "国" else "华"
        return name[:-1] + replacement

    # --- planted records -----------------------------------------------------------------------
    def vehicle(self, id_number: str, name: str, vehicle_type: str, status: str = "正常") -> None:
        code = self.keys.one("plate", self.rng, PLATE_SPACE)
        self.builders["ga.vehicles"].add_row({
            "plate_number": plate(code, self.place.plate_prefix), "owner_id_number": id_number, "owner_name": name,
            "vehicle_type": vehicle_type, "brand": "比亚迪" if vehicle_type != "摩托车" else "豪爵",
            "register_date": self._date(2012, 2026).isoformat(), "status": status,
        })

    def insurance(self, p: int, kind: str, period: str, base: float, batch: str | None = None) -> None:
        uscc, employer = self.employers[p % len(self.employers)]
        self.builders["rs.social_insurance"].add_row({
            "id_number": self.idn(p), "name": self.name(p), "employer_uscc": uscc, "employer_name": employer,
            "insurance_type": kind, "period": period, "contribution_base": f"{base:.2f}",
        }, batch or INSURANCE_BATCHES.get(period, min(INSURANCE_BATCHES.values())))

    def pension(self, p: int, amount: float, status: str = "正常发放", kind: str = "企业职工养老") -> None:
        self.builders["rs.pensions"].add_row({
            "身份证号": self.idn(p), "姓名": self.name(p), "待遇类型": kind, "月发放金额": round(amount, 2),
            "开始月份": f"20{int(self.rng.integers(10, 26))}0{int(self.rng.integers(1, 10))}", "发放状态": status,
        })

    def deposit(self, p: int, fen: int, month: str, status: str = "正常") -> None:
        account = self.keys.one("gjj", self.rng, 10**8) + int(self.place.code) * 10**8
        self.builders["gjj.deposits"].add_row({
            "account_no": str(account), "id_number": self.idn(p), "name": self.name(p),
            "employer_name": self.employers[p % len(self.employers)][1], "monthly_deposit_fen": str(fen),
            "balance_fen": str(fen * int(self.rng.integers(12, 120))), "last_deposit_month": month, "status": status,
        })

    def estate(self, owner: int, use: str, co_owners: tuple[int, ...] = (), status: str = "现势") -> None:
        number = self.keys.one("estate", self.rng, 10**7)
        registered = self._date(2005, 2026)
        area = {"住宅": 89.5, "车位": 12.5}.get(use, 120.0)
        self.builders["zr.real_estate"].add_row({
            "certificate_no": f"{self.place.province}({registered.year}){self.place.name}不动产权第{number:07d}号", "owner_id_number": self.idn(owner),
            "owner_name": self.name(owner), "co_owner_id_numbers": [self.idn(c) for c in co_owners],
            "property_use": use, "area_m2": area, "location": self.world.hh_address[self.world.household[owner]],
            "district_code": self.world.district(owner), "register_date": registered, "status": status,
        })
        self.extra_protected.update((owner, *co_owners))

    def enterprise(self, id_number: str, name: str, entity_type: str, capital: float, status: str, district: str) -> None:
        category = 2 if entity_type == "个体工商户" else 1
        org = self.keys.many("org", self.rng, ORG_SPACE, 1)
        uscc = uscc_strings(org, np.array([category]), np.array([int(self.place.id_area(district))]))[0]
        title = f"{name}便利店" if category == 2 else f"{self.place.name}嘉和新材料有限公司"
        self.builders["sj.enterprises"].add_row({
            "uscc": uscc, "name": title, "entity_type": entity_type, "legal_rep.name": name, "legal_rep.id_number": id_number,
            "registered_capital_wan": capital, "status": status, "established_date": self._date(2010, 2025).isoformat(),
            "district_code": district,
        })

    def death(self, id_number: str, name: str, p: int, date: dt.date | None = None) -> None:
        number = self.keys.one("death", self.rng, 10**7)
        district = self.world.district(p)
        self.builders["wj.deaths"].add_row({
            "certificate_no": f"Q{district}{number:07d}", "id_number": id_number, "name": name,
            "gender": "男" if self.world.male[p] else "女", "death_date": (date or self._date(2026, 2026)).isoformat(),
            "place": "医院", "district_code": district,
        })

    def _date(self, first_year: int, last_year: int) -> dt.date:
        """A day from 1 January first_year up to 30 September last_year."""
        start = dt.date(first_year, 1, 1)
        span = (dt.date(last_year, 9, 30) - start).days
        return start + dt.timedelta(days=int(self.rng.integers(0, span + 1)))
