"""Fixtures of the audit tests: the session's ingested city with a private registry, the
sharing API over it (real clients, tokens and requests), and settings whose home (reports,
witness) is private to the test."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog import HubSettings, open_registry
from catalog.findings import AuditResult, Finding
from tests.exchange.conftest import Api, api_settings, make_api


def private_home(shared: HubSettings, where: Path) -> HubSettings:
    """The same lake files and registry, with reports and the witness under `where`. The
    registry names lake files relative to the home, so the private home links to the lake."""
    where.mkdir(parents=True, exist_ok=True)
    if not (where / "lake").exists():
        (where / "lake").symlink_to(shared.lake, target_is_directory=True)
    return HubSettings(home=where, landing=shared.landing_dir, registry_url=shared.registry_url)


@pytest.fixture
def api(ingested: HubSettings, tmp_path: Path) -> Api:
    return make_api(ingested, tmp_path / "api")


@pytest.fixture
def audit_settings(api: Api, tmp_path: Path) -> HubSettings:
    """Settings on the API's registry: an audit sees what its requests left behind."""
    return private_home(api.settings, tmp_path / "home")


@pytest.fixture
def city_settings(ingested: HubSettings, tmp_path: Path) -> HubSettings:
    """The ingested city with a private registry copy, for audits of the catalog and quality."""
    return private_home(api_settings(ingested, tmp_path / "registry"), tmp_path / "home")


@pytest.fixture
def registry(city_settings: HubSettings):
    registry = open_registry(city_settings)
    yield registry
    registry.dispose()


def by_subject(result: AuditResult, key: str | None = None) -> dict[str, Finding]:
    """The findings of a result by subject (only those with this key, if given)."""
    return {f.subject: f for f in result.findings if key is None or f.key == key}
