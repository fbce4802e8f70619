"""Building snapshots (`policies.snapshots`): now (`hub grants materialise`), or in the
background after a query found none (`HUB_GATEWAY_SNAPSHOTS=auto`).

A build attaches the analysts' database read-only on its own connection, takes the snapshot
key of the publication that database holds, and writes the masked form with `COPY` into
`<home>/grants/_staging/`, then fsyncs it and renames it into place (as `catalog.lake`
promotes batches), so a reader sees the whole file or none. The key never leaves this process:
it is bound as query parameters, as for inline tokens. One build per (grant, table) at a time
across processes (a file lock); background builds run one after another on a daemon worker,
so a query never waits for one. With `HUB_ENGINE=spark` the rows are computed on Spark and
written from the driver the same way (`policies.sparkforms`; the key stays in this process:
tokens are computed here for the distinct values).
"""

from __future__ import annotations

import atexit
import fcntl
import logging
import os
import queue
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow.parquet as pq
from sqlglot import exp

from catalog import HubSettings, resource
from catalog.engines import sql_engine
from catalog.i18n import _
from catalog.lake import connect, fsync_path
from policies.binding import GATEWAY_MODES, Binding, bind_grant
from policies.errors import PolicyError
from policies.grants import Grant
from policies.masks import register_tokens, token_keys
from policies.policy import Policy, default_policy
from policies.principal import Principal
from policies.rewrite import CATALOG_ALIAS
from policies.snapshots import (
    REVOKED,
    SNAPSHOT_KEY,
    SnapshotKey,
    current_key,
    prune_stale,
    recorded,
    snapshot_root,
    snapshot_select,
)
from policies.sparkforms import spark_form

if TYPE_CHECKING:
    from pipelines.spark_engine import SparkEngine

__all__ = ["Built", "build", "materialise", "schedule", "wait_for_builds"]

log = logging.getLogger(__name__)

_STALE_STAGING_SECONDS = 6 * 3600  # older staging files are leftovers of killed builds


@dataclass(frozen=True)
class Built:
    """A current snapshot: its file, its rows (None if it already existed), seconds taken."""

    path: Path
    rows: int | None
    seconds: float


def materialise(settings: HubSettings, principal: Principal, grant: Grant, *,
                policy: Policy | None = None, engine: SparkEngine | None = None) -> Built | None:
    """Build now the snapshot that `principal`'s queries under `grant` read (None: the
    analysts' database records no publication of the resource, or another build holds it)."""
    policy = policy or default_policy()
    if grant.mode not in GATEWAY_MODES:
        raise PolicyError("denied", _("a {mode} grant serves no SQL", mode=grant.mode))
    if not grant.is_usable():
        raise PolicyError("grant_inactive")
    if not grant.covers(principal.department, principal.subject):
        raise PolicyError("no_grant", _("the grant is not the caller's"))
    binding = bind_grant(principal, grant, resource(grant.resource_code), policy)
    return build(settings, binding, policy.version, engine=engine)


def build(settings: HubSettings, binding: Binding, policy_version: str, *,
          engine: SparkEngine | None = None) -> Built | None:
    """Write the binding's current snapshot unless it exists; prune the ones it supersedes.
    The rows are computed by `engine`, else by the engine the settings name (`HUB_ENGINE`:
    DuckDB on the build's connection, or Spark, `policies.sparkforms`)."""
    started = time.perf_counter()
    if not settings.analyst_db.exists() or not binding.grant.is_usable():
        return None
    root = snapshot_root(settings)
    staging = root / "_staging"
    staging.mkdir(parents=True, exist_ok=True)
    _clear_stale(staging)
    con = connect(settings)
    with _LOCK:
        _ACTIVE.add(con)
    try:
        register_tokens(con, settings.secret_key.get_secret_value(),
                        token_keys(snapshot_select(binding), {SNAPSHOT_KEY: binding.grant.id}))
        con.execute(f"ATTACH ? AS {CATALOG_ALIAS} (READ_ONLY)", [str(settings.analyst_db)])
        key = current_key(con, settings, binding, policy_version)
        if key is None or (root / key.grant_id / REVOKED).exists():
            return None
        final = key.path(root)
        if recorded(final) == key.metadata():
            return Built(final, None, time.perf_counter() - started)
        final.parent.mkdir(parents=True, exist_ok=True)
        with _exclusive(final.parent / ".build.lock") as mine:
            if not mine:
                return None
            if recorded(final) == key.metadata():  # another process finished it meanwhile
                return Built(final, None, time.perf_counter() - started)
            revoked = root / key.grant_id / REVOKED
            try:
                rows = _write(con, settings, binding, key, staging, final, engine)
            except FileNotFoundError:  # the revocation removed the directory
                if revoked.exists():
                    return None
                raise
            if revoked.exists():  # revoked while we wrote: a revocation wins
                final.unlink(missing_ok=True)
                return None
            prune_stale(final.parent, key)
            built = Built(final, rows, time.perf_counter() - started)
            log.info("snapshot %s/%s v%s: %s rows in %.1f s", key.grant_id, key.table,
                     key.version, rows, built.seconds)
            return built
    finally:
        with _LOCK:
            _ACTIVE.discard(con)
        con.close()


