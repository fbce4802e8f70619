"""The clean synthetic population of a city (惠州 by default): households, relations, names,
status and GB 11643 IDs.

Everything is held column-wise in numpy arrays (one entry per person or per household) so a
city of a million people is built in seconds; the other resources are derived from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from catalog.identifiers import id_check_char

from .idspace import TakenIds
from .keys import Share
from .names import SURNAMES, sample_given_names, sample_minority_names, sample_surnames
from .place import Place, demo_place

__all__ = [
    "ACTIVE",
    "DEAD",
    "MOVED",
    "REF_DATE",
    "RELATIONS",
    "World",
    "build_world",
    "date_parts",
    "ymd",
]

REF_DATE = np.datetime64("2026-11-01")  # day of the current snapshot
PREV_SNAPSHOT = np.datetime64("2026-10-01")  # day of the previous snapshot
RELATIONS = ("户主", "配偶", "子", "女", "父亲", "母亲", "孙子", "孙女", "其他")
HEAD, SPOUSE, SON, DAUGHTER, FATHER, MOTHER, GRANDSON, GRANDDAUGHTER, OTHER = range(9)
ACTIVE, DEAD, MOVED = 0, 1, 2
_HH_SIZES = np.arange(1, 8)
_HH_SIZE_P = np.array([0.17, 0.27, 0.24, 0.17, 0.09, 0.04, 0.02])
_ETHNIC = ("汉族", "壮族", "瑶族", "畲族", "苗族", "土家族", "回族")
_ETHNIC_P = np.array([0.982, 0.005, 0.003, 0.003, 0.002, 0.003, 0.002])


def date_parts(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day arrays of a datetime64[D] array."""
    years = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    months_since = dates.astype("datetime64[M]")
    months = months_since.astype(np.int64) % 12 + 1
    days = (dates - months_since.astype("datetime64[D]")).astype(np.int64) + 1
    return years, months, days


def ymd(dates: np.ndarray) -> np.ndarray:
    """`YYYYMMDD` strings (object array) of a datetime64[D] array."""
    y, m, d = date_parts(dates)
    return (y * 10000 + m * 100 + d).astype(str).astype(object)


@dataclass
class World:
    """Persons (arrays indexed by person) grouped in households (arrays indexed by household)."""

    household: np.ndarray  # household index of each person
    relation: np.ndarray  # index into RELATIONS
    male: np.ndarray
    birth: np.ndarray  # datetime64[D]
    names: list[str]
    status: np.ndarray  # ACTIVE / DEAD / MOVED
    cancel: np.ndarray  # datetime64[D], NaT while active
    hh_district: np.ndarray  # index into place.districts
    hh_number: list[str]
    hh_address: list[str]
    hh_ethnicity: list[str]
    hh_start: np.ndarray  # first person of each household (persons are grouped by household)
    place: Place = field(default_factory=demo_place)
    ids: list[str] = field(default_factory=list)
    taken: TakenIds = field(default_factory=TakenIds)  # IDs of earlier slices, barred IDs
    _id_set: set[str] = field(default_factory=set)

    @property
    def persons(self) -> int:
        return len(self.household)

    @property
    def households(self) -> int:
        return len(self.hh_start)

    def district(self, p: int) -> str:
        return self.place.districts[self.hh_district[self.household[p]]]

    def members(self, h: int) -> range:
        end = self.hh_start[h + 1] if h + 1 < self.households else self.persons
        return range(int(self.hh_start[h]), int(end))

    def assign_ids(self, rng: np.random.Generator) -> None:
        """Give every person a unique, valid ID: district, birth date, sequence (odd = male);
        unique in the whole city, so none that an earlier slice holds or a typo barred."""
        district = self.hh_district[self.household]
        y, m, d = date_parts(self.birth)
        stem = self.place.id_areas()[district] * 10**11 + (y * 10_000 + m * 100 + d) * 1000  # the first 17 digits
        k = rng.integers(0, 500, self.persons)
        while True:
            key = stem + 2 * k + self.male
            _, first = np.unique(key, return_index=True)
            dup = np.ones(self.persons, dtype=bool)
            dup[first] = False
            if self.taken:
                dup |= self.taken.contains(key)
            if not dup.any():
                break
            k[dup] = rng.integers(0, 500, int(dup.sum()))
        self.ids = _id_strings(self.place.id_areas()[district], self.birth, 2 * k + self.male)
        self._id_set = set(self.ids)

    def has_id(self, value: str) -> bool:
        """Whether a resident (or an outsider already declared somewhere) of this or an earlier
        slice has this ID, or a planted typo barred it."""
        return value in self._id_set or self.taken.has(value)

    def issued_ids(self) -> set[str]:
        """Every ID this world gave out: residents (after reassignments) and declared outsiders."""
        return self._id_set

    def reassign_id(self, p: int, rng: np.random.Generator) -> str:
        """A fresh unique ID for person p after its birth date or household changed."""
        self._id_set.discard(self.ids[p])
        y, m, d = (int(x[0]) for x in date_parts(self.birth[p : p + 1]))
        while True:
            seq = 2 * int(rng.integers(0, 500)) + int(self.male[p])
            first17 = f"{self.place.id_area(self.district(p))}{y:04d}{m:02d}{d:02d}{seq:03d}"
            candidate = first17 + id_check_char(first17)
            if not self.has_id(candidate):
                break
        self.ids[p] = candidate
        self._id_set.add(candidate)
        return candidate

    def new_foreign_id(self, rng: np.random.Generator) -> str:
        """A valid ID from outside the city that no resident has (for members absent from population)."""
        area = self.place.foreign_area
        while True:
            first17 = f"{area}19{int(rng.integers(50, 99))}0{int(rng.integers(1, 10))}1{int(rng.integers(0, 10))}{int(rng.integers(0, 1000)):03d}"
            candidate = first17 + id_check_char(first17)
            if not self.has_id(candidate):
                self._id_set.add(candidate)
                return candidate


