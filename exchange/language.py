"""The language of each request: the person's own choice (the `hub_lang` cookie the web app's
language switch sets), else the best of the browser's or API caller's `Accept-Language`, else
`HUB_LANGUAGE`, else Simplified Chinese (`catalog.i18n.negotiate`).

A pure ASGI middleware, outermost, so everything that answers the request — the routes, the
error handlers, the other middleware's own refusals — speaks it (`catalog.i18n.use` sets it for
the request's context; sync routes run in threads that copy the context). Every answer says
which language it is in (`Content-Language`) and that it varies with the request's choice.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from catalog.i18n import negotiate, tag, use

__all__ = ["COOKIE", "NAMES", "LanguageMiddleware", "request_language"]

COOKIE = "hub_lang"
# Each language by its own name, as a language switch shows it (never translated).
NAMES = {"zh_Hans": "中文", "en": "English"}


def request_language(scope: Scope) -> str:
    """The shipped language a request asks for (module doc)."""
    headers = Headers(scope=scope)
    preference = cookie_parser(headers.get("cookie", "")).get(COOKIE)
    return negotiate(headers.get("accept-language"), preference)


class LanguageMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        lang = request_language(scope)

        async def send_tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                headers["content-language"] = tag(lang)
                headers.add_vary_header("Accept-Language")
                headers.add_vary_header("Cookie")
            await send(message)

        with use(lang):
            await self.app(scope, receive, send_tagged)
