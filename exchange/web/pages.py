"""Sign-in and sign-out, and browsing the resource directory."""

from __future__ import annotations

import hmac
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from catalog import DEPARTMENTS, RESOURCES, Category, Grade, SharingAttribute, UpdateCycle, entries
from catalog.listing import PAGE_SIZE, page_of
from catalog.registry import EntryStatus
from exchange.deps import AuditCtx, HubDep
from exchange.roles import Action
from exchange.web.core import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    CurrentUser,
    WebRoute,
    check_csrf,
    login_form,
    page,
    require,
    secure_cookies,
    sessions,
)
from exchange.web.search import Filters, page_number, pager, search
from exchange.web.sessions import SignInRefused

__all__ = ["router"]

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Field = Annotated[str, Form(max_length=256)]


def _safe_next(target: str) -> str:
    """Only a path on this site (no scheme, host or `//`), so sign-in never redirects away."""
    parts = urlsplit(target)
    ok = (target.startswith("/") and not target.startswith("//") and not parts.scheme
          and not parts.netloc and "\\" not in target and target.isprintable())
    return target if ok else "/"


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    """The sign-in form (a signed-in visitor goes straight on)."""
    if sessions(request).lookup(request.cookies.get(SESSION_COOKIE)) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return login_form(request, next_url=_safe_next(next), status=200)


@router.post("/login")
def login(request: Request, record: AuditCtx, username: Field = "", password: Field = "",
          csrf: Field = "", next: Annotated[str, Form(max_length=2000)] = "/") -> Response:
    """Sign in with a user name and password; a new session replaces any old one."""
    target = _safe_next(next)
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), csrf.encode()):
        return login_form(request, target, 403, "The sign-in form expired: please try again.")
    record.detail = {"user": username.strip()[:64]}
    try:
        token, user = sessions(request).sign_in(username, password)
    except SignInRefused as refused:
        record.detail["outcome"] = "locked" if refused.locked else "refused"
        if refused.locked:
            return login_form(request, target, 429, "Too many failed sign-ins to this user "
                                                    "name: try again later.")
        return login_form(request, target, 401, "Wrong user name or password.")
    sessions(request).end(request.cookies.get(SESSION_COOKIE))
    record.client_id, record.department = user.caller.client_id, user.caller.department
    record.roles, record.detail["outcome"] = list(user.caller.roles), "signed in"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, token, path="/", httponly=True, samesite="strict",
                        secure=secure_cookies(request))
    response.delete_cookie(LOGIN_COOKIE, path="/login", httponly=True, samesite="strict",
                           secure=secure_cookies(request))
    return response


@router.post("/logout")
def logout(request: Request, user: CurrentUser, csrf: Field = "") -> Response:
    """Sign out: the session ends on the server, the cookie is cleared."""
    check_csrf(user, csrf)
    sessions(request).end(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict",
                           secure=secure_cookies(request))
    return response


@router.get("/")
def home(user: CurrentUser) -> Response:
    """The resource directory is the start page."""
    return RedirectResponse("/resources", status_code=303)


@router.get("/resources")
def resources(request: Request, user: CurrentUser, hub: HubDep) -> Response:
    """Browse and search the resource directory, a page at a time."""
    require(user, Action.CATALOG_READ)
    filters = Filters.parse(request.query_params)
    number = page_number(request.query_params)
    registry = hub.store.registry
    statuses = {code: s.value for code, s in entries.entry_statuses(registry, RESOURCES).items()}
    rows = search(entries.effective_all(registry).values(), statuses,
                  entries.open_revisions(registry), filters)
    shown = page_of(rows, number, PAGE_SIZE)
    return page(request, "resources.html", {
        "rows": shown.items, "matching": len(rows), "pager": pager(request, shown),
        "filters": filters, "total": len(RESOURCES),
        "departments": DEPARTMENTS, "categories": [c.value for c in Category],
        "sharings": [s.value for s in SharingAttribute], "grades": [g.value for g in Grade],
        "cycles": [c.value for c in UpdateCycle], "statuses": [s.value for s in EntryStatus],
    }, user=user)
