"""What every page shares: templates, the signed-in user, CSRF, permission checks, error pages.

Every web route uses `WebRoute`, so whatever a page raises becomes an HTML page with the right
status and no trace, and every answer carries the content security policy.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from catalog.city import current_city
from catalog.errors import HubError
from catalog.i18n import LANGUAGES, _, language, ngettext, tag
from exchange.access import authorize
from exchange.deps import audit_record
from exchange.errors import ApiError
from exchange.language import NAMES
from exchange.roles import Action, role_may
from exchange.web.labels import label
from exchange.web.sessions import Sessions, SessionUser

__all__ = ["CSP", "LOGIN_COOKIE", "SESSION_COOKIE", "CurrentUser", "LoginRequired", "WebRoute",
           "check_csrf", "current_user", "login_form", "may", "page", "require", "safe_next",
           "secure_cookies", "sessions"]

log = logging.getLogger("exchange.web")

SESSION_COOKIE = "hub_session"
LOGIN_COOKIE = "hub_login_csrf"  # double-submit token of the sign-in form (no session yet)
# Pages load only the hub's own stylesheet and charts: no inline script or style, no frames.
CSP = ("default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
       "object-src 'none'")
_HERE = Path(__file__).parent
templates = Jinja2Templates(env=Environment(
    loader=FileSystemLoader(_HERE / "templates"), autoescape=True, undefined=StrictUndefined,
    trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.i18n"]))
# Pages speak the request's language (`exchange.language`): `{% trans %}` and `_()` read the
# hub's catalogs, whitespace trimmed as `catalog.messages` extracts them.
templates.env.install_gettext_callables(_, ngettext, newstyle=True)
templates.env.policies["ext.i18n.trimmed"] = True
# The city's name on every page, read from its profile when a page is drawn.
templates.env.globals["city"] = lambda: current_city().profile
templates.env.globals["lang"] = lambda: tag(language())


def safe_next(target: str) -> str:
    """Only a path on this site (no scheme, host or `//`), so sign-in and the language
    switch never redirect away."""
    parts = urlsplit(target)
    ok = (target.startswith("/") and not target.startswith("//") and not parts.scheme
          and not parts.netloc and "\\" not in target and target.isprintable())
    return target if ok else "/"


def _switches(request: Request) -> list[dict[str, object]]:
    """The language switch of every page: each language by its own name, a link that sets it
    and comes back here (`exchange.web.pages.switch_language`)."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return [{"lang": tag(lang), "name": NAMES[lang], "current": lang == language(),
             "href": "/language?" + urlencode({"to": tag(lang), "next": here})}
            for lang in LANGUAGES]


templates.env.globals["switches"] = _switches
templates.env.globals["label"] = label


class LoginRequired(Exception):
    """No live session: the sign-in form is answered (401) in place of the page."""


def sessions(request: Request) -> Sessions:
    return request.app.state.web_sessions


def current_user(request: Request) -> SessionUser:
    """The signed-in person (their roles and department from the registry, now), or 401."""
    user = sessions(request).lookup(request.cookies.get(SESSION_COOKIE))
    if user is None:
        raise LoginRequired
    record = audit_record(request)
    record.client_id, record.department = user.caller.client_id, user.caller.department
    record.roles = list(user.caller.roles)
    return user


CurrentUser = Annotated[SessionUser, Depends(current_user)]


def may(user: SessionUser | None, action: Action | str) -> bool:
    return user is not None and role_may(user.caller.roles, Action(action))


def require(user: SessionUser, action: Action) -> None:
    """The permission table's verdict (`exchange.access.authorize`): 403 unless allowed."""
    authorize(user.caller, action)


def check_csrf(user: SessionUser, token: str) -> None:
    if not token or not hmac.compare_digest(token.encode(), user.csrf.encode()):
        raise ApiError(403, "csrf", _("The form is out of date or was not sent by this site: "
                                      "reload the page and try again."))


def page(request: Request, name: str, context: dict[str, Any], status: int = 200,
         user: SessionUser | None = None) -> Response:
    """Render a template with what every page shows (who is signed in, what they may do)."""
    return templates.TemplateResponse(request, name, {
        "user": user, "may": lambda action: may(user, action), **context},
        status_code=status)


def secure_cookies(request: Request) -> bool:
    """Cookies are `Secure` (HTTPS only) everywhere but a demo on plain-HTTP localhost."""
    return request.app.state.hub.settings.mode != "demo"


def login_form(request: Request, next_url: str, status: int, message: str = "") -> Response:
    """The sign-in form, with a fresh double-submit token in its cookie and its hidden field."""
    token = request.cookies.get(LOGIN_COOKIE, "")
    if not 32 <= len(token) <= 64:
        token = secrets.token_urlsafe(32)
    response = page(request, "login.html", {"csrf": token, "next": next_url,
                                            "message": message}, status)
    response.set_cookie(LOGIN_COOKIE, token, path="/login", httponly=True, samesite="strict",
                        secure=secure_cookies(request))
    return response


def _login_required(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return login_form(request, next_url=target if request.method == "GET" else "/",
                      status=401, message=_("Please sign in."))


def _error(request: Request, status: int, message: str) -> Response:
    try:  # the page keeps its menu for a signed-in person
        user = sessions(request).lookup(request.cookies.get(SESSION_COOKIE))
    except SQLAlchemyError:  # the registry itself may be what failed
        user = None
    return page(request, "error.html", {"status": status, "message": message}, status, user)


class WebRoute(APIRoute):
    """A route whose failures are HTML pages (never a trace) and whose answers carry the CSP."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                response = await handler(request)
            except LoginRequired:
                response = _login_required(request)
            except HubError as exc:  # every refusal, whichever family: its status and text
                response = _error(request, exc.status, exc.shown)
            except RequestValidationError:
                response = _error(request, 400, _("The form or address is not valid."))
            except HTTPException as exc:
                detail = exc.detail if isinstance(exc.detail, str) else _("The request failed.")
                response = _error(request, exc.status_code, detail)
            except Exception:
                log.exception("web page failed: %s %s", request.method, request.url.path)
                response = _error(request, 500, _("The hub could not show this page."))
            response.headers.setdefault("content-security-policy", CSP)
            return response

        return guarded
