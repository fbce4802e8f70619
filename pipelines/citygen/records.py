"""Bulk department records derived from the world with plausible proportions (vehicles, social
insurance, pensions, provident fund, real estate, enterprises, deaths) and both population snapshots.

`weight` scales each person's chance of holding records: 1 for ordinary residents, small for
members of ordinary assistance households (incidental positives), 0 inside planted cases.
"""

from __future__ import annotations

import numpy as np

from .keys import ORG_SPACE, PLATE_SPACE, KeyRegistry, plate, uscc_strings
from .tables import CURRENT_BATCH, INSURANCE_BATCHES, PREVIOUS_BATCH, TableBuilder, objects
from .world import (
    ACTIVE,
    DEAD,
    PREV_SNAPSHOT,
    REF_DATE,
    RELATIONS,
    SPOUSE,
    World,
    ymd,
)

__all__ = ["People", "add_bulk_records", "add_population"]

_VEHICLE_TYPES = ("小型汽车", "大型汽车", "挂车", "摩托车", "残疾人专用车", "低速车")
_VEHICLE_P = (0.8, 0.025, 0.01, 0.12, 0.005, 0.04)
_CAR_BRANDS = ("比亚迪", "丰田", "本田", "大众", "日产", "吉利", "长安", "五菱", "广汽传祺", "特斯拉", "别克", "奔驰")
_MOTO_BRANDS = ("五羊-本田", "豪爵", "雅马哈", "新大洲", "雅迪")
_INSURANCE_TYPES = ("养老", "医疗", "失业", "工伤")
_TRADES = ("五金店", "便利店", "餐饮店", "服装店", "理发店", "水果店", "汽车维修部", "建材店", "茶行", "药店")
_FIRMS = ("华兴", "德润", "鹏达", "恒信", "金源", "嘉和", "宏发", "东江", "惠泰", "新能", "华盛", "联创")
_INDUSTRIES = ("电子科技", "建筑工程", "物流", "贸易", "食品", "机械制造", "房地产开发", "信息技术", "新材料", "环保科技")


class People:
    """Per-person arrays used by every generator: ids, names, ages and eligibility."""

    def __init__(self, world: World, weight: np.ndarray, protected: np.ndarray):
        self.world = world
        self.ids = np.array(world.ids, dtype=object)
        self.names = np.array(world.names, dtype=object)
        self.age = (REF_DATE - world.birth).astype(np.int64) / 365.25
        self.alive = world.status == ACTIVE
        self.weight = weight
        self.protected = protected
        self.place = world.place
        districts = world.hh_district[world.household]
        self.district = np.array(world.place.districts, dtype=object)[districts]
        self.area = world.place.id_areas()[districts]  # six-digit address codes (USCCs)

    def draw(self, rng: np.random.Generator, eligible: np.ndarray, share: float) -> np.ndarray:
        """Persons among `eligible`, each with probability share × weight, in person order."""
        return np.flatnonzero(eligible & (rng.random(len(eligible)) < share * self.weight))


def add_population(world: World, protected: np.ndarray, builder: TableBuilder) -> None:
    """The previous (1 October) and current (1 November) full extracts of ga.population."""
    ids = np.array(world.ids, dtype=object)
    hh = world.household
    cols = {
        "公民身份号码": ids,
        "姓名": np.array(world.names, dtype=object),
        "性别": np.where(world.male, "男", "女").astype(object),
        "出生日期": ymd(world.birth),
        "民族": np.array(world.hh_ethnicity, dtype=object)[hh],
        "户号": np.array(world.hh_number, dtype=object)[hh],
        "与户主关系": np.array(RELATIONS, dtype=object)[world.relation],
        "行政区划": np.array(world.place.districts, dtype=object)[world.hh_district[hh]],
        "住址": np.array(world.hh_address, dtype=object)[hh],
    }
    cancelled = world.status != ACTIVE
    cancel_date = np.full(world.persons, "", dtype=object)
    cancel_date[cancelled] = ymd(world.cancel[cancelled])
    reason = np.array(["", "死亡", "迁出"], dtype=object)[world.status]
    status = np.where(cancelled, "注销", "正常").astype(object)
    current = dict(cols, 人员状态=status, 注销原因=reason, 注销日期=cancel_date)
    builder.add_columns(CURRENT_BATCH, current, protected)
    existed = world.birth < PREV_SNAPSHOT
    previous = {k: v[existed] for k, v in current.items()}
    not_yet = (cancelled & (world.cancel >= PREV_SNAPSHOT))[existed]
    previous["人员状态"][not_yet] = "正常"
    previous["注销原因"][not_yet] = ""
    previous["注销日期"][not_yet] = ""
    builder.add_columns(PREVIOUS_BATCH, previous, protected[existed])


