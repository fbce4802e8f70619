"""The CLI (`hub sql`, `hub grants`) and the Python client, both through the same engine."""

from __future__ import annotations

import json

import httpx
import pyarrow as pa
import pytest
from click.testing import CliRunner

from catalog.cli import main as hub_main
from policies import GrantStore, PolicyError, Principal, run_query
from policies.cli import register
from policies.client import ARROW_STREAM, GatewayHTTPError, HubSQLClient
from tests.policies.conftest import DISTRICT

if "sql" not in hub_main.commands:
    register(hub_main)


@pytest.fixture
def hub(settings, monkeypatch):
    monkeypatch.setenv("HUB_HOME", str(settings.home))
    runner = CliRunner()
    return lambda *args: runner.invoke(hub_main, list(args), catch_exceptions=False)


def test_cli_grants_and_sql(hub) -> None:
    out = hub("grants", "provision", "--resource", "ga.population", "--department", "dist",
              "--items", "gender,district_code,name", "--purpose", "统计", "--legal-basis", "办法",
              "--subject", "officer-7")
    assert out.exit_code == 0, out.output
    grant_id = json.loads(out.output)["id"]
    out = hub("sql", "--subject", "officer-7", "--department", "dist", "--district", DISTRICT,
              "--format", "json", "SELECT district_code, count(*) AS n, min(name) AS m "
              "FROM published.ga_population GROUP BY ALL")
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output.splitlines()[0])
    assert rows == [{"district_code": DISTRICT, "n": 200, "m": rows[0]["m"]}]
    assert rows[0]["m"].endswith("*")
    out = hub("sql", "--subject", "officer-7", "--department", "dist",
              "SELECT * FROM read_csv('/etc/passwd')")
    assert out.exit_code == 2
    assert json.loads(out.stderr) == {"error": {"code": "file_access",
                                                "message": "table functions are not allowed"}}
    assert hub("grants", "revoke", grant_id, "--reason", "done").exit_code == 0
    listed = [json.loads(line) for line in hub("grants", "list", "--department", "dist")
              .output.splitlines()]
    assert [(g["id"], g["status"]) for g in listed] == [(grant_id, "revoked")]


def _route(settings, store: GrantStore, principal: Principal):
    """The documented `POST /v1/sql` contract, served over the engine (the exchange owns the
    real route; this checks the client against the contract in docs/policies-api.md)."""
    def handle(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer t0ken"
        body = json.loads(request.content)
        try:
            result = run_query(settings, store, principal, body["sql"], surface="python")
        except PolicyError as error:
            return httpx.Response(error.status, json=error.to_dict())
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, result.table.schema) as writer:
            writer.write_table(result.table)
        return httpx.Response(200, content=sink.getvalue().to_pybytes(),
                              headers={"Content-Type": ARROW_STREAM})
    return httpx.MockTransport(handle)


def test_python_client(settings, store, analyst, grants) -> None:
    transport = _route(settings, store, analyst)
    with HubSQLClient("http://hub", "t0ken", transport=transport) as client:
        table = client.query("SELECT gender, count(*) AS n FROM ga_population GROUP BY gender "
                             "ORDER BY gender")
        assert table.to_pylist() == [{"gender": "女", "n": 100}, {"gender": "男", "n": 100}]
        with pytest.raises(PolicyError) as caught:
            client.query("ATTACH 'x' AS y")
        assert (caught.value.code, caught.value.status) == ("not_a_query", 400)
    bad = httpx.MockTransport(lambda r: httpx.Response(401, text="unauthorised"))
    with pytest.raises(GatewayHTTPError):
        HubSQLClient("http://hub", "x", transport=bad).query("SELECT 1")
