"""Per-grant materialised protected tables (snapshots): where they live, what identifies them,
and which one a query may read.

A snapshot is one protected table's masked, filtered form for one grant — tokens under the
grant's key, display masks, absent items dropped, row filters applied — written once as
Parquet so that queries read it instead of hashing every row again (issue 5: governed ≤ 1.5×
unprotected). It is identified by (grant, table, publication version, policy version) and a
digest of everything else its content depends on: the masked form's SQL (decisions, filters,
mask definitions) and the token key's identifier. A publication version names one published
state of a resource for good (the registry never reuses one, nor a grant id). A snapshot
lives at `<home>/grants/<grant>/<table>/v<version>-<policy>-<digest>.parquet`; the same
values are recorded in its Parquet metadata, and it is read only when both match what the
analysts' database attached for this query says is current.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
from sqlglot import exp

from catalog import HubSettings
from policies.binding import Binding
from policies.masks import grant_key, key_fingerprint, token_expression
from policies.rewrite import CATALOG_ALIAS, masked_select
from policies.rewrite.tables import PERSON_COLUMN

__all__ = ["REVOKED", "SNAPSHOT_KEY", "Resolution", "SnapshotKey", "current_key",
           "drop_grant_snapshots", "prepare_views", "prune_snapshots", "prune_stale", "recorded",
           "snapshot_root", "snapshot_select"]

log = logging.getLogger(__name__)

SNAPSHOT_KEY = "hub_k"  # the token key's parameter name in every snapshot's form
REVOKED = "REVOKED"  # tombstone in a grant's directory: nothing may be written there again
# A path component: never "..", "/" or "_staging" (the builds' private directory).
_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,95}")
_NAME = re.compile(r"v(\d+)-(.+)-([0-9a-f]{16})\.parquet")


def snapshot_root(settings: HubSettings) -> Path:
    return settings.home / "grants"


@dataclass(frozen=True)
class SnapshotKey:
    """What one snapshot file is of; its path and its recorded metadata both derive from it."""

    grant_id: str
    table: str
    version: int
    policy_version: str
    digest: str

    def path(self, root: Path) -> Path:
        return (root / self.grant_id / self.table /
                f"v{self.version}-{self.policy_version}-{self.digest}.parquet")

    def metadata(self) -> dict[str, str]:
        return {"hub_grant": self.grant_id, "hub_table": self.table,
                "hub_version": str(self.version), "hub_policy": self.policy_version,
                "hub_digest": self.digest}


def snapshot_select(binding: Binding) -> exp.Select:
    """The form a snapshot holds: the inline masked form under the canonical key name. An
    aggregate grant's person column (only ever counted distinct, for the minimum group size)
    is stored as its token, so no snapshot holds a raw identifier."""
    select = masked_select(replace(binding, key_name=SNAPSHOT_KEY))
    for column in select.expressions:
        if binding.aggregate and column.alias == PERSON_COLUMN:
            column.set("this", token_expression(column.this, SNAPSHOT_KEY))
    return select


_FORMS: dict[tuple, str] = {}


def _form_sql(binding: Binding) -> str:
    """`snapshot_select(binding)` as SQL, cached: every query computes its snapshots' keys."""
    key = (binding.resource.code, binding.decisions, binding.row_filter, binding.aggregate)
    if key not in _FORMS:
        if len(_FORMS) > 256:
            _FORMS.clear()
        _FORMS[key] = snapshot_select(binding).sql(dialect="duckdb")
    return _FORMS[key]


def _key_id(settings: HubSettings, grant_id: str) -> str:
    """Names the token key without revealing it: a new hub secret means new snapshots."""
    return key_fingerprint(grant_key(settings.secret_key.get_secret_value(), grant_id))


