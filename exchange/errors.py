"""The API's one error shape, `{"error": {"code": ..., "message": ...}}`, and its handlers.

Every refusal is a `catalog.errors.HubError` (its families declare their codes and statuses);
one handler renders them all, so no route translates an error by hand.

Messages are written for the caller and never carry stack traces, SQL, file paths or the
internals of a failed dependency; the full exception goes to the server log only.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from catalog.errors import HubError
from catalog.i18n import _, lazy

__all__ = ["ApiError", "error_body", "install_error_handlers"]

log = logging.getLogger("exchange")

_STATUS_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 413: "body_too_large",
    415: "unsupported_media_type", 422: "invalid_request", 429: "quota_exhausted",
    500: "internal_error", 503: "unavailable", 504: "timeout",
}
# What a person reads for HTTP's own refusals (no route, wrong method...), where Starlette's
# detail is only the status's English reason phrase.
_STATUS_MESSAGES = {
    400: lazy("The request is not valid."), 401: lazy("Sign-in or a token is required."),
    403: lazy("Not allowed."), 404: lazy("Not found."),
    405: lazy("This method is not allowed here."), 406: lazy("No acceptable answer."),
    409: lazy("Not possible now."), 413: lazy("The body is too large."),
    415: lazy("Unsupported media type."), 422: lazy("The request is not valid."),
    429: lazy("Too many requests."), 500: lazy("The hub could not complete the request."),
    503: lazy("The hub is unavailable: try again later."),
    504: lazy("The request took too long."),
}


class ApiError(HubError):
    """The exchange's own refusals (access, orders, paging...): HTTP status, stable code,
    readable message, and headers where HTTP asks for them (`WWW-Authenticate`)."""

    def __init__(self, status: int, code: str, message: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.headers = headers


def error_body(code: str, message: str, **extra: object) -> dict:
    return {"error": {"code": code, "message": message, **extra}}


def _respond(status: int, code: str, message: str, headers: dict[str, str] | None = None,
             **extra: object) -> JSONResponse:
    return JSONResponse(error_body(code, message, **extra), status_code=status, headers=headers)


def _field(loc: tuple) -> str:
    return ".".join(str(p) for p in loc if p not in ("body", "query", "path", "header"))


async def _hub_error(_request: Request, exc: HubError) -> JSONResponse:
    return _respond(exc.status, exc.code, exc.shown, getattr(exc, "headers", None))


async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = _STATUS_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else ""
    if not message or message == HTTPStatus(exc.status_code).phrase:
        message = str(_STATUS_MESSAGES.get(exc.status_code, message or code.replace("_", " ")))
    return _respond(exc.status_code, code, message, getattr(exc, "headers", None))


async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    # Only the location, the type and pydantic's own message: never the input echoed back.
    fields = [{"field": _field(tuple(e.get("loc", ()))), "type": e.get("type", ""),
               "message": str(e.get("msg", ""))[:200]} for e in exc.errors()[:20]]
    return _respond(422, "invalid_request", _("The request does not match the API schema."),
                    fields=fields)


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return _respond(500, "internal_error", _("The hub could not complete the request."))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HubError, _hub_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
