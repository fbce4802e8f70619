"""Synthetic resource directories at city scale: N declarations across M departments with the mix
a real directory has (formats, encodings, item types, sharing and open attributes with their
conditions, grades, sensitivity tags, update cycles, load modes, keys), the same for the same seed.

`generate_directory` makes the declarations (each a validated `catalog.model.Resource`);
`write_directory` writes one JSON file per resource, `<out>/<department>/<code>.json`;
`pipelines.citygen.directory_deliveries` writes small deliveries for some of them.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

from catalog.model import (
    Category,
    DataItem,
    Department,
    ItemType,
    Load,
    OpenAttribute,
    Resource,
    SharingAttribute,
    SourceFormat,
    UpdateCycle,
)

from .directory_words import (
    BUREAUS,
    CONDITIONS,
    ENTERPRISE_ITEMS,
    GENERAL_ITEMS,
    HUIZHOU,
    OPEN_CONDITIONS,
    PERSON_ITEMS,
    SCOPES,
    SUBJECTS,
    TOPICS,
    City,
    ItemSpec,
)

__all__ = ["MAX_DEPARTMENTS", "departments", "generate_directory", "write_directory"]

MAX_DEPARTMENTS = len(BUREAUS) * (1 + len(HUIZHOU.districts))
_RECORD_NO = ItemSpec("record_no", "业务编号", ItemType.TEXT)
_PERIOD = next(s for s in GENERAL_ITEMS if s.name == "period")
_FIRST_RELEASE, _RELEASE_DAYS = date(2019, 1, 1), 2_738  # release dates up to mid-2026


def departments(count: int, city: City = HUIZHOU) -> list[Department]:
    """The city's bureaus first, then the same bureaus of each district."""
    made = [Department(code=code, name=city.name + name, short_name=short)
            for code, name, short in BUREAUS]
    for initials, district, _ in city.districts:
        made += [Department(code=initials + code, name=district + name,
                            short_name=district.removesuffix("区").removesuffix("县") + short)
                 for code, name, short in BUREAUS]
    if not 1 <= count <= len(made):
        raise ValueError(f"departments: between 1 and {len(made)} (the city's bureaus and "
                         "its districts'), not {count}")
    return made[:count]


def _shares(rng: random.Random, resources: int, count: int) -> list[int]:
    """Resources per department: a few large departments, a long tail (Zipf-like weights),
    each department with at least one when there are enough resources to go round."""
    base = 1 if resources >= count else 0
    shares = [base] * count
    weights = [1 / (rank + 1) ** 0.8 for rank in range(count)]
    for d in rng.choices(range(count), weights, k=resources - base * count):
        shares[d] += 1
    return shares


