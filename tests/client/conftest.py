"""The client against a live hub: the sharing API served by uvicorn on a free port (the
exchange tests' `live_api`: the session's ingested city, one registered client per role)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hubclient import HubClient

from tests.exchange.conftest import Api, live_api, person  # noqa: F401 (a fixture)


@pytest.fixture
def live(ingested, tmp_path: Path) -> Iterator[Api]:
    with live_api(ingested, tmp_path / "api") as api:
        yield api


def write_profile(where: Path, endpoint: str, client_id: str, **credential: str) -> Path:
    """A profile file as a department keeps it: the secret in a file of its own."""
    where.mkdir(parents=True, exist_ok=True)
    values = {"endpoint": endpoint, "client_id": client_id, **credential}
    if "client_secret" in values:
        (where / f"{client_id}.secret").write_text(values.pop("client_secret") + "\n")
        values["client_secret_file"] = f"{client_id}.secret"
    profile = where / "profile.json"
    profile.write_text(json.dumps(values))
    return profile


@pytest.fixture
def hub(live: Api, tmp_path: Path) -> Iterator[HubClient]:
    """The requester (民政's system) as a client built from its profile file."""
    client_id, secret = live.secrets["requester"]
    profile = write_profile(tmp_path / "profile", str(live.http.base_url), client_id,
                            client_secret=secret)
    with HubClient.from_profile(profile) as client:
        yield client
