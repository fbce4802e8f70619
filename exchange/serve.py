"""The uvicorn entry point (`hub serve`): settings read once, at the edge."""

from __future__ import annotations

from fastapi import FastAPI

from catalog import get_settings
from exchange.app import create_app

__all__ = ["app"]


def app() -> FastAPI:
    return create_app(get_settings())
