"""Typed dependencies of the routes: the shared services, the caller, the request's audit record."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from catalog.i18n import _
from exchange.access import Caller, TokenVerifier
from exchange.audit_log import AuditRecord
from exchange.context import Hub
from exchange.errors import ApiError

__all__ = ["AuditCtx", "CurrentCaller", "HubDep", "audit_record"]

_bearer = HTTPBearer(auto_error=False, description="An RFC 9068 access token from /oauth/token.")


def get_hub(request: Request) -> Hub:
    return request.app.state.hub


def audit_record(request: Request) -> AuditRecord:
    """The audit record the middleware opened for this request (filled in as it is handled)."""
    return request.scope["state"]["audit"]


def current_caller(request: Request,
                   credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Caller:
    verifier: TokenVerifier = request.app.state.tokens
    authorization = f"Bearer {credentials.credentials}" if credentials else None
    caller = verifier(authorization)
    record = audit_record(request)
    record.client_id, record.department = caller.client_id, caller.department
    record.roles = list(caller.roles)
    wait = request.app.state.limits.client(caller.client_id)
    if wait is not None:
        record.detail = {"rate_limit": "client"}
        raise ApiError(429, "rate_limited", _("Too many requests from this client: retry after "
                                              "{wait} s.", wait=wait),
                       headers={"Retry-After": str(wait)})
    return caller


HubDep = Annotated[Hub, Depends(get_hub)]
CurrentCaller = Annotated[Caller, Depends(current_caller)]
AuditCtx = Annotated[AuditRecord, Depends(audit_record)]
