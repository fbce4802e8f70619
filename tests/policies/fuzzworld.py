"""The fuzz harness's world: the test lake, the district analyst, its grants, the reference
database, and a gateway runner per read path. Built by the pytest fixtures' own helpers, so
the bench (`bench/gateway_fuzz.py`) and the tests fuzz the same lake the same way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from catalog import HubSettings, open_registry
from policies import GrantStore, Principal, execute, grant_key, plan
from tests.policies.conftest import (
    DISTRICT,
    POPULATION_ITEMS,
    make_settings,
    materialise_all,
    provision,
)
from tests.policies.lake import build_lake, population
from tests.policies.oracle import Tally, Verdict, judge
from tests.policies.reference import reference_database
from tests.policies.sqlvocab import LAKE, Generated

__all__ = ["World", "build_world", "gateway_runner", "substitute"]

GRANTED = [
    ("ga.population", POPULATION_ITEMS),
    ("ga.vehicles", ["plate_number", "owner_id_number", "owner_name", "vehicle_type", "status"]),
    ("wj.deaths", ["certificate_no", "id_number", "name", "death_date", "district_code"]),
    ("zr.real_estate", ["certificate_no", "owner_id_number", "co_owner_id_numbers",
                        "property_use", "area_m2", "district_code", "location"]),
]


def substitute(sql: str, settings: HubSettings) -> str:
    return sql.replace(LAKE, str(settings.lake))


def gateway_runner(settings: HubSettings, analyst: Principal, grants) -> Callable[[str], pa.Table]:
    """The gateway as `plan` + `execute` with the analyst's grants (named, so grants other
    tests provision for the department cannot make the read ambiguous)."""
    return lambda sql: execute(settings, plan(analyst, grants, sql, settings=settings))


@dataclass
class World:
    settings: HubSettings
    analyst: Principal
    grants: list
    reference: duckdb.DuckDBPyConnection
    paths: dict[str, HubSettings]  # read path ("inline", "snapshot") -> settings
    secrets: dict[str, str]  # values no permitted answer holds -> what they are

    def check(self, generated: Generated, path: str, tally: Tally | None = None) -> Verdict:
        settings = self.paths[path]
        sql = substitute(generated.sql, settings)
        verdict = judge(gateway_runner(settings, self.analyst, self.grants), self.reference,
                        sql, exact=generated.exact, secrets=self.secrets)
        if tally is not None:
            tally.add(generated, verdict)
        return verdict


def build_world(root: Path, *, snapshots: bool = True) -> World:
    """A fresh lake under `root`, the analyst's grants, their snapshots, the reference."""
    settings = make_settings(root / "home")
    raw = build_lake(settings, population())
    registry = open_registry(settings)
    store = GrantStore(registry)
    grants = [provision(store, code, items) for code, items in GRANTED]
    analyst = Principal("analyst-1", "hub", frozenset({"analyst"}), DISTRICT)
    paths = {"inline": make_settings(settings.home, gateway_snapshots="off")}
    if snapshots:
        materialise_all(settings, analyst, grants)
        paths["snapshot"] = make_settings(settings.home, gateway_snapshots="manual")
    reference = reference_database(raw, grants, settings.secret_key.get_secret_value())
    return World(settings, analyst, grants, reference, paths,
                 secrets_of(settings, raw, grants, reference))


def secrets_of(settings: HubSettings, raw, grants, reference) -> dict[str, str]:
    """Values the analyst must never see: lake values (8+ characters) that no permitted
    table holds (unmasked IDs, full names and addresses, other districts' rows), the grants'
    HMAC keys, the protected table, and the hub's directory."""
    permitted: set[str] = set()
    for (table,) in reference.execute("SELECT table_name FROM duckdb_tables()").fetchall():
        for row in reference.execute(f'SELECT * FROM "{table}"').fetchall():
            permitted |= {str(v) for v in row}
    secrets: dict[str, str] = {}
    for code, table in raw.items():
        for row in table.to_pylist():
            for column, value in row.items():
                for v in value if isinstance(value, list) else [value]:
                    text = str(v)
                    if v is not None and len(text) >= 8 and text not in permitted:
                        secrets[text] = f"raw {code}.{column.removesuffix('_orig')}"
    for grant in grants:
        padded = grant_key(settings.secret_key.get_secret_value(), grant.id).ljust(64, b"\0")
        for pad in (0x36, 0x5C):
            hexed = bytes(b ^ pad for b in padded).hex()
            secrets[hexed] = secrets[hexed.upper()] = "HMAC key"
    secrets["do-not-read"] = "meta.secrets"
    secrets[str(settings.home)] = "hub directory"
    return secrets
