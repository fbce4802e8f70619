"""Small helpers for ingestion tests: deliver files, ingest them, read what the lake holds."""

from __future__ import annotations

from pathlib import Path

from catalog import RESOURCES, HubSettings, Registry, resource
from catalog.analystdb import rebuild_analyst_db
from catalog.lake import connect
from pipelines.ingest import ingest_raw, publish, standardise

POPULATION_HEADER = "公民身份号码,姓名,性别,出生日期,民族,户号,与户主关系,行政区划,住址,人员状态,注销原因,注销日期"
MEMBERS_HEADER = "案件编号,成员身份证号,成员姓名,与申请人关系"


def deliver(settings: HubSettings, code: str, name: str, data: bytes) -> Path:
    """Write a delivery the way departments do: `.part` first, then rename."""
    folder = settings.landing_dir / code
    folder.mkdir(parents=True, exist_ok=True)
    part = folder / f"{name}.part"
    part.write_bytes(data)
    return part.rename(folder / name)


def ingest(settings: HubSettings, registry: Registry, code: str):
    """Run raw → standardised → published for one resource and refresh the analysts' DB."""
    res = resource(code)
    ingest_raw(settings, registry, res)
    standardise(settings, registry, res)
    publication, _ = publish(settings, registry, res)
    rebuild_analyst_db(settings, registry, list(RESOURCES.values()))
    return publication


def query(settings: HubSettings, sql: str, params: list | None = None) -> list[tuple]:
    with connect(settings, settings.analyst_db, read_only=True) as con:
        return con.execute(sql, params or []).fetchall()
