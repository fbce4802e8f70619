"""docs/client.md holds: its ten-line example runs against a live hub as written (the profile
in a home of its own), and every public call and exception of the client is documented."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import hubclient
import pytest
from hubclient import HubClient, errors

from tests.client.conftest import write_profile

DOC = (Path(__file__).resolve().parents[2] / "docs" / "client.md").read_text(encoding="utf-8")
EXAMPLE = re.search(r"```python\n(.*?)```", DOC, re.DOTALL).group(1)


def test_the_example_is_ten_lines_or_so():
    assert len([line for line in EXAMPLE.splitlines() if line.strip()]) <= 10


def test_the_example_runs(live, tmp_path, monkeypatch):
    home = tmp_path / "home"
    client_id, secret = live.secrets["requester"]
    write_profile(home / ".hub", str(live.http.base_url), client_id, client_secret=secret)
    monkeypatch.setenv("HOME", str(home))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(EXAMPLE, "docs/client.md", "exec"), {})  # noqa: S102 (our own doc)
    counts = out.getvalue()
    assert "status" in counts and re.search(r"\d+\n", counts)
    with HubClient.from_profile(home / ".hub" / "profile.json") as hub:
        (order,) = hub.list_orders()
        assert (order["resource"], order["calls_used"]) == ("sj.enterprises", 1)
        assert [d["status"] for d in hub.deliveries(order)] == ["complete"]


@pytest.mark.parametrize("name", sorted(n for n in dir(HubClient) if not n.startswith("_")
                                        and n not in ("close", "from_profile", "token")))
def test_every_call_is_documented(name):
    assert f"`hub.{name}(" in DOC


@pytest.mark.parametrize("name", sorted(n for n in errors.__all__ if n[0].isupper()
                                        and n != "CODES"))
def test_every_exception_is_documented(name):
    assert f"`{name}`" in DOC


def test_the_extras_and_the_import_name():
    assert hubclient.__name__ in DOC and "city-data-hub-client" in DOC
