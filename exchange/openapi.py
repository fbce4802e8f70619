"""The OpenAPI document: every status each route can answer, with the error shape it really has.

FastAPI documents only what a route declares, and documents 422 with its own validation shape,
which this API never sends (`exchange.errors` answers `{"error": {...}}`). Here, in one place,
each operation gets the statuses it can answer — those every route shares (the middleware's
413, 429 and 500, and 504 unless the route streams), 401 and 403 for routes that need a token,
422 for routes with parameters, and the route's own (`_OWN`, read from what its code raises) —
each with `ErrorBody`, or for the token endpoint's 400 and 401 the OAuth2 shape (RFC 6749 §5.2).
`tests/exchange/test_openapi.py` compares the document with what a running server answers.
"""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

__all__ = ["ErrorBody", "OAuthErrorBody", "install_openapi"]


class FieldError(BaseModel):
    field: str = Field(description="Where, e.g. `items.0` (body, query and path omitted).")
    type: str = Field(description="pydantic's error type, e.g. `missing`, `extra_forbidden`.")
    message: str


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable, machine-readable, e.g. `not_found`, `rate_limited`.")
    message: str = Field(description="For people; never values, SQL, paths or internals.")
    fields: list[FieldError] | None = Field(
        default=None, description="422 `invalid_request` only: what did not match the schema.")


class ErrorBody(BaseModel):
    """Every error of the API, whatever its status."""

    error: ErrorDetail


class OAuthErrorBody(BaseModel):
    """The token endpoint's 400 and 401 (RFC 6749 §5.2), as OAuth2 libraries expect."""

    error: str = Field(description="`invalid_client`, `invalid_request`, `invalid_scope`, …")
    error_description: str | None = None


_DESCRIPTIONS = {
    400: "The request is not valid for this route (for SQL: refused by the gateway's checks).",
    401: "No valid access token (`WWW-Authenticate` says why).",
    403: "Your roles, scopes, order or the policy do not allow this.",
    404: "No such object — or one your department may not know exists.",
    408: "The query ran longer than the gateway allows.",
    409: "The object is not in a state that allows this.",
    413: "The body, the result or the memory the query needs is too large.",
    422: "The request does not match the schema (`invalid_request`, with `fields`), or a "
         "value is not acceptable.",
    429: "Rate limited (`rate_limited`, with `Retry-After` in seconds), or the order's quota "
         "is used up (`quota_exhausted`).",
    500: "The hub could not complete the request (audited as an error, never charged).",
    503: "What the request reads is not available (nothing published yet).",
    504: "The request took longer than the hub allows.",
}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait (rate limits only).",
                                "schema": {"type": "integer", "minimum": 1}}}
# Downloads stream past the request time limit: no 504.
_STREAMING = re.compile(r"/(extract|file|data\.\{fmt\})$")
_VERIFY = re.compile(r"^/v1/verify/\w+$")
# Each route's own statuses, from what its code (and the policy engine's errors) can raise.
_POLICY = {400, 403, 408, 503}
_OWN: dict[tuple[str, str], set[int]] = {
    ("post", "/oauth/token"): {400, 401},
    ("get", "/v1/resources/{code}"): {404},
    ("post", "/v1/resources"): {409},
    ("put", "/v1/resources/{code}/declaration"): {404, 409},
    ("get", "/v1/resources/{code}/revision"): {404},
    ("post", "/v1/resources/{code}/revision/submit"): {404, 409},
    ("post", "/v1/resources/{code}/revision/publish"): {404, 409},
    ("post", "/v1/resources/{code}/revision/return"): {404, 409},
    ("post", "/v1/orders"): {400, 409, 503},
    ("get", "/v1/orders/{order_id}"): {404},
    ("post", "/v1/orders/{order_id}/review"): {400, 404, 409, 503},
    ("post", "/v1/orders/{order_id}/cancel"): {404, 409},
    ("post", "/v1/orders/{order_id}/revoke"): {404, 409},
    ("get", "/v1/orders/{order_id}/extract"): {404, *_POLICY},
    ("get", "/v1/orders/{order_id}/deliveries"): {404},
    ("get", "/v1/deliveries/{delivery_id}"): {404},
    ("get", "/v1/deliveries/{delivery_id}/file"): {404, 409},
    ("post", "/v1/sql"): {404, *_POLICY},
    ("post", "/v1/clients"): {409},
    ("post", "/v1/clients/{client_id}/rotate"): {404},
    ("post", "/v1/clients/{client_id}/revoke"): {404},
    ("delete", "/v1/notify/subscriptions/{subscription_id}"): {404},
    ("get", "/v1/crosscheck/cases/{case_no}/flags"): {503},
    ("post", "/v1/crosscheck/reviews"): {404, 503},
    ("get", "/v1/crosscheck/stats"): {503},
    ("get", "/v1/crosscheck/linkage-issues"): {503},
    ("get", "/open/v1/resources"): {503},
    ("get", "/open/v1/resources/{code}"): {404, 503},
    ("get", "/open/v1/resources/{code}/data.{fmt}"): {404, *_POLICY},
    ("get", "/open/dcat.jsonld"): {503},
    ("get", "/open/dcat.ttl"): {503},
    ("get", "/open/dcat.rdf"): {503},
}


def _statuses(method: str, path: str, operation: dict) -> set[int]:
    found = {413, 429, 500}
    if not _STREAMING.search(path):
        found.add(504)
    if operation.get("security"):
        found |= {401, 403}
    if operation.get("parameters") or operation.get("requestBody"):
        found.add(422)
    if _VERIFY.match(path):
        found |= {404, 503}
    return found | _OWN.get((method, path), set())


def _ref(model: type[BaseModel]) -> dict:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _document(schema: dict) -> dict:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (ErrorBody, OAuthErrorBody):
        found = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(found.pop("$defs", {}))
        components[model.__name__] = found
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in sorted(_statuses(method, path, operation)):
                oauth = path == "/oauth/token" and status in (400, 401)
                response = {"description": _DESCRIPTIONS[status], "content": {
                    "application/json": {"schema": _ref(OAuthErrorBody if oauth else ErrorBody)}}}
                if status == 429:
                    response["headers"] = _RETRY_AFTER
                responses[str(status)] = response
    # FastAPI's validation-error shape is never sent: gone with the 422s that used it.
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return schema


def install_openapi(app: FastAPI) -> None:
    """Serve the completed document at `/openapi.json` (built once, on first request)."""
    def openapi() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = _document(get_openapi(
                title=app.title, version=app.version, description=app.description,
                routes=app.routes))
        return app.openapi_schema

    app.openapi = openapi