def add_bulk_records(people: People, rng: np.random.Generator, keys: KeyRegistry, builders: dict[str, TableBuilder]) -> None:
    """All random department records (planted ones are added separately)."""
    employers = _enterprises(people, rng, keys, builders["sj.enterprises"])
    employees, base, employer = _insurance(people, rng, employers, builders["rs.social_insurance"])
    _deposits(people, rng, keys, employees, base, employers[1][employer], employers[1], builders["gjj.deposits"])
    _vehicles(people, rng, keys, builders["ga.vehicles"])
    _pensions(people, rng, builders["rs.pensions"])
    _real_estate(people, rng, keys, builders["zr.real_estate"])
    _deaths(people, rng, keys, builders["wj.deaths"])


def _dates(rng: np.random.Generator, n: int, start: str, end: str) -> np.ndarray:
    lo = np.datetime64(start).astype(np.int64)
    hi = np.datetime64(end).astype(np.int64)
    return (lo + rng.integers(0, hi - lo, n)).astype("datetime64[D]")


def _iso(dates: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(dates, unit="D").astype(object)


def _money(values: np.ndarray) -> np.ndarray:
    return np.char.mod("%.2f", values).astype(object)


def _enterprises(people: People, rng, keys: KeyRegistry, builder: TableBuilder) -> tuple[np.ndarray, np.ndarray]:
    """About 0.15 registered entities per person; returns the live companies (uscc, name) as employers."""
    adults = people.alive & (people.age >= 20) & (people.age < 70)
    reps = rng.choice(np.flatnonzero(adults), size=max(10, round(0.15 * len(adults))), p=_p(people.weight[adults]))
    n = len(reps)
    kind = rng.choice(4, size=n, p=[0.65, 0.30, 0.01, 0.04])
    types = np.array(["个体工商户", "有限责任公司", "股份有限公司", "农民专业合作社"], dtype=object)[kind]
    category = np.array([2, 1, 1, 3])[kind]
    district = people.district[reps]
    uscc = np.array(uscc_strings(keys.many("org", rng, ORG_SPACE, n), category, people.area[reps]), dtype=object)
    capital = np.where(kind == 0, np.round(np.exp(rng.normal(1.5, 0.9, n)), 2), np.round(np.exp(rng.normal(5, 1.2, n)), 0))
    status = rng.choice(np.array(["存续", "注销", "吊销"], dtype=object), size=n, p=[0.8, 0.15, 0.05])
    trade = rng.integers(0, 1000, n)
    city, district_names = people.place.name, people.place.district_names
    names = np.array(
        [
            f"{district_names[d]}{people.names[r]}{_TRADES[t % len(_TRADES)]}" if k == 0
            else f"{city}{_FIRMS[t % len(_FIRMS)]}{_INDUSTRIES[t // 10 % len(_INDUSTRIES)]}{'股份' if k == 2 else ''}有限公司" if k in (1, 2)
            else f"{district_names[d]}{_FIRMS[t % len(_FIRMS)]}种养专业合作社"
            for r, k, d, t in zip(reps.tolist(), kind.tolist(), district.tolist(), trade.tolist())
        ],
        dtype=object,
    )
    builder.add_columns(CURRENT_BATCH, {
        "uscc": uscc, "name": names, "entity_type": types, "legal_rep.name": people.names[reps],
        "legal_rep.id_number": people.ids[reps], "registered_capital_wan": capital.astype(object), "status": status,
        "established_date": _iso(_dates(rng, n, "1995-01-01", "2026-10-01")), "district_code": district,
    }, people.protected[reps])
    live = np.flatnonzero((kind == 1) & (status == "存续"))
    return uscc[live], names[live]


def _p(weights: np.ndarray) -> np.ndarray:
    return weights / weights.sum()


def _insurance(people: People, rng, employers, builder: TableBuilder) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Half of the working-age residents contribute every month for the four insurance types;
    a few months arrive one batch late (and 202607 only as late rows of the 202608 batch).
    Returns the employees, their wage bases and their employers."""
    working = people.alive & (people.age >= 18) & (people.age < 60)
    employees = people.draw(rng, working, 0.5)
    n = len(employees)
    base = np.clip(np.round(np.exp(rng.normal(np.log(6000), 0.45, n))), 2300, 36000)
    employer = rng.choice(len(employers[0]), size=n, p=_p(1 / np.arange(1, len(employers[0]) + 1) ** 0.8))
    periods = ("202607", *INSURANCE_BATCHES)
    present = np.stack([rng.random(n) < (0.004 if p == "202607" else 0.97) for p in periods])
    late = np.stack([(rng.random(n) < (1.0 if p == "202607" else 0.004)) & present[i] for i, p in enumerate(periods)])
    base_text = _money(base)
    for b, (period, batch) in enumerate(INSURANCE_BATCHES.items()):
        on_time = present[b + 1] & ~late[b + 1]
        for rows, row_period in ((on_time, period), (late[b], periods[b])):
            who = np.repeat(np.flatnonzero(rows), 4)
            persons = employees[who]
            builder.add_columns(batch, {
                "id_number": people.ids[persons], "name": people.names[persons],
                "employer_uscc": employers[0][employer[who]], "employer_name": employers[1][employer[who]],
                "insurance_type": np.tile(np.array(_INSURANCE_TYPES, dtype=object), len(who) // 4),
                "period": np.full(len(who), row_period, dtype=object), "contribution_base": base_text[who],
            }, people.protected[persons])
    return employees, base, employer


def _deposits(people: People, rng, keys: KeyRegistry, employees, base, employer_of, employer_names, builder: TableBuilder) -> None:
    """Provident-fund accounts: most live for current employees, some sealed or closed for others."""
    live = rng.random(len(employees)) < 0.6
    working = people.alive & (people.age >= 22) & (people.age < 65)
    former = people.draw(rng, working, 0.03)
    persons = np.concatenate([employees[live], former])
    n_live, n = int(live.sum()), len(persons)
    wage = np.concatenate([base[live], np.round(np.exp(rng.normal(np.log(5000), 0.4, len(former))))])
    deposit = np.round(wage * 2 * rng.uniform(0.05, 0.12, n) * 100).astype(np.int64)
    status = np.concatenate([np.full(n_live, "正常", dtype=object), rng.choice(np.array(["封存", "销户"], dtype=object), size=len(former), p=[0.8, 0.2])])
    months = np.concatenate([np.where(rng.random(n_live) < 0.97, "202610", "202609").astype(object),
                             _months(rng, len(former), 2015, 2026, 6)])
    employer_name = np.concatenate([employer_of[live], rng.choice(employer_names, size=len(former))])
    accounts = keys.many("gjj", rng, 10**8, n) + int(people.place.code) * 10**8
    builder.add_columns(CURRENT_BATCH, {
        "account_no": accounts.astype(str).astype(object), "id_number": people.ids[persons], "name": people.names[persons],
        "employer_name": employer_name, "monthly_deposit_fen": deposit.astype(str).astype(object),
        "balance_fen": (deposit * rng.integers(6, 180, n)).astype(str).astype(object),
        "last_deposit_month": months, "status": status,
    }, people.protected[persons])


def _months(rng, n: int, first_year: int, last_year: int, last_month: int) -> np.ndarray:
    """Random `YYYYMM` strings from January of first_year to last_month of last_year."""
    span = (last_year - first_year) * 12 + last_month
    k = rng.integers(0, span, n)
    return ((first_year + k // 12) * 100 + k % 12 + 1).astype(str).astype(object)


def _vehicles(people: People, rng, keys: KeyRegistry, builder: TableBuilder) -> None:
    """About 0.3 registered vehicles per resident, owned by adults."""
    adults = people.alive & (people.age >= 18) & (people.age < 76)
    owners = np.sort(rng.choice(np.flatnonzero(adults), size=round(0.3 * len(people.ids)), p=_p(people.weight[adults])))
    n = len(owners)
    kind = rng.choice(len(_VEHICLE_TYPES), size=n, p=_VEHICLE_P)
    brand_i = rng.integers(0, 60, n)
    brands = np.where(kind == 3, np.array(_MOTO_BRANDS, dtype=object)[brand_i % len(_MOTO_BRANDS)],
                      np.array(_CAR_BRANDS, dtype=object)[brand_i % len(_CAR_BRANDS)])
    builder.add_columns(CURRENT_BATCH, {
        "plate_number": np.array([plate(c, people.place.plate_prefix) for c in keys.many("plate", rng, PLATE_SPACE, n).tolist()], dtype=object),
        "owner_id_number": people.ids[owners], "owner_name": people.names[owners],
        "vehicle_type": np.array(_VEHICLE_TYPES, dtype=object)[kind], "brand": brands,
        "register_date": _iso(_dates(rng, n, "2005-01-01", "2026-10-31")),
        "status": rng.choice(np.array(["正常", "注销", "转出"], dtype=object), size=n, p=[0.85, 0.1, 0.05]),
    }, people.protected[owners])


def _pensions(people: People, rng, builder: TableBuilder) -> None:
    """Retirees: enterprise pensions (a few thousand yuan) or resident pensions (a few hundred);
    assistance households only the latter; dead pensioners' payments terminated."""
    w = people.world
    resident = (rng.random(w.persons) < 0.45) | (people.weight < 1)
    retired = people.age >= np.where(w.male | resident, 60, 50)
    living = (w.status == ACTIVE) | ((w.status == DEAD) & (w.cancel >= np.datetime64("2021-01-01")))
    chosen = np.flatnonzero(retired & living & (rng.random(w.persons) < 0.8) & (people.weight > 0))
    n = len(chosen)
    resident = resident[chosen]
    amount = np.where(resident, np.round(rng.uniform(150, 400, n), 2), np.round(np.exp(rng.normal(np.log(3300), 0.3, n)), 2))
    status = rng.choice(np.array(["正常发放", "暂停", "终止"], dtype=object), size=n, p=[0.95, 0.03, 0.02])
    status[w.status[chosen] == DEAD] = "终止"
    start_age = np.where(w.male[chosen], 60, np.where(resident, 60, 50))
    start = w.birth[chosen].astype("datetime64[M]") + (start_age * 12).astype("timedelta64[M]")
    start = np.maximum(start, np.datetime64("1995-01"))
    start = np.minimum(start, np.datetime64("2026-10"))
    builder.add_columns(CURRENT_BATCH, {
        "身份证号": people.ids[chosen], "姓名": people.names[chosen],
        "待遇类型": np.where(resident, "城乡居民养老", "企业职工养老").astype(object), "月发放金额": amount.astype(object),
        "开始月份": np.char.replace(np.datetime_as_string(start, unit="M"), "-", "").astype(object), "发放状态": status,
    }, people.protected[chosen])


def _real_estate(people: People, rng, keys: KeyRegistry, builder: TableBuilder) -> None:
    """Per household: homes (spouses often co-own), parking spaces, a little commercial property,
    and certificates cancelled after a sale; about 1.2 certificates per household."""
    w = people.world
    heads = w.hh_start
    ok = people.alive[heads] & (people.age[heads] >= 22)
    spouse = np.minimum(heads + 1, w.persons - 1)
    has_spouse = (w.relation[spouse] == SPOUSE) & people.alive[spouse] & (w.household[spouse] == np.arange(w.households))
    plans = (("住宅", 0.65, "现势"), ("住宅", 0.18, "现势"), ("车位", 0.25, "现势"), ("商业", 0.02, "现势"),
             ("办公", 0.005, "现势"), ("工业", 0.003, "现势"), ("住宅", 0.12, "注销"))
    chosen = [np.flatnonzero(ok & (rng.random(len(heads)) < share * people.weight[heads])) for _, share, _ in plans]
    hh = np.concatenate(chosen)
    use = np.concatenate([np.full(len(c), u, dtype=object) for c, (u, _, _) in zip(chosen, plans)])
    status = np.concatenate([np.full(len(c), s, dtype=object) for c, (_, _, s) in zip(chosen, plans)])
    n = len(hh)
    owners = heads[hh]
    co_owned = (use == "住宅") & has_spouse[hh] & (rng.random(n) < 0.6)
    co_owners = objects([[people.ids[s]] if c else [] for s, c in zip(spouse[hh].tolist(), co_owned.tolist())])
    area = np.select([use == "住宅", use == "车位", use == "商业"], [rng.uniform(55, 160, n), rng.uniform(11, 16, n), rng.uniform(25, 300, n)], rng.uniform(80, 2000, n))
    registered = _dates(rng, n, "2000-01-01", "2026-10-31")
    years = registered.astype("datetime64[Y]").astype(np.int64) + 1970
    numbers = keys.many("estate", rng, 10**7, n)
    province, city = people.place.province, people.place.name
    room = np.where(use == "住宅", "", np.where(use == "车位", "地下车位", "商铺"))
    builder.add_columns(CURRENT_BATCH, {
        "certificate_no": np.array([f"{province}({y}){city}不动产权第{k:07d}号" for y, k in zip(years.tolist(), numbers.tolist())], dtype=object),
        "owner_id_number": people.ids[owners], "owner_name": people.names[owners], "co_owner_id_numbers": co_owners,
        "property_use": use, "area_m2": np.round(area, 2).astype(object),
        "location": np.array(w.hh_address, dtype=object)[hh] + room.astype(object),
        "district_code": people.district[owners], "register_date": registered.astype(object), "status": status,
    }, people.protected[owners] | (co_owned & people.protected[spouse[hh]]))


def _deaths(people: People, rng, keys: KeyRegistry, builder: TableBuilder) -> None:
    """Certificates for the last year's deaths, plus a few deaths public security has not yet
    cancelled (the population record still says 正常)."""
    w = people.world
    dead = np.flatnonzero((w.status == DEAD) & (w.cancel >= np.datetime64("2025-11-01")))
    unreported = people.draw(rng, people.alive & (people.age >= 70), 0.0005)
    persons = np.concatenate([dead, unreported])
    n = len(persons)
    date = np.concatenate([w.cancel[dead] - rng.integers(0, 4, len(dead)).astype("timedelta64[D]"),
                           _dates(rng, len(unreported), "2026-10-01", "2026-10-31")])
    date = np.maximum(date, w.birth[persons])
    numbers = keys.many("death", rng, 10**7, n)
    district = people.district[persons]
    builder.add_columns(CURRENT_BATCH, {
        "certificate_no": np.array([f"Q{d}{k:07d}" for d, k in zip(district.tolist(), numbers.tolist())], dtype=object),
        "id_number": people.ids[persons], "name": people.names[persons],
        "gender": np.where(w.male[persons], "男", "女").astype(object), "death_date": _iso(date),
        "place": rng.choice(np.array(["医院", "家中", "其他"], dtype=object), size=n, p=[0.7, 0.25, 0.05]),
        "district_code": district,
    }, people.protected[persons])