def _id_strings(area: np.ndarray, birth: np.ndarray, seq: np.ndarray) -> list[str]:
    """Vectorised GB 11643 ID numbers (17 digits and the MOD 11-2 check character) of the
    six-digit address codes `area`."""
    n = len(area)
    y, m, d = date_parts(birth)
    digits = np.empty((n, 17), dtype=np.int64)
    for j in range(6):
        digits[:, j] = (area // 10 ** (5 - j)) % 10
    for i, (value, width) in enumerate(((y, 4), (m, 2), (d, 2), (seq, 3))):
        offset = 6 + (0, 4, 6, 8)[i]
        for j in range(width):
            digits[:, offset + j] = (value // 10 ** (width - 1 - j)) % 10
    weights = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
    check = np.frombuffer(b"10X98765432", dtype=np.uint8)[(digits @ weights) % 11]
    chars = np.empty((n, 18), dtype=np.uint8)
    chars[:, :17] = digits + ord("0")
    chars[:, 17] = check
    return chars.view("S18").ravel().astype("U18").tolist()


def build_world(persons: int, rng: np.random.Generator, share: Share | None = None, taken: TakenIds | None = None,
                place: Place | None = None) -> World:
    """Households and their people; statuses include old deaths and moves plus October 2026 changes.
    `share`: this slice's part of the household-number space; `taken`: IDs other slices hold;
    `place`: the city (default: the demo's, 惠州)."""
    place = place or demo_place()
    sizes = rng.choice(_HH_SIZES, size=persons // 2 + 2, p=_HH_SIZE_P)
    cut = int(np.searchsorted(np.cumsum(sizes), persons)) + 1
    sizes = sizes[:cut]
    sizes[-1] -= int(sizes.sum()) - persons
    n_hh = len(sizes)
    hh_start = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    household = np.repeat(np.arange(n_hh), sizes)
    pos = np.arange(persons) - hh_start[household]

    head_age = np.clip(rng.normal(50, 15, n_hh), 20, 95)
    has_spouse = (sizes >= 2) & (rng.random(n_hh) < np.where(sizes == 2, 0.7, 0.9))
    old_head = head_age >= 58
    mother_first = rng.random(n_hh) < 0.6
    hs, ho, hm = has_spouse[household], old_head[household], mother_first[household]
    child, parent, grand = 100, 101, 102  # provisional roles, gendered below
    role = np.full(persons, OTHER)
    role[pos == 0] = HEAD
    role[(pos == 1) & hs] = SPOUSE
    role[(pos == 1) & ~hs] = np.where(ho | (rng.random(persons) < 0.5), child, parent)[(pos == 1) & ~hs]
    role[(pos == 2)] = child
    role[(pos == 3)] = np.where(ho, grand, child)[pos == 3]
    role[(pos == 4) | (pos == 5)] = np.where(ho, grand, parent)[(pos == 4) | (pos == 5)]

    ha = head_age[household]
    age = np.empty(persons)
    age[role == HEAD] = ha[role == HEAD]
    age[role == SPOUSE] = np.maximum(18, ha + rng.normal(0, 3, persons))[role == SPOUSE]
    child_age = ha - rng.uniform(22, 38, persons)
    young = child_age < 0
    child_age[young] = rng.uniform(0, 1, int(young.sum())) * np.maximum(ha[young] - 18, 0.5)
    age[role == child] = child_age[role == child]
    grand_age = ha - rng.uniform(46, 62, persons)
    grand_age[grand_age < 0] = rng.uniform(0, 6, int((grand_age < 0).sum()))
    age[role == grand] = grand_age[role == grand]
    age[role == parent] = np.minimum(ha + rng.uniform(22, 34, persons), 101)[role == parent]
    age[role == OTHER] = rng.uniform(1, 80, persons)[role == OTHER]

    head_male = rng.random(n_hh) < 0.72
    coin = rng.random(persons) < 0.52
    male = np.where(role == HEAD, head_male[household], coin)
    male[role == SPOUSE] = ~head_male[household][role == SPOUSE]
    parent_mask = role == parent
    is_mother = np.where(pos == 4, hm, np.where(pos == 5, ~hm, hm))
    male[parent_mask] = ~is_mother[parent_mask]
    relation = role.copy()
    relation[role == child] = np.where(male, SON, DAUGHTER)[role == child]
    relation[role == grand] = np.where(male, GRANDSON, GRANDDAUGHTER)[role == grand]
    relation[parent_mask] = np.where(male, FATHER, MOTHER)[parent_mask]

    age += rng.random(persons)  # spread the clipped ages over a year of birth dates
    birth = REF_DATE - (31 + np.floor(age * 365.25)).astype("timedelta64[D]")
    names = _names(rng, household, role, male, head_male, hh_start, sizes, (child, grand, parent))
    status, cancel = _statuses(rng, birth, age, role, child, grand)

    district = rng.choice(len(place.districts), size=n_hh, p=place.shares)
    first, size = (share or Share()).span(900_000_000)
    numbers = (rng.choice(size, size=n_hh, replace=False) + 100_000_000 + first).astype(str).tolist()
    ethnic = rng.choice(len(_ETHNIC), size=n_hh, p=_ETHNIC_P)
    uyghur = _uyghur_households(rng, n_hh)
    ethnicity = [_ETHNIC[e] for e in ethnic.tolist()]
    for h in uyghur.tolist():
        ethnicity[h] = "维吾尔族"
    members = np.isin(household, uyghur)
    for p, name in zip(np.flatnonzero(members).tolist(), sample_minority_names(rng, male[members])):
        names[p] = name
    world = World(
        household=household, relation=relation.astype(np.int8), male=male, birth=birth,
        names=names, status=status, cancel=cancel, hh_district=district, hh_number=numbers,
        hh_address=_addresses(rng, district, place), hh_ethnicity=ethnicity, hh_start=hh_start,
        taken=TakenIds() if taken is None else taken, place=place,
    )
    world.assign_ids(rng)
    return world


def _names(rng, household, role, male, head_male, hh_start, sizes, roles) -> list[str]:
    """Children, grandchildren and the head's father share the family surname; spouses,
    mothers and others bring their own."""
    child, grand, parent = roles
    n_hh = len(hh_start)
    head_surname = sample_surnames(rng, n_hh)
    spouse_of = hh_start + 1
    own = sample_surnames(rng, len(household))
    spouse_surname = np.where(sizes >= 2, own[np.minimum(spouse_of, len(household) - 1)], head_surname)
    family = np.where(head_male | (role[np.minimum(spouse_of, len(household) - 1)] != SPOUSE), head_surname, spouse_surname)
    surname = own.copy()
    surname[role == HEAD] = head_surname[household][role == HEAD]
    inherit = (role == child) | (role == grand)
    surname[inherit] = family[household][inherit]
    fathers = (role == parent) & male
    surname[fathers] = head_surname[household][fathers]
    surnames = np.array(SURNAMES, dtype=object)[surname]
    return (surnames + np.array(sample_given_names(rng, male), dtype=object)).tolist()


def _statuses(rng, birth, age, role, child, grand) -> tuple[np.ndarray, np.ndarray]:
    """Old deaths (age-weighted) and moves, then October 2026 deaths, moves and births."""
    n = len(birth)
    status = np.zeros(n, dtype=np.int8)
    p_dead = np.where(age > 60, 0.06 + (age - 60) * 0.006, 0.005)
    u = rng.random(n)
    status[u < p_dead] = DEAD
    status[(u >= p_dead) & (u < p_dead + 0.015) & (age >= 16)] = MOVED
    # deaths within five years (about 0.7 % of residents a year), moves since 2010
    first = np.where(status == DEAD, np.datetime64("2021-10-01"), np.datetime64("2010-01-01")).astype(np.int64)
    span = PREV_SNAPSHOT.astype(np.int64) - first
    cancel = (first + (rng.random(n) * span).astype(np.int64)).astype("datetime64[D]")
    cancel = np.maximum(cancel, birth + 1)
    active = status == ACTIVE
    october = PREV_SNAPSHOT + rng.integers(0, 31, n).astype("timedelta64[D]")
    for new_status, share, min_n, pool in (
        (DEAD, 0.0006, 3, active & (age >= 60)),
        (MOVED, 0.0003, 2, active & (age >= 18) & (age < 60)),
    ):
        chosen = _pick(rng, np.flatnonzero(pool & (status == ACTIVE)), max(min_n, round(n * share)))
        status[chosen] = new_status
        cancel[chosen] = october[chosen]
    births = _pick(rng, np.flatnonzero((status == ACTIVE) & ((role == child) | (role == grand)) & (age < 3)), max(3, round(n * 0.0008)))
    birth[births] = october[births]
    cancel[status == ACTIVE] = np.datetime64("NaT")
    return status, cancel


def _pick(rng: np.random.Generator, pool: np.ndarray, k: int) -> np.ndarray:
    return rng.choice(pool, size=min(k, len(pool)), replace=False) if len(pool) else pool


def _uyghur_households(rng: np.random.Generator, n_hh: int) -> np.ndarray:
    """About 0.3 % of households (at least three) carry Uyghur names with `·`."""
    return np.sort(rng.choice(n_hh, size=min(n_hh, max(3, round(n_hh * 0.003))), replace=False))


def _addresses(rng: np.random.Generator, district: np.ndarray, place: Place) -> list[str]:
    """`<city><district><town><road><number>号[<building><room>房]`; a district that is itself a
    town (东莞) has no town of its own."""
    out = []
    town = rng.integers(0, 100, len(district)).tolist()
    road = rng.integers(0, len(place.roads), len(district)).tolist()
    number = rng.integers(1, 300, len(district)).tolist()
    flat = rng.integers(0, 30, len(district)).tolist()
    for d, t, r, no, f in zip(district.tolist(), town, road, number, flat):
        code = place.districts[d]
        towns = place.towns.get(code, ("",))
        room = f"{f % 12 + 1}栋{f % 9 + 1}0{f % 4 + 1}房" if f >= 12 else ""
        out.append(f"{place.name}{place.district_names[code]}{towns[t % len(towns)]}{place.roads[r]}{no}号{room}")
    return out
