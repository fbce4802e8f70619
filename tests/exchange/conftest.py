"""Fixtures of the sharing API: the session's ingested city, a private registry per app, one
registered client per role, real tokens from the real token endpoint."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from catalog import HubSettings
from catalog.lake import connect
from exchange import create_app
from exchange.clients import create_client
from tests.live import serving

# One client per role; the requester and analyst belong to civil affairs (民政), the reviewer
# to public security (公安), which provides ga.population and ga.vehicles.
ROLES = {
    "requester": ("mz-system", "mz"),
    "analyst": ("mz-analyst", "mz"),
    "reviewer": ("ga-reviewer", "ga"),
    "cdo": ("hub-cdo", "hub"),
    "auditor": ("hub-auditor", "hub"),
    "admin": ("hub-admin", "hub"),
}
OTHER = ("rs-system", "rs")  # a requester of another department


def api_settings(ingested: HubSettings, where: Path, **overrides) -> HubSettings:
    """The ingested hub's lake and analysts' database, with a private copy of its registry."""
    where.mkdir(parents=True, exist_ok=True)
    # SQLite's backup, not a file copy: recent commits may still be in the WAL file only.
    with closing(sqlite3.connect(ingested.home / "registry.db")) as source, \
            closing(sqlite3.connect(where / "registry.db")) as copy:
        source.backup(copy)
    return HubSettings(home=ingested.home, landing=ingested.landing_dir,
                       registry_url=f"sqlite:///{where / 'registry.db'}", **overrides)


@dataclass
class Api:
    """A TestClient on a fresh app (or, `live`, an HTTP client of that app served by uvicorn),
    with a registered client (and its secret) per role."""

    http: TestClient | httpx.Client
    settings: HubSettings
    secrets: dict[str, tuple[str, str]]
    _tokens: dict[str, str]
    app: object = None

    @property
    def hub(self):
        return self.app.state.hub

    def token(self, role: str) -> str:
        if role not in self._tokens:
            client_id, secret = self.secrets[role]
            response = self.http.post("/oauth/token", data={"grant_type": "client_credentials"},
                                      auth=(client_id, secret))
            assert response.status_code == 200, response.text
            self._tokens[role] = response.json()["access_token"]
        return self._tokens[role]

    def as_(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role)}"}

    def order(self, role: str = "requester", **fields) -> dict:
        body = {"resource": "sj.enterprises", "mode": "extract", "items": ["uscc", "name"],
                "purpose": "社会救助核查", "legal_basis": "《社会救助暂行办法》第十一条",
                "valid_until": (date.today() + timedelta(days=30)).isoformat(),
                "quota_calls": 100, **fields}
        response = self.http.post("/v1/orders", json=body, headers=self.as_(role))
        assert response.status_code == 201, response.text
        return response.json()

    def approve(self, order_id: str) -> dict:
        """Both review stages: the compliance check, then the provider's reviewer."""
        for role in ("cdo", "reviewer"):
            response = self.http.post(f"/v1/orders/{order_id}/review", headers=self.as_(role),
                                      json={"decision": "approve", "reason": "依法履职所需"})
            assert response.status_code == 200, response.text
        return response.json()


def make_api(ingested: HubSettings, where: Path, **overrides) -> Api:
    settings = api_settings(ingested, where, **overrides)
    app = create_app(settings)
    store = app.state.hub.store
    secrets = {}
    for role, (client_id, department) in {**ROLES, "other": OTHER}.items():
        issued = create_client(store, client_id, f"{client_id} test client", department,
                               [role if role != "other" else "requester"])
        secrets[role] = (client_id, issued.secret)
    return Api(TestClient(app, raise_server_exceptions=False), settings, secrets, {}, app)




@contextmanager
def live_api(ingested: HubSettings, where: Path, **overrides) -> Iterator[Api]:
    """`make_api`, but over real HTTP: the app served by uvicorn, requests through httpx."""
    api = make_api(ingested, where, **overrides)
    with serving(api.app) as url, httpx.Client(base_url=url, timeout=120) as http:
        api.http = http
        yield api


@pytest.fixture
def live(ingested: HubSettings, tmp_path: Path) -> Iterator[Api]:
    """`api` over real HTTP (`live_api`)."""
    with live_api(ingested, tmp_path / "api") as api:
        yield api


@pytest.fixture
def api(ingested: HubSettings, tmp_path: Path) -> Api:
    return make_api(ingested, tmp_path / "api")


@pytest.fixture(scope="module")
def shared_api(ingested: HubSettings, tmp_path_factory: pytest.TempPathFactory) -> Api:
    """One app for a module of read-mostly tests (the permission matrix)."""
    return make_api(ingested, tmp_path_factory.mktemp("api"))


@pytest.fixture(scope="session")
def person(ingested: HubSettings) -> Callable[[str], tuple[str, str]]:
    """(id_number, name) of a published resident matching a SQL condition on the population."""
    def pick(condition: str = "true") -> tuple[str, str]:
        with connect(ingested, ingested.analyst_db, read_only=True) as con:
            return con.execute(
                "SELECT id_number, name FROM published.ga_population WHERE id_number_valid AND "
                f"{condition} ORDER BY id_number LIMIT 1").fetchone()
    return pick
