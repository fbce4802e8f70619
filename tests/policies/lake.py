"""A small, seeded lake for the policy tests: standardised-layer Parquet files and an analysts'
database whose `published.*` views read them, built without the pipelines (fast, exact)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from catalog import HubSettings, ItemType, Resource, resource
from catalog.analystdb import standardised_columns
from catalog.homestamp import stamp_views
from catalog.identifiers import id_check_char, normalise_name

SURNAMES = "张王李刘陈杨黄赵吴周欧"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"
DISTRICTS = ("441302", "441303", "441322")
TOWNS = ("江北街道", "桥西街道", "淡水街道", "罗阳镇", "公庄镇")
TABLES = ("ga.population", "ga.vehicles", "rs.social_insurance", "zr.real_estate",
          "sj.enterprises", "wj.deaths")


def _id(rng: random.Random, district: str, born: date) -> str:
    first17 = f"{district}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + id_check_char(first17)


def _value(rng: random.Random, res: Resource, item, person: dict, n: int):
    kind = item.type
    if kind is ItemType.ID_NUMBER:
        return person["id"]
    if kind is ItemType.ID_LIST:
        return [person["other_id"]] if n % 3 == 0 else []
    if kind is ItemType.NAME:
        return person["name"]
    if kind is ItemType.DISTRICT:
        return person["district"]
    if kind is ItemType.DATE:
        return person["born"] if item.name == "birth_date" else date(2020, 1, 1) + timedelta(n)
    if kind is ItemType.CODE:
        if item.name == "gender":
            return person["gender"]
        return item.codes[n % len(item.codes)]
    if kind is ItemType.MONTH:
        return f"2026{(n % 3) + 8:02d}"
    if kind in (ItemType.AMOUNT, ItemType.DECIMAL):
        return round(1000 + rng.random() * 9000, 2)
    if kind is ItemType.INTEGER:
        return rng.randrange(1, 100_000)
    if item.name == "address":
        return f"惠州市某区{person['town']}解放路{n % 300}号"
    if kind is ItemType.USCC:
        return f"91441302{n:09d}X"
    return f"{res.code}-{item.name}-{n}"


def population(seed: int = 5, persons: int = 600) -> list[dict]:
    rng = random.Random(seed)
    people = []
    for n in range(persons):
        district = DISTRICTS[n % len(DISTRICTS)]
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(30000))
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        people.append({"id": _id(rng, district, born), "name": name, "born": born,
                       "district": district, "gender": "男女"[n % 2],
                       "town": TOWNS[n % len(TOWNS)]})
    for n, person in enumerate(people):
        person["other_id"] = people[(n + 7) % len(people)]["id"]
    return people


def resource_rows(code: str, people: list[dict], seed: int = 5) -> pa.Table:
    """Rows of one resource in the standardised layer's shape (lineage + item columns)."""
    res = resource(code)
    rng = random.Random(f"{seed}-{code}")
    types = standardised_columns(res)
    rows = []
    subset = people if code == "ga.population" else people[: len(people) // 2]
    for n, person in enumerate(subset):
        row = {"_batch_id": "20261101T020000", "_file": f"{code}/20261101T020000.csv",
               "_record_no": n + 2, "_sha256": "0" * 64}
        for item in res.items:
            value = _value(rng, res, item, person, n)
            row[item.name] = value
            row[f"{item.name}_orig"] = None if value is None else str(value)
            if item.type is ItemType.ID_NUMBER:
                row[f"{item.name}_valid"] = True
            if item.type is ItemType.NAME:
                row[f"{item.name}_norm"] = normalise_name(value)
        rows.append(row)
    con = duckdb.connect()
    try:
        con.register("incoming", pa.Table.from_pylist(rows))
        cols = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in types.items())
        return con.sql(f"SELECT {cols} FROM incoming").to_arrow_table()
    finally:
        con.close()


def build_lake(settings: HubSettings, people: list[dict]) -> dict[str, pa.Table]:
    """Write every test resource and the analysts' database over it; returns the raw tables."""
    tables = {}
    con = duckdb.connect(str(settings.analyst_db))
    try:
        for schema in ("published", "raw", "meta"):
            con.execute(f"CREATE SCHEMA {schema}")
        for code in TABLES:
            res = resource(code)
            table = resource_rows(code, people)
            path = settings.lake / "standardised" / res.table / "20261101T020000"
            path.mkdir(parents=True)
            pq.write_table(table, path / "accepted.parquet")
            tables[code] = table
            con.execute(f"CREATE VIEW published.{res.table} AS SELECT * FROM "
                        f"read_parquet('{path / 'accepted.parquet'}')")
            con.execute(f"CREATE VIEW raw.{res.table} AS SELECT * FROM published.{res.table}")
        con.execute("CREATE TABLE meta.secrets AS SELECT 'do-not-read' AS s")
        # The current version of each resource, as the real analysts' database records it
        # (snapshots are keyed on it).
        con.execute("CREATE TABLE meta.publications (resource_code VARCHAR, version BIGINT)")
        con.executemany("INSERT INTO meta.publications VALUES (?, 1)", [[c] for c in TABLES])
    finally:
        con.close()
    stamp_views(settings)  # as the pipelines' rebuild records it
    return tables


def write_outside_file(root: Path) -> Path:
    """A file the gateway must never read (outside the lake)."""
    target = root / "outside.csv"
    target.write_text("secret\nleaked\n")
    return target
