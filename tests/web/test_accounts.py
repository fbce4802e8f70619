"""People's accounts for the web app: `hub clients create --user --password` and
`hub clients password`, and the charts' figures (no app needed)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from click.testing import CliRunner

from catalog.cli import main
from exchange.clients import verify_secret
from exchange.models import ClientRecord
from exchange.store import Store
from exchange.web.charts import Figure, svg
from exchange.web.figures import call_kind
from tests.conftest import make_settings

PHRASE = "a long pass phrase 长口令"


def _record(settings, client_id: str) -> ClientRecord:
    with Store(settings).session() as s:
        return s.get(ClientRecord, client_id)


def test_users_are_created_with_a_chosen_password(tmp_path, monkeypatch):
    settings = make_settings(tmp_path / "home", tmp_path / "landing", monkeypatch)
    run = CliRunner().invoke
    created = run(main, ["clients", "create", "li-cdo", "--name", "李主任", "--department", "hub",
                         "--role", "cdo", "--user", "--password"], input=f"{PHRASE}\n{PHRASE}\n")
    assert created.exit_code == 0, created.output
    assert json.loads(created.output.splitlines()[-1]) == {"client_id": "li-cdo",
                                                           "client_secret": None}
    record = _record(settings, "li-cdo")
    assert record.kind == "user" and verify_secret(PHRASE, record.secret_hash)
    assert PHRASE not in record.secret_hash

    short = run(main, ["clients", "password", "li-cdo"], input="short\nshort\n")
    assert short.exit_code == 1 and "a password has 12 to 256 characters" in short.output
    changed = run(main, ["clients", "password", "li-cdo"], input="another passphrase\n" * 2)
    assert changed.exit_code == 0, changed.output
    record = _record(settings, "li-cdo")
    assert verify_secret("another passphrase", record.secret_hash)
    assert not verify_secret(PHRASE, record.secret_hash)

    system = run(main, ["clients", "create", "mz-sys", "--name", "民政系统", "--department", "mz",
                        "--role", "requester", "--password"], input=f"{PHRASE}\n{PHRASE}\n")
    assert system.exit_code == 2 and "--password is for users" in system.output
    created = run(main, ["clients", "create", "mz-sys", "--name", "民政系统", "--department",
                         "mz", "--role", "requester"])
    assert created.exit_code == 0
    refused = run(main, ["clients", "password", "mz-sys"], input=f"{PHRASE}\n{PHRASE}\n")
    assert refused.exit_code == 1 and "only users (people)" in refused.output


def test_count_charts_have_whole_number_axes():
    assert Figure("n", "t", ["a", "b"], {"n": [3, 17]}).count_scale() == [0, 3, 6, 9, 12, 15,
                                                                          18]
    stacked = Figure("n", "t", ["a", "b"], {"x": [3, 17], "y": [1, 2]}, kind="stacked")
    assert stacked.count_scale()[-1] >= 19
    assert Figure("n", "t", ["a"], {"n": [0]}).count_scale() == [0, 1]
    assert Figure("q", "t", ["a"], {"n": [99.5]}, unit="%").count_scale() is None
    nothing = Figure("c", "t", ["2026-11-01"], {}, kind="stacked")  # no call of any kind yet
    assert nothing.count_scale() is None
    assert "No data yet" in svg(nothing)
    drawn = ET.fromstring(svg(stacked))
    labels = [t.text for t in drawn.iter("{http://www.w3.org/2000/svg}text")]
    assert "21" in labels and "1.5" not in labels
    assert Figure("n", "t", ["a", "b"], {"x": [1, 2], "y": [3, 4]}).rows() == [
        ("a", [1, 3]), ("b", [2, 4])]


def test_interface_calls_are_told_from_pages():
    assert call_kind("/oauth/token") == "token"
    assert call_kind("/v1/verify/identity") == "verification"
    assert call_kind("/v1/orders/{order_id}/extract") == "extract"
    assert call_kind("/v1/orders/{order_id}/review") == "orders"
    assert call_kind("/open/v1/resources/{code}/data.{fmt}") == "open data"
    assert call_kind("/open/dcat.jsonld") == "open data"
    for page in ("/resources", "/open/{code}", "/open", "/stats/charts/{name}.svg", "/static"):
        assert call_kind(page) is None
