"""Typed exceptions: one class per API error code (grouped by family), built from the hub's
stable JSON error shape `{"error": {"code": ..., "message": ...}}` or, at the token endpoint,
RFC 6749's `{"error": ..., "error_description": ...}`.

Catch a family (`Forbidden`, `InvalidRequest`) or a code's own class (`OrderExpired`); every
API error keeps its `code`, `message`, HTTP `status` and the decoded `body`. A code this client
does not know yet still gets its family's class, by status.
"""

from __future__ import annotations

import email.utils
import time

import httpx

__all__ = [
    "CODES", "AmbiguousGrant", "ApiError", "Conflict", "Forbidden", "GrantInactive",
    "HubClientError", "InsufficientScope", "InvalidIdNumber", "InvalidOrder", "InvalidRequest",
    "ManifestMismatch", "NotFound", "NotReady", "OrderExpired", "OrderNotActive",
    "OrderNotYetValid", "PolicyDenied", "ProfileError", "QueryRejected", "QueryTimeout",
    "QuotaExhausted", "RateLimited", "ServerError", "TokenRefused", "TooLarge", "Unauthorized",
    "Unavailable", "UnknownItem", "UnknownResource", "WrongMode", "error_from_response",
    "retry_after",
]


class HubClientError(Exception):
    """Anything this client raises on purpose."""


class ProfileError(HubClientError):
    """The profile file is missing, unreadable or incomplete."""


class ManifestMismatch(HubClientError):
    """The bytes received differ from the delivery's manifest (SHA-256, size or rows): the
    extract was altered or cut on the way, and none of it is returned."""

    def __init__(self, delivery_id: str, problems: list[str]) -> None:
        super().__init__(f"delivery {delivery_id} does not match its manifest: "
                         + "; ".join(problems))
        self.delivery_id = delivery_id
        self.problems = problems