def current_key(con: duckdb.DuckDBPyConnection, settings: HubSettings, binding: Binding,
                policy_version: str) -> SnapshotKey | None:
    """The key of the binding's snapshot for the publication the connection's attached
    analysts' database holds; None when it records no publication of the resource."""
    table = binding.resource.table
    try:
        (version,) = con.execute(f"SELECT max(version) FROM {CATALOG_ALIAS}.meta.publications "
                                 "WHERE resource_code = ?", [binding.resource.code]).fetchone()
    except duckdb.CatalogException:  # an analysts' database without a publications table
        return None
    if version is None or not all(
            _SAFE.fullmatch(p) for p in (binding.grant.id, table, policy_version)):
        return None
    parts = (_form_sql(binding), _key_id(settings, binding.grant.id))
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]
    return SnapshotKey(binding.grant.id, table, int(version), policy_version, digest)


def recorded(path: Path) -> dict[str, str] | None:
    """The hub's metadata recorded in a snapshot file, or None if there is no readable one."""
    try:
        meta = pq.read_metadata(path).metadata or {}
    except (OSError, ValueError):
        return None
    return {k.decode(): v.decode() for k, v in meta.items() if k.startswith(b"hub_")}


@dataclass
class Resolution:
    """Which protected reads of one query have a current snapshot (filled by `prepare_views`)."""

    reads: dict[str, str] = field(default_factory=dict)  # resource code -> view name
    keys: set[str] = field(default_factory=set)  # token-key names the snapshots replace
    missing: list[Binding] = field(default_factory=list)


def prepare_views(con: duckdb.DuckDBPyConnection, *, settings: HubSettings,
                  bindings: Sequence[Binding], policy_version: str,
                  into: Resolution) -> list[Path]:
    """Create a view over each binding's current snapshot (before the connection is locked)
    and return their files; a binding without one is left to its inline masked form."""
    root, files = snapshot_root(settings), []
    for n, binding in enumerate(bindings):
        key = current_key(con, settings, binding, policy_version)
        if key is None:
            continue
        path = key.path(root)
        if recorded(path) != key.metadata():
            into.missing.append(binding)
            continue
        view = f"__hub_snapshot_{n}"
        try:
            con.execute(f"CREATE TEMP VIEW {view} AS SELECT * FROM read_parquet("
                        f"{exp.Literal.string(str(path)).sql(dialect='duckdb')})")
        except duckdb.Error:  # removed since it was checked (superseded or revoked)
            into.missing.append(binding)
            continue
        log.debug("grant %s reads %s from snapshot %s", binding.grant.id,
                  binding.resource.code, path.name)
        into.reads[binding.resource.code] = view
        into.keys.add(binding.key_name)
        files.append(path)
    return files


def drop_grant_snapshots(settings: HubSettings, grant_id: str) -> None:
    """Delete every snapshot of a grant and leave a tombstone, so that a build finishing
    after the revocation removes its own file (grant ids are never reused)."""
    root = snapshot_root(settings)
    if not _SAFE.fullmatch(grant_id) or not root.is_dir():  # no root: nothing was ever built
        return
    directory = root / grant_id
    directory.mkdir(exist_ok=True)
    (directory / REVOKED).touch()
    for entry in directory.iterdir():
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.name != REVOKED:
            entry.unlink(missing_ok=True)


def prune_stale(directory: Path, key: SnapshotKey) -> None:
    """Remove a (grant, table)'s snapshots of older publications or of another policy."""
    for entry in directory.glob("v*.parquet"):
        match = _NAME.fullmatch(entry.name)
        if match and (int(match[1]) < key.version
                      or int(match[1]) == key.version and match[2] != key.policy_version):
            entry.unlink(missing_ok=True)


def prune_snapshots(settings: HubSettings, usable: Iterable[str]) -> list[str]:
    """Drop the snapshots of every grant not in `usable` (revoked, expired or unknown ones);
    returns the grant ids dropped."""
    root, keep, dropped = snapshot_root(settings), set(usable), []
    if not root.is_dir():
        return dropped
    for entry in sorted(root.iterdir()):
        if (entry.is_dir() and not entry.name.startswith("_") and entry.name not in keep
                and any(p.name != REVOKED for p in entry.iterdir())):
            drop_grant_snapshots(settings, entry.name)
            dropped.append(entry.name)
    return dropped

