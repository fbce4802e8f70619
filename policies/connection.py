"""A fresh, locked DuckDB connection per gateway query, and the watchdog that interrupts it.

The analysts' database is attached read-only; only the lake directories of the tables the
query reads, and the snapshot files the engine prepared views over, are reachable; then
external access is switched off and the configuration locked, so nothing in the query can
widen them. Engine errors become sanitised `PolicyError`s.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb

from catalog import HubSettings
from catalog.i18n import _
from catalog.lake import engine_config
from policies.errors import PolicyError
from policies.masks import register_tokens
from policies.rewrite import CATALOG_ALIAS

__all__ = ["gateway_connection", "sanitised", "watchdog"]


@contextmanager
def gateway_connection(
    settings: HubSettings, tables: Iterable[str], *, timeout: float | None = None,
    prepare: Callable[[duckdb.DuckDBPyConnection], Iterable[Path]] | None = None,
    tokens: Mapping[str, str] | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory connection with the analysts' database attached read-only and locked down.
    `prepare` runs before the lock (the engine creates its snapshot views there) and returns
    the only files, beside the tables' lake directories, the connection may read; `tokens`
    (key name -> grant id) are the token functions the masked forms call."""
    if not settings.analyst_db.exists():
        raise PolicyError("unavailable", _("the lake has not been published yet"))
    con = duckdb.connect(":memory:",
                         config=engine_config(settings, memory_limit=settings.gateway_memory_limit))
    try:
        register_tokens(con, settings.secret_key.get_secret_value(), tokens or {})
        temp = settings.home / "tmp" / "gateway"
        temp.mkdir(parents=True, exist_ok=True)
        con.execute("SET temp_directory = ?", [str(temp)])
        con.execute("SET max_temp_directory_size = ?", [settings.gateway_memory_limit])
        con.execute(f"ATTACH ? AS {CATALOG_ALIAS} (READ_ONLY)", [str(settings.analyst_db)])
        files = sorted(str(f) for f in prepare(con)) if prepare else []
        # A table's accepted files, and the newest-row-per-key file of an append resource whose
        # keys recur (`catalog.current`): what its `published` view may read.
        allowed = [f"{settings.lake / layer / t}/" for t in sorted(set(tables))
                   for layer in ("standardised", "current")]
        con.execute("SET allowed_directories = ?", [allowed])
        if files:
            con.execute("SET allowed_paths = ?", [files])
        con.execute("SET enable_external_access = false")
        con.execute("SET python_enable_replacements = false")  # no Python variable is a table
        con.execute("SET enable_progress_bar = false")
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET lock_configuration = true")
    except duckdb.Error:
        con.close()
        raise PolicyError("unavailable") from None
    try:
        with watchdog(con, timeout):
            yield con
    finally:
        con.close()


@contextmanager
def watchdog(con: duckdb.DuckDBPyConnection, timeout: float | None) -> Iterator[None]:
    """Interrupt whatever the connection runs once `timeout` seconds have passed."""
    if timeout is None:
        yield
        return
    timer = threading.Timer(timeout, con.interrupt)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


_COLUMN = re.compile(r'Referenced column "([^"]{1,64})" not found')
_FUNCTION = re.compile(r'(?:Scalar|Aggregate|Table) Function with name "?([a-z_0-9]{1,64})"? '
                       r"does not exist")


def sanitised(error: duckdb.Error, identifiers: frozenset[str]) -> PolicyError:
    """A `PolicyError` for an engine error: by kind, naming only identifiers the user wrote."""
    text = str(error)
    if isinstance(error, duckdb.InterruptException):
        return PolicyError("timeout")
    if isinstance(error, duckdb.OutOfMemoryException) or "memory" in text.lower() and \
            isinstance(error, duckdb.OutOfRangeException):
        return PolicyError("memory_limit")
    if isinstance(error, duckdb.BinderException | duckdb.CatalogException):
        for pattern, what in ((_COLUMN, _("column {name} is not available to this query")),
                              (_FUNCTION, _("function {name} is not available to this query"))):
            match = pattern.search(text)
            if match and match.group(1).lower() in identifiers:
                return PolicyError("invalid_query", what.format(name=match.group(1)))
        return PolicyError("invalid_query", _("the query refers to a column, table or function "
                                              "that is not available, or uses one with the "
                                              "wrong types"))
    if isinstance(error, duckdb.ConversionException):
        return PolicyError("invalid_query", _("a value could not be converted to the requested "
                                              "type"))
    if isinstance(error, duckdb.OutOfRangeException):
        return PolicyError("invalid_query", _("a value is out of range for its type"))
    if isinstance(error, duckdb.PermissionException):
        return PolicyError("not_allowed",
                           _("the query tried to reach something outside the lake"))
    return PolicyError("invalid_query")
