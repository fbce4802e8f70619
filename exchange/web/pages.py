"""Sign-in and sign-out, the language switch, and browsing the resource directory."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from catalog import DEPARTMENTS, RESOURCES, Category, Grade, SharingAttribute, UpdateCycle, entries
from catalog.i18n import _, normalise, tag
from catalog.listing import PAGE_SIZE, page_of
from catalog.registry import EntryStatus
from exchange.deps import AuditCtx, HubDep
from exchange.language import COOKIE as LANGUAGE_COOKIE
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
    safe_next,
    secure_cookies,
    sessions,
)
from exchange.web.search import Filters, page_number, pager, search
from exchange.web.sessions import SignInRefused

__all__ = ["router"]

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Field = Annotated[str, Form(max_length=256)]
LANGUAGE_DAYS = 365


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    """The sign-in form (a signed-in visitor goes straight on)."""
    if sessions(request).lookup(request.cookies.get(SESSION_COOKIE)) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return login_form(request, next_url=safe_next(next), status=200)


@router.post("/login")
def login(request: Request, record: AuditCtx, username: Field = "", password: Field = "",
          csrf: Field = "", next: Annotated[str, Form(max_length=2000)] = "/") -> Response:
    """Sign in with a user name and password; a new session replaces any old one."""
    target = safe_next(next)
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), csrf.encode()):
        return login_form(request, target, 403, _("The sign-in form expired: please try again."))
    record.detail = {"user": username.strip()[:64]}
    try:
        token, user = sessions(request).sign_in(username, password)
    except SignInRefused as refused:
        record.detail["outcome"] = "locked" if refused.locked else "refused"
        if refused.locked:
            return login_form(request, target, 429, _("Too many failed sign-ins to this user "
                                                      "name: try again later."))
        return login_form(request, target, 401, _("Wrong user name or password."))
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


@router.get("/language")
def switch_language(request: Request, to: str = "", next: str = "/") -> Response:
    """Keep the person's language in a cookie (a preference, not a credential: readable by
    no script as it needs none, sent on top-level navigation) and go back to the page. An
    unknown language forgets the choice: the browser's `Accept-Language` decides again."""
    response = RedirectResponse(safe_next(next), status_code=303)
    chosen = normalise(to)
    if chosen is None:
        response.delete_cookie(LANGUAGE_COOKIE, path="/", httponly=True, samesite="lax",
                               secure=secure_cookies(request))
    else:
        response.set_cookie(LANGUAGE_COOKIE, tag(chosen), max_age=LANGUAGE_DAYS * 86400,
                            path="/", httponly=True, samesite="lax",
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
