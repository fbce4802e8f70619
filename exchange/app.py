"""The sharing API's application factory."""

from __future__ import annotations

from fastapi import FastAPI

from catalog import HubSettings
from catalog.city import current_city
from catalog.i18n import _, lazy
from exchange.access import TokenVerifier
from exchange.apidocs import install as install_docs
from exchange.context import Hub
from exchange.errors import install_error_handlers
from exchange.language import LanguageMiddleware
from exchange.middleware import HubMiddleware
from exchange.notifier import install as install_notifier
from exchange.oauth import HubAuthorizationServer
from exchange.openapi import install_openapi
from exchange.ratelimit import RateLimits
from exchange.routes import (
    audit,
    auth,
    catalog,
    clients,
    crosscheck,
    extracts,
    notify,
    opendata,
    orders,
    registration,
    sql,
    verify,
)
from exchange.web import install as install_web

__all__ = ["create_app"]

# The API's description in the hub's configured language (read when the app is built).
DESCRIPTION = lazy("""\
{title} sharing API. Obtain a token at `/oauth/token` (client credentials), order a
resource, follow its review, then download extracts, query through the SQL gateway or ask
verification (核验) questions under the approved order. Every request is audited.

Errors have one shape: `{"error": {"code": "...", "message": "..."}}` — except the token
endpoint, which answers in the OAuth2 shape of RFC 6749 §5.2 as OAuth2 client libraries expect.
""")


def create_app(settings: HubSettings) -> FastAPI:
    """Build the API over one hub home; nothing is read from the environment here."""
    hub = Hub.build(settings)
    hub.keys.signing_keys()  # creates the first signing key if there is none
    city = current_city().profile
    app = FastAPI(title=_("{city} Data-Sharing Hub API", city=city.short_name), version="1",
                  description=str(DESCRIPTION).replace("{title}", city.title),
                  docs_url=None, redoc_url=None)
    install_docs(app)  # Swagger UI from the files the hub ships (offline)
    app.state.hub = hub
    app.state.oauth = HubAuthorizationServer(settings, hub.store, hub.keys)
    app.state.tokens = TokenVerifier(settings, hub.store, hub.keys)
    app.state.limits = RateLimits(settings)
    install_error_handlers(app)
    for module in (auth, catalog, registration, orders, verify, extracts, sql, audit, clients,
                   crosscheck, opendata, notify):
        app.include_router(module.router)
    install_web(app)  # the catalog web app's pages, after the API's routes
    install_openapi(app)
    install_notifier(app, hub)  # after each change's response: `catalog.notify_delivery`
    app.add_middleware(HubMiddleware, settings=settings, audit=hub.audit,
                       limits=app.state.limits)
    app.add_middleware(LanguageMiddleware)  # outermost: every answer speaks the request's
    return app