def _write(con: duckdb.DuckDBPyConnection, settings: HubSettings, binding: Binding,
           key: SnapshotKey, staging: Path, final: Path, engine: SparkEngine | None) -> int:
    """Write the form to a private staging file, flush it, rename it into place; rows."""
    select = snapshot_select(binding)
    engine = engine if engine is not None else sql_engine(settings)
    staged = staging / f"{uuid.uuid4().hex}.parquet"
    if engine is not None:
        return _write_spark(engine, con, settings, binding, key, staged, final)
    metadata = exp.Struct(expressions=[
        exp.PropertyEQ(this=exp.to_identifier(k), expression=exp.Literal.string(v))
        for k, v in key.metadata().items()]).sql(dialect="duckdb")
    target = exp.Literal.string(str(staged)).sql(dialect="duckdb")
    try:
        (rows,) = con.execute(f"COPY ({select.sql(dialect='duckdb')}) TO {target} "
                              f"(FORMAT parquet, KV_METADATA {metadata})").fetchone()
        fsync_path(staged)
        os.replace(staged, final)
        fsync_path(final.parent)
    finally:
        staged.unlink(missing_ok=True)
    return rows


def _write_spark(engine: SparkEngine, con: duckdb.DuckDBPyConnection, settings: HubSettings,
                 binding: Binding, key: SnapshotKey, staged: Path, final: Path) -> int:
    """The form computed on Spark (tokens on the driver), written from the driver as the
    DuckDB build writes it: same columns and types, the key's metadata, staged, flushed,
    renamed. (DuckDB also marks the columns its statistics prove free of NULLs required;
    these are all optional: readers see the same values.)"""
    select = snapshot_select(binding)
    table = spark_form(engine, con, settings, select,
                       token_keys(select, {SNAPSHOT_KEY: binding.grant.id}))
    try:
        pq.write_table(table.replace_schema_metadata(key.metadata()), staged)
        fsync_path(staged)
        os.replace(staged, final)
        fsync_path(final.parent)
    finally:
        staged.unlink(missing_ok=True)
    return table.num_rows


@contextmanager
def _exclusive(path: Path) -> Iterator[bool]:
    """Whether this caller holds the lock (never waits); released on exit or process death."""
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def _clear_stale(staging: Path) -> None:
    cutoff = time.time() - _STALE_STAGING_SECONDS
    for entry in staging.iterdir():
        try:
            if entry.stat().st_mtime < cutoff:
                entry.unlink()
        except OSError:
            pass


# --- background builds --------------------------------------------------------------------

_QUEUE: queue.Queue = queue.Queue()
_PENDING: set[tuple] = set()
_LOCK = threading.Lock()
_ACTIVE: set[duckdb.DuckDBPyConnection] = set()  # builds' connections, interrupted at exit
_worker: threading.Thread | None = None
_stopping = False


def schedule(settings: HubSettings, bindings: Sequence[Binding], policy_version: str) -> None:
    """Queue a background build of each binding's snapshot; returns at once. A build already
    queued or running for the same form is not queued again."""
    global _worker
    with _LOCK:
        if _stopping:
            return
        for binding in bindings:
            job = (str(settings.home), binding.grant.id, binding.resource.code,
                   binding.decisions, binding.row_filter, binding.aggregate, policy_version)
            if job not in _PENDING:
                _PENDING.add(job)
                _QUEUE.put((job, settings, binding, policy_version))
        if _PENDING and (_worker is None or not _worker.is_alive()):
            _worker = threading.Thread(target=_work, name="hub-snapshots", daemon=True)
            _worker.start()


def _work() -> None:
    while (item := _QUEUE.get()) is not None and not _stopping:
        job, settings, binding, policy_version = item
        try:
            build(settings, binding, policy_version)
        except Exception:  # a failed build leaves the inline form in use; say why, carry on
            if not _stopping:
                log.warning("snapshot build for grant %s failed", binding.grant.id,
                            exc_info=True)
        finally:
            with _LOCK:
                _PENDING.discard(job)


def wait_for_builds(timeout: float | None = None) -> bool:
    """Wait until no background build is queued or running (benchmarks, tests, shutdown)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        with _LOCK:
            if not _PENDING:
                return True
        if deadline is not None and time.monotonic() > deadline:
            return False
        time.sleep(0.01)


@atexit.register
def _stop() -> None:
    """Interrupt a running build at exit: its staging file is removed, nothing is promoted."""
    global _stopping
    with _LOCK:
        _stopping = True
        active = list(_ACTIVE)
    for con in active:
        con.interrupt()
    _QUEUE.put(None)  # wakes an idle worker so that it ends
    if _worker is not None:
        _worker.join(timeout=10)
