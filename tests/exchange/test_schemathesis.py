"""A schemathesis run against the OpenAPI document: no input, however hostile, is a 500.

schemathesis's pytest plugin does not run under pytest 9, so each operation's strategy is
driven with hypothesis directly; the check is schemathesis's own `not_a_server_error`.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.exchange.conftest import make_api


@pytest.mark.slow
def test_no_server_error(ingested, tmp_path):
    api = make_api(ingested, tmp_path / "fuzz")
    api.order(resource="sj.enterprises", items=["uscc"])
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.http.app)
    tokens = [api.as_("requester"), api.as_("admin"), {}]
    checked = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            for auth in tokens:
                response = case.call(headers={**(case.headers or {}), **auth})
                case.validate_response(response, checks=(not_a_server_error,))
                # run() is called below, within this iteration of the loop over operations.
                if response.status_code >= 400 and operation.path != "/oauth/token":  # noqa: B023
                    assert set(response.json()) == {"error"}, response.text

        run()
        checked += 1
    assert checked == sum(len(ops) for ops in api.http.app.openapi()["paths"].values())
