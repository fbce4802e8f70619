"""The exchange's tables in the registry database, and sessions on them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from catalog import HubSettings, open_registry
from catalog.schema import ensure_schema
from exchange.models import SCHEMA

__all__ = ["Store"]


class Store:
    """The registry database (SQLite with WAL, or PostgreSQL) with the exchange's tables."""

    def __init__(self, settings: HubSettings) -> None:
        self.registry = open_registry(settings, declare=False)
        ensure_schema(self.registry.engine, SCHEMA)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on any error. The policy engine's
        grants live in the same database, so one session covers an order and its grant."""
        with self.registry.session() as s:
            yield s

    def dispose(self) -> None:
        self.registry.dispose()
