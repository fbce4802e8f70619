"""The catalog web app: server-rendered pages for people (the chief data officer, auditors,
departments) behind sign-in with the hub's roles, served by the sharing API's app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from exchange.web import pages, public, register, resource, review, stats
from exchange.web.sessions import Sessions

__all__ = ["ROUTERS", "STATIC_PATH", "install"]

STATIC_PATH = "/static"
ROUTERS = (pages.router, resource.router, review.router, register.router, stats.router,
           public.router)


def install(app: FastAPI) -> None:
    """Add the pages, their sessions and the stylesheet to the app (after the API's routes)."""
    app.state.web_sessions = Sessions(app.state.hub.settings, app.state.hub.store)
    for router in ROUTERS:
        app.include_router(router)
    app.mount(STATIC_PATH, StaticFiles(directory=Path(__file__).parent / "static"),
              name="static")