class ApiError(HubClientError):
    """The hub refused or failed a request."""

    def __init__(self, code: str, message: str, status: int, body: object = None,
                 retry_after: float | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status
        self.body = body
        self.retry_after = retry_after


# The families, by HTTP status.
class Unauthorized(ApiError):
    """401: no valid access token (expired, revoked, wrong signature)."""


class TokenRefused(Unauthorized):
    """The token endpoint refused the client's credentials or scope (RFC 6749 §5.2)."""


class Forbidden(ApiError):
    """403: authenticated, but this use is not allowed."""


class NotFound(ApiError):
    """404: no such order, delivery or resource (or not one you may see)."""


class Conflict(ApiError):
    """409: the thing is not in a state that allows this (not ready, not in review...)."""


class InvalidRequest(ApiError):
    """400 or 422: the request itself is wrong; sending it again will not help."""


class TooLarge(ApiError):
    """413: the body or the result is larger than the hub accepts or returns."""


class QueryTimeout(ApiError):
    """408 or 504: the hub interrupted the work after its time limit."""


class RateLimited(ApiError):
    """429 `rate_limited`: too many requests in the window (retried with backoff first)."""


class QuotaExhausted(ApiError):
    """429 `quota_exhausted`: the order's or grant's call quota is used up (never retried)."""


class ServerError(ApiError):
    """5xx: the hub could not complete the request."""


class Unavailable(ServerError):
    """503: a part of the hub is unavailable (retried with backoff first)."""


# Codes with a class of their own.
class OrderNotActive(Forbidden):
    """The order is not approved (still in review, rejected, cancelled, revoked)."""


class OrderExpired(Forbidden):
    """The order's last day has passed."""


class OrderNotYetValid(Forbidden):
    """The order's first day has not come."""


class GrantInactive(Forbidden):
    """The order's grant is revoked or expired."""


class WrongMode(Forbidden):
    """The order is for another use (extract, query, verify) or another check."""


class InsufficientScope(Forbidden):
    """The token lacks the scope the route needs."""


class PolicyDenied(Forbidden):
    """The access policy refuses the query (no grant, denied, aggregate-only...)."""


class NotReady(Conflict):
    """A prepared extract is not complete yet."""


class InvalidOrder(InvalidRequest):
    """The order cannot be placed as written."""


class UnknownResource(InvalidRequest):
    """The catalog has no such resource."""


class UnknownItem(InvalidRequest):
    """The resource has no such data item."""


class InvalidIdNumber(InvalidRequest):
    """Not a GB 11643 identity number."""


class QueryRejected(InvalidRequest):
    """The SQL gateway refuses the query as written (syntax, construct, table...)."""


class AmbiguousGrant(QueryRejected):
    """Several grants cover a table: name the one to use (`grant_ids`)."""


_QUERY_CODES = ("query_too_long", "too_deep", "syntax_error", "multiple_statements",
                "not_a_query", "not_allowed", "function_not_allowed", "reserved_identifier",
                "unknown_table", "cte_shadows_table", "invalid_query", "unread_text",
                "parser_disagreement", "file_access", "secret_access", "invalid_grant")

# code -> class; the codes are the hub's API (`exchange/errors.py`, `policies/errors.py`).
CODES: dict[str, type[ApiError]] = {
    "unauthorized": Unauthorized,
    "forbidden": Forbidden, "csrf": Forbidden, "separation_of_duties": Forbidden,
    "order_not_active": OrderNotActive, "order_expired": OrderExpired,
    "order_not_yet_valid": OrderNotYetValid, "grant_inactive": GrantInactive,
    "wrong_mode": WrongMode, "wrong_check": WrongMode, "insufficient_scope": InsufficientScope,
    **dict.fromkeys(("no_grant", "denied", "aggregate_only", "role_not_allowed"), PolicyDenied),
    "not_found": NotFound,
    "conflict": Conflict, "not_ready": NotReady, "not_in_review": Conflict,
    "not_cancellable": Conflict, "not_active": Conflict,
    "bad_request": InvalidRequest, "invalid": InvalidRequest, "invalid_request": InvalidRequest,
    "invalid_order": InvalidOrder, "unknown_resource": UnknownResource,
    "unknown_item": UnknownItem, "invalid_id_number": InvalidIdNumber,
    "invalid_name": InvalidRequest, "invalid_filter": InvalidRequest,
    "invalid_subscription": InvalidRequest,  # notifications (/v1/notify)
    # registration and catalog revisions (/v1/resources, catalog.entries.EntryError)
    "exists": Conflict, "revision_pending": Conflict, "invalid_transition": Conflict,
    "invalid_change": InvalidRequest, "reason_required": InvalidRequest,
    "invalid_file": InvalidRequest,  # the web app's directory upload
    "method_not_allowed": InvalidRequest, "not_acceptable": InvalidRequest,
    "unsupported_media_type": InvalidRequest,
    **dict.fromkeys(_QUERY_CODES, QueryRejected), "ambiguous_grant": AmbiguousGrant,
    **dict.fromkeys(("body_too_large", "too_many_rows", "too_large", "memory_limit"), TooLarge),
    "timeout": QueryTimeout,
    "rate_limited": RateLimited, "quota_exhausted": QuotaExhausted,
    "internal_error": ServerError, "unavailable": Unavailable,
}

_BY_STATUS: dict[int, tuple[str, type[ApiError]]] = {
    400: ("bad_request", InvalidRequest), 401: ("unauthorized", Unauthorized),
    403: ("forbidden", Forbidden), 404: ("not_found", NotFound), 408: ("timeout", QueryTimeout),
    409: ("conflict", Conflict), 413: ("too_large", TooLarge),
    422: ("invalid_request", InvalidRequest), 429: ("rate_limited", RateLimited),
    503: ("unavailable", Unavailable), 504: ("timeout", QueryTimeout),
}


def _family(status: int) -> tuple[str, type[ApiError]]:
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return ("internal_error", ServerError) if status >= 500 else ("error", InvalidRequest)


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the `Retry-After` header asks to wait (delta-seconds or an HTTP date)."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def error_code(response: httpx.Response) -> str | None:
    """The error code of a (read) response in either shape, or None."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if isinstance(error, dict):
        code = error.get("code")
        return code if isinstance(code, str) else None
    return error if isinstance(error, str) else None


def error_from_response(response: httpx.Response) -> ApiError:
    """The typed exception for a refused (read) response."""
    status = response.status_code
    default_code, family = _family(status)
    code, message, body = default_code, "", None
    try:
        body = response.json()
    except ValueError:
        body = response.text
        message = body[:200] or default_code.replace("_", " ")
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):  # the hub's shape
            code = str(error.get("code") or default_code)
            message = str(error.get("message") or "")
        elif isinstance(error, str):  # RFC 6749 §5.2: only the token endpoint answers so
            message = str(body.get("error_description") or error)
            return TokenRefused(error, message, status, body)
    return CODES.get(code, family)(code, message, status, body, retry_after(response))
