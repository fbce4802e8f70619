"""Policy-test fixtures: a seeded lake, a grant store, principals and their grants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from catalog import HubSettings, open_registry
from policies import GrantStore, PolicyError, Principal
from policies.builds import materialise, wait_for_builds
from tests.policies.lake import build_lake, population

POPULATION_ITEMS = ["id_number", "name", "gender", "birth_date", "household_id",
                    "relation_to_head", "district_code", "address", "status"]
DISTRICT = "441302"


def make_settings(home: Path, **overrides) -> HubSettings:
    home.mkdir(parents=True, exist_ok=True)
    return HubSettings(home=home, landing=home / "landing", **overrides)


@pytest.fixture(scope="session")
def people() -> list[dict]:
    return population()


@pytest.fixture(scope="session")
def lake(tmp_path_factory: pytest.TempPathFactory, people):
    """(settings, raw tables by resource code): shared read-only by the whole package."""
    settings = make_settings(tmp_path_factory.mktemp("policy-lake") / "home")
    return settings, build_lake(settings, people)


@pytest.fixture(scope="session")
def settings(lake) -> HubSettings:
    return lake[0]


@pytest.fixture(scope="session")
def raw(lake):
    return lake[1]


@pytest.fixture(scope="session")
def store(settings) -> GrantStore:
    registry = open_registry(settings)
    return GrantStore(registry)


def provision(store: GrantStore, code: str, items, *, mode="query", department="hub", **kw):
    return store.provision_grant(
        resource_code=code, department=department, items=items, purpose=kw.pop("purpose", "统计分析"),
        legal_basis="惠州市政务数据共享管理办法", mode=mode,
        valid_until=kw.pop("valid_until", datetime.now(UTC) + timedelta(days=30)), **kw)


@pytest.fixture(scope="session")
def analyst() -> Principal:
    """A district officer of the data bureau (数据局)."""
    return Principal("analyst-1", "hub", frozenset({"analyst"}), DISTRICT)


@pytest.fixture(scope="session")
def grants(store):
    """The district analyst's query grants: population, vehicles, social insurance."""
    return [
        provision(store, "ga.population", POPULATION_ITEMS),
        provision(store, "ga.vehicles", ["plate_number", "owner_id_number", "owner_name",
                                         "vehicle_type", "status"]),
        provision(store, "wj.deaths", ["certificate_no", "id_number", "name", "death_date",
                                       "district_code"]),
        provision(store, "zr.real_estate", ["certificate_no", "owner_id_number",
                                            "co_owner_id_numbers", "property_use", "area_m2",
                                            "district_code", "location"]),
    ]


def materialise_all(settings: HubSettings, principal: Principal, grants) -> list:
    """Build now the snapshot of each grant the principal may query (after any background
    build another test started, which would hold the build lock)."""
    built = []
    assert wait_for_builds(60)
    for grant in grants:
        try:
            snapshot = materialise(settings, principal, grant)
        except PolicyError:  # a grant the policy refuses this principal: nothing to build
            continue
        assert snapshot is not None, grant.resource_code
        built.append(snapshot)
    return built


@pytest.fixture(scope="session", params=["inline", "snapshot"])
def gateway(request, settings, analyst, grants) -> HubSettings:
    """The district analyst's gateway on each read path: every protected table read inline
    (masks computed per query), or from the grants' materialised snapshots."""
    if request.param == "inline":
        return make_settings(settings.home, gateway_snapshots="off")
    assert materialise_all(settings, analyst, grants)
    return make_settings(settings.home, gateway_snapshots="manual")
