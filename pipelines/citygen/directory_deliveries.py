"""Small deliveries for a synthetic directory: a few clean rows per resource, in the declared
format, encoding, delimiter and headers, laid out as the landing expects
(`<landing>/<resource code>/<batch id>.<ext>`, written as `.part` and renamed — docs/contract.md).

Values are valid for their item type (GB 11643 ID numbers and GB 32100 codes with their check
characters, dates, months, amounts under the declared maximum, codes from the code list) and
keys are unique, so every row should be accepted.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from catalog.identifiers import USCC_CHARSET, id_check_char, uscc_check_char
from catalog.model import DataItem, ItemType, Resource, SourceFormat

from .directory_words import HUIZHOU, City
from .xlsx import write_xlsx

__all__ = ["BATCH_ID", "delivery_rows", "pick_delivered", "write_deliveries"]

BATCH_ID = "20261101T020000"
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢叶钟"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"
_STREETS = ("文明路", "江北大道", "河南岸路", "惠州大道", "演达大道", "长寿路", "东平大道")
_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def _id_number(rng: random.Random, city: City) -> str:
    born = date(1940, 1, 1) + timedelta(days=rng.randrange(29_000))
    first17 = rng.choice(city.districts)[2] + born.strftime("%Y%m%d") + f"{rng.randrange(1000):03d}"
    return first17 + id_check_char(first17)


def _uscc(rng: random.Random, city: City) -> str:
    body = "".join(rng.choice(USCC_CHARSET) for _ in range(9))
    first17 = "91" + rng.choice(city.districts)[2] + body
    return first17 + uscc_check_char(first17)


def _text(item: DataItem, rng: random.Random, row: int, city: City) -> str:
    if item.name == "phone":
        return "1" + rng.choice("3589") + f"{rng.randrange(10**9):09d}"
    if item.name in ("address", "location"):
        return f"{city.name}{rng.choice(city.districts)[1]}{rng.choice(_STREETS)}{rng.randint(1, 999)}号"
    if item.name == "plate_number":
        return "粤L" + "".join(rng.choice(_LETTERS + "0123456789") for _ in range(5))
    if item.key:
        return f"{item.name[:2].upper()}{BATCH_ID[:4]}{row:06d}"  # unique within the batch
    return f"{item.zh_name}{rng.randint(1, 99)}"


def _value(item: DataItem, rng: random.Random, row: int, city: City) -> object:
    """One valid value of the item, as a department would deliver it (text, or typed for
    Parquet and XLSX where the value has a type there)."""
    t = item.type
    if item.codes:
        return rng.choice(item.codes)
    top = item.max_value or 1_000_000
    if t is ItemType.ID_NUMBER:
        return _id_number(rng, city)
    if t is ItemType.ID_LIST:
        return [_id_number(rng, city) for _ in range(rng.randint(int(item.required), 2))]
    if t is ItemType.USCC:
        return _uscc(rng, city)
    if t is ItemType.NAME:
        return rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN, k=rng.randint(1, 2)))
    if t is ItemType.DISTRICT:
        return rng.choice(city.districts)[2]
    if t is ItemType.DATE:
        return date(2000, 1, 1) + timedelta(days=rng.randrange(9_000))
    if t is ItemType.MONTH:
        return f"20{rng.randint(20, 26)}{rng.randint(1, 12):02d}"
    if t is ItemType.AMOUNT:
        return round(rng.uniform(0, min(top, 100_000)), 2)
    if t is ItemType.INTEGER:
        return rng.randint(0, int(min(top, 100_000)))
    if t is ItemType.DECIMAL:
        return round(rng.uniform(0, min(top, 10_000)), 2)
    return _text(item, rng, row, city)


def delivery_rows(resource: Resource, rows: int, seed: int, city: City = HUIZHOU
                  ) -> list[list[object]]:
    """`rows` rows of valid values, one per data item in declaration order; key values are
    unique across the rows (an append key (id, month) is unique because the id is)."""
    rng = random.Random(f"{seed}:{resource.code}:rows")
    out, seen = [], set()
    for n in range(1, rows + 1):
        while True:
            row = [_value(item, rng, n, city) for item in resource.items]
            key = tuple(str(row[i]) for i, item in enumerate(resource.items) if item.key)
            if key not in seen:
                seen.add(key)
                out.append(row)
                break
    return out


def _as_text(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _csv(resource: Resource, rows: list[list[object]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=resource.delimiter, lineterminator="\n")
    writer.writerow([item.source for item in resource.items])
    writer.writerows([[_as_text(v) for v in row] for row in rows])
    return text.getvalue().encode(resource.encoding)  # utf-8-sig writes the BOM


def _jsonl(resource: Resource, rows: list[list[object]]) -> bytes:
    lines = []
    for row in rows:
        doc: dict = {}
        for item, value in zip(resource.items, row, strict=True):
            *parents, leaf = item.source.split(".")
            target = doc
            for part in parents:  # a nested path (person.name) is a nested object
                target = target.setdefault(part, {})
            target[leaf] = value if isinstance(value, list | int | float) else _as_text(value)
        lines.append(json.dumps(doc, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode(resource.encoding)


_ARROW = {ItemType.ID_LIST: pa.list_(pa.string()), ItemType.DATE: pa.date32(),
          ItemType.AMOUNT: pa.float64(), ItemType.DECIMAL: pa.float64(),
          ItemType.INTEGER: pa.int64()}


def _write(resource: Resource, rows: list[list[object]], path: Path) -> None:
    fmt = resource.format
    if fmt is SourceFormat.CSV:
        path.write_bytes(_csv(resource, rows))
    elif fmt is SourceFormat.JSONL:
        path.write_bytes(_jsonl(resource, rows))
    elif fmt is SourceFormat.XLSX:  # dates as Excel dates, numbers as numbers
        write_xlsx(path, resource.name[:31], tuple(i.source for i in resource.items),
                   [tuple(datetime(v.year, v.month, v.day) if isinstance(v, date) else v
                          for v in row) for row in rows])
    else:
        columns = {}
        for j, item in enumerate(resource.items):
            values = [row[j] for row in rows]
            kind = _ARROW.get(item.type, pa.string())
            columns[item.source] = pa.array(
                values if kind != pa.string() else [_as_text(v) for v in values], kind)
        pq.write_table(pa.table(columns), path)


def pick_delivered(resources: Sequence[Resource], count: int) -> list[Resource]:
    """`count` resources spread evenly over the directory (every department's share)."""
    if count <= 0:
        return []
    if count >= len(resources):
        return list(resources)
    step = len(resources) / count
    return [resources[int(n * step)] for n in range(count)]


def write_deliveries(resources: Sequence[Resource], landing: Path, count: int, seed: int = 7,
                     rows: int = 5, city: City = HUIZHOU) -> list[Path]:
    """One batch of `rows` rows for `count` of the resources; the files written."""
    written = []
    for resource in pick_delivered(resources, count):
        folder = landing / resource.code
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{BATCH_ID}.{resource.format.value}"
        staging = path.with_name(path.name + ".part")
        _write(resource, delivery_rows(resource, rows, seed, city), staging)
        os.replace(staging, path)  # complete only under its final name
        written.append(path)
    return written
