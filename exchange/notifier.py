"""Notifications sent by the API server: after every request that may have changed something
(so an order's notification leaves right after its response, never holding it up), when a
retry falls due, and, while the server runs, every `notify_poll_seconds` for notifications the
pipelines, the audits and the CLI recorded (`catalog.notify_delivery.Deliverer`)."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from catalog.notify_delivery import Deliverer
from exchange.context import Hub

__all__ = ["install"]

_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


class _KickAfter:
    """ASGI middleware: once a changing request's response is sent, wake the deliverer."""

    def __init__(self, app, deliverer: Deliverer) -> None:
        self.app, self.deliverer = app, deliverer

    async def __call__(self, scope, receive, send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            if scope["type"] == "http" and scope.get("method") not in _SAFE:
                self.deliverer.kick()


def install(app: FastAPI, hub: Hub) -> Deliverer:
    deliverer = Deliverer(hub.store.registry, hub.settings)
    app.state.notifier = deliverer
    app.add_middleware(_KickAfter, deliverer=deliverer)
    serve = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application):
        deliverer.start(persistent=True)
        try:
            async with serve(application) as state:
                yield state
        finally:
            deliverer.stop()

    app.router.lifespan_context = lifespan
    return deliverer
