"""The API's interactive documentation (Swagger UI at /docs), served from the files the
`swagger-ui-bundle-v2` package ships, never a CDN: government networks are often offline, and
the page must render complete there. ReDoc (another CDN bundle) is not served."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

__all__ = ["ASSETS", "DOCS", "install"]

DOCS = "/docs"
ASSETS = "/docs/assets"


def install(app: FastAPI) -> None:
    """Add /docs, its OAuth2 redirect and the Swagger UI files (create the app with
    `docs_url=None`, `redoc_url=None`)."""
    redirect = f"{DOCS}/oauth2-redirect"
    app.mount(ASSETS, StaticFiles(directory=swagger_ui_path), name="swagger-ui")

    @app.get(DOCS, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title=app.title,
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
            oauth2_redirect_url=redirect,
            # no badge from validator.swagger.io: a request leaving the machine
            swagger_ui_parameters={"validatorUrl": None})

    @app.get(redirect, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()
