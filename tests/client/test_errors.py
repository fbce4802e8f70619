"""The typed exceptions cover every error code the hub declares, each in its status's family;
the retry transport waits out 429 `rate_limited` and 503 and nothing else.

(The retry cases a live hub cannot be made to produce on demand — a 503, a Retry-After of an
exact value — are served here by httpx's MockTransport; the live 429 path is in test_use.)"""

from __future__ import annotations

import ast
from pathlib import Path

import httpx
import pytest
from hubclient import errors
from hubclient.errors import error_from_response
from hubclient.retry import RetryTransport

from exchange.errors import _STATUS_CODES
from policies.errors import ERROR_CODES

ROOT = Path(__file__).resolve().parents[2]
FAMILY = {400: errors.InvalidRequest, 401: errors.Unauthorized, 403: errors.Forbidden,
          404: errors.NotFound, 405: errors.InvalidRequest, 406: errors.InvalidRequest,
          408: errors.QueryTimeout, 409: errors.Conflict, 413: errors.TooLarge,
          415: errors.InvalidRequest, 422: errors.InvalidRequest,
          429: (errors.RateLimited, errors.QuotaExhausted), 500: errors.ServerError,
          503: errors.Unavailable, 504: errors.QueryTimeout}


def _raised_by_the_exchange() -> set[tuple[int, str]]:
    """Every `ApiError(status, "code", ...)` written in the exchange's code."""
    found = set()
    for path in (ROOT / "exchange").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "ApiError"
                    and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)):
                found.add((node.args[0].value, node.args[1].value))
    return found


DECLARED = sorted(_raised_by_the_exchange()
                  | {(status, code) for code, (status, _) in ERROR_CODES.items()}
                  | {(status, code) for status, code in _STATUS_CODES.items()}
                  | {(403, "order_not_active"), (403, "order_expired")})  # picked at run time


def test_the_scan_finds_the_exchanges_codes():
    assert {(404, "not_found"), (429, "rate_limited"), (403, "wrong_mode")} <= set(DECLARED)


@pytest.mark.parametrize(("status", "code"), DECLARED)
def test_every_declared_code_has_its_class(status, code):
    assert code in errors.CODES, f"hubclient.errors.CODES lacks {code!r}"
    response = httpx.Response(status, json={"error": {"code": code, "message": "m"}})
    error = error_from_response(response)
    assert type(error) is errors.CODES[code]
    assert isinstance(error, FAMILY[status])
    assert (error.code, error.message, error.status) == (code, "m", status)


def test_unknown_codes_and_other_shapes():
    future = error_from_response(httpx.Response(409, json={"error": {"code": "resource_retired",
                                                                      "message": "gone"}}))
    assert type(future) is errors.Conflict and future.code == "resource_retired"
    oauth = error_from_response(httpx.Response(401, json={
        "error": "invalid_client", "error_description": "bad secret"}))
    assert type(oauth) is errors.TokenRefused and oauth.message == "bad secret"
    text = error_from_response(httpx.Response(502, text="Bad Gateway"))
    assert type(text) is errors.ServerError and text.message == "Bad Gateway"
    limited = error_from_response(httpx.Response(
        429, headers={"Retry-After": "7"}, json={"error": {"code": "rate_limited",
                                                            "message": "slow down"}}))
    assert limited.retry_after == 7.0


def _serving(*answers: httpx.Response) -> tuple[httpx.Client, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers[min(len(seen), len(answers)) - 1]

    retrying = RetryTransport(httpx.MockTransport(handle), attempts=4, base=0.001, cap=0.01)
    return httpx.Client(base_url="http://hub", transport=retrying), seen


def _refusal(status: int, code: str, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers, json={"error": {"code": code,
                                                                   "message": code}})


def test_503_and_rate_limits_are_retried_with_the_same_request():
    client, seen = _serving(_refusal(503, "unavailable"),
                            _refusal(429, "rate_limited", **{"Retry-After": "0"}),
                            httpx.Response(200, json={"ok": True}))
    response = client.post("/v1/sql", json={"sql": "SELECT 1"})
    assert response.json() == {"ok": True}
    assert len(seen) == 3 and {r.content for r in seen} == {b'{"sql":"SELECT 1"}'}


def test_a_used_up_quota_is_not_retried_and_retries_end():
    client, seen = _serving(_refusal(429, "quota_exhausted"))
    assert client.get("/v1/me").status_code == 429 and len(seen) == 1
    client, seen = _serving(_refusal(503, "unavailable"))
    response = client.get("/v1/me")
    assert response.status_code == 503 and len(seen) == 4
    assert type(error_from_response(response)) is errors.Unavailable