def _names(rng: random.Random, count: int) -> list[tuple[str, str, str]]:
    """`count` distinct (zh name, code name, English name) for one department: every subject ×
    topic in a random order, then scoped, then numbered."""
    pairs = [(s, t) for s in SUBJECTS for t in TOPICS]
    rng.shuffle(pairs)
    out = []
    for n in range(count):
        (szh, sen), (tzh, ten) = pairs[n % len(pairs)]
        zh, code, en = szh + tzh, f"{sen}_{ten}", f"{sen.replace('_', ' ')} {ten.replace('_', ' ')}"
        rounds = n // len(pairs)
        if rounds:
            scope_zh, scope_en = SCOPES[(rounds - 1) % len(SCOPES)]
            zh, code, en = zh + scope_zh, f"{code}_{scope_en}", f"{en} ({scope_en})"
            if rounds > len(SCOPES):  # past every scope: a serial in letters (codes hold none)
                serial = _letters((rounds - 1) // len(SCOPES))
                zh, code, en = f"{zh}{serial.upper()}", f"{code}_{serial}", f"{en} {serial}"
        out.append((zh, code, en[0].upper() + en[1:]))
    return out


def _letters(n: int) -> str:
    text = ""
    while n:
        n, r = divmod(n - 1, 26)
        text = chr(ord("a") + r) + text
    return text


def _item(spec: ItemSpec, *, source: str, key: bool, required: bool) -> DataItem:
    return DataItem(name=spec.name, zh_name=spec.zh, source=source, type=spec.type, key=key,
                    required=required or key, codes=spec.codes, sensitivity=spec.sensitivity,
                    grade=spec.grade, max_value=spec.max_value)


def _items(rng: random.Random, fmt: SourceFormat, load: Load) -> tuple[DataItem, ...]:
    """A record about a person, an enterprise or anything, with a key that fits what it is."""
    kind = rng.choices(("person", "enterprise", "record"), (45, 30, 25))[0]
    group = {"person": PERSON_ITEMS, "enterprise": ENTERPRISE_ITEMS, "record": ()}[kind]
    # A list of ID numbers only in Parquet: the standardiser reads JSON Lines fields as text.
    general = [s for s in GENERAL_ITEMS
               if s.type is not ItemType.ID_LIST or fmt is SourceFormat.PARQUET]
    # The key: a business number, or the person's ID (with the month for an append resource)
    # or the enterprise's USCC.
    if kind == "record" or rng.random() < 0.4:
        keyed = [_RECORD_NO]
    elif load is Load.APPEND:
        keyed = [group[0], _PERIOD]
    else:
        keyed = [group[0]]
    # Then who or what the record is about (the ID's or USCC's companion first), then the rest.
    about = list(group[1:2]) + rng.sample(group[2:], k=max(len(group) - 2, 0))
    rest = rng.sample(general, k=len(general))
    chosen = list(keyed)
    wanted = rng.randint(4, 16)
    for spec in about + rest:
        if len(chosen) >= wanted:
            break
        if spec not in chosen:
            chosen.append(spec)
    chinese = fmt in (SourceFormat.CSV, SourceFormat.XLSX) and rng.random() < 0.6
    nested = fmt is SourceFormat.JSONL and kind != "record" and rng.random() < 0.3
    items = []
    for spec in chosen:
        source = spec.zh if chinese else spec.name
        if nested and spec in group:
            source = f"{kind}.{spec.name}"  # JSON Lines: a nested path, e.g. person.name
        items.append(_item(spec, source=source, key=spec in keyed,
                           required=rng.random() < 0.3))
    return tuple(items)


def _attributes(rng: random.Random, items: tuple[DataItem, ...]) -> dict[str, object]:
    """Sharing and opening as the guide has them: personal data is shared on condition (or
    not at all) and never opened as it is; other data is mostly shared freely, often opened."""
    personal = any(i.sensitivity.is_personal for i in items)
    if personal:
        sharing = rng.choices(list(SharingAttribute), (5, 80, 15))[0]
        open_ = rng.choices(list(OpenAttribute), (0, 5, 95))[0]
    else:
        sharing = rng.choices(list(SharingAttribute), (60, 35, 5))[0]
        open_ = rng.choices(list(OpenAttribute), (30, 20, 50))[0]
    return {
        "sharing": sharing,
        "sharing_conditions": rng.choice(CONDITIONS)
        if sharing is SharingAttribute.CONDITIONAL else "",
        "open": open_,
        "open_conditions": rng.choice(OPEN_CONDITIONS)
        if open_ is OpenAttribute.CONDITIONAL else "",
    }


def _format(rng: random.Random) -> dict[str, object]:
    fmt = rng.choices(list(SourceFormat), (45, 20, 20, 15))[0]  # csv, jsonl, xlsx, parquet
    if fmt is not SourceFormat.CSV:
        return {"format": fmt}
    return {"format": fmt,
            "encoding": rng.choices(("utf-8", "utf-8-sig", "gbk", "gb18030"), (40, 20, 20, 20))[0],
            "delimiter": rng.choices((",", "|", "\t"), (80, 15, 5))[0]}


def _resource(rng: random.Random, department: Department, names: tuple[str, str, str],
              earlier: list[str]) -> Resource:
    zh, code_name, en = names
    shape = _format(rng)
    load = rng.choices(list(Load), (65, 35))[0]
    cycle = rng.choices(list(UpdateCycle), (3, 30, 10, 35, 12, 10))[0]
    if load is Load.APPEND and cycle is UpdateCycle.YEARLY:
        cycle = UpdateCycle.MONTHLY
    items = _items(rng, shape["format"], load)
    related = tuple(rng.sample(earlier, k=min(len(earlier), rng.randint(1, 2))))
    return Resource(
        code=f"{department.code}.{code_name}", name=zh, name_en=en, provider=department,
        abstract=f"{department.name}{zh}信息，{cycle}更新。",
        category=rng.choices(list(Category), (10, 15, 75))[0], load=load, update_cycle=cycle,
        release_date=_FIRST_RELEASE + timedelta(days=rng.randrange(_RELEASE_DAYS)),
        related=related if rng.random() < 0.1 else (), items=items,
        **shape, **_attributes(rng, items))


def generate_directory(resources: int, departments_count: int, seed: int = 7,
                       city: City = HUIZHOU) -> list[Resource]:
    """`resources` declarations across `departments_count` departments, in department order;
    the same arguments give the same declarations."""
    if resources < 1:
        raise ValueError(f"resources: at least 1, not {resources}")
    made = departments(departments_count, city)
    rng = random.Random(seed)
    out: list[Resource] = []
    for department, share in zip(made, _shares(rng, resources, len(made)), strict=True):
        # Each department's own stream: its declarations do not shift when another's do.
        own = random.Random(f"{seed}:{department.code}")
        codes: list[str] = []
        for names in _names(own, share):
            resource = _resource(own, department, names, codes)
            codes.append(resource.code)
            out.append(resource)
    return out


def write_directory(resources: Iterable[Resource], out: Path) -> int:
    """One JSON file per declaration, `<out>/<department>/<code>.json` (the model's JSON);
    the number written."""
    written = 0
    for resource in resources:
        folder = out / resource.provider.code
        folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps(resource.model_dump(mode="json"), ensure_ascii=False, indent=2)
        (folder / f"{resource.code}.json").write_text(text + "\n", encoding="utf-8")
        written += 1
    return written
