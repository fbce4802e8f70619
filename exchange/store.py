"""The exchange's tables in the registry database, and sessions on them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from catalog import HubSettings, open_registry
from catalog.schema import ensure_schema
from exchange.models import SCHEMA

__all__ = ["Store", "on_rollback"]


def on_rollback(session: Session, action: Callable[[], None]) -> None:
    """Run `action` if the session's unit of work does not commit: the undo of a change made
    outside it (the policy engine's grant store commits on its own)."""
    session.info["undo"].append(action)


class Store:
    """The registry database (SQLite with WAL, or PostgreSQL) with the exchange's tables."""

    def __init__(self, settings: HubSettings) -> None:
        self.registry = open_registry(settings, declare=False)
        ensure_schema(self.registry.engine, SCHEMA)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on any error — and then the
        compensations registered with `on_rollback` run, newest first."""
        undo: list[Callable[[], None]] = []
        try:
            with self.registry.session() as s:
                s.info["undo"] = undo
                yield s
        except BaseException:
            for action in reversed(undo):
                action()
            raise

    def dispose(self) -> None:
        self.registry.dispose()
