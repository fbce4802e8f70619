"""The current rows of an append resource: the newest row of each key over its published batches.

Each batch's keys are unique (repeats within a batch are quarantined), so the batches' files are
the answer as they are unless a key recurs in a later batch (a corrected record). Whether one
does is decided once per set of batches, when it is published, with one aggregate over the key
columns; only then is the newest row of each key written once to a file. The analysts'
`published` views and the quality run read that decision instead of each query recomputing the
window over every month.

The decision lives in `<lake>/current/<table>/<digest of the files>/`: `keys.json`, plus
`newest.parquet` when a key recurs. Accepted files are immutable, so a set of files always has
the same answer; the directory is promoted atomically like every lake write.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path

from catalog.lake import Lake, connect
from catalog.model import Load, Resource
from catalog.settings import HubSettings
from catalog.sqltext import ident, sql_str

__all__ = ["current_row_count", "current_rows", "newest_per_key_sql", "recorded_current_rows",
           "recorded_recurring_keys"]

_KEEP = 2  # decisions kept per table: the current one and the one older readers may still use
# Older ones are kept for a day too: a quality run or an analyst's session that began before
# two further publications may still be reading one.
_GRACE_SECONDS = 24 * 3600


def _scan(files: list[Path]) -> str:
    listed = ", ".join(sql_str(str(f)) for f in files)
    return f"read_parquet([{listed}], union_by_name = true)"


def newest_per_key_sql(resource: Resource, source: str) -> str:
    """The newest row (by batch) of each key of the rows of the query `source`."""
    key = ", ".join(ident(k) for k in resource.key)
    return (f"SELECT * FROM ({source}) "
            f"QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY _batch_id DESC) = 1")


def _decision_dir(settings: HubSettings, resource: Resource, files: list[Path]) -> Path:
    # Named by the files relative to the home, so a copied or moved home finds its decisions.
    names = sorted(Path(f).relative_to(settings.home).as_posix()
                   if Path(f).is_relative_to(settings.home) else str(f) for f in files)
    digest = hashlib.sha256("\n".join(names).encode()).hexdigest()[:20]
    return settings.lake / "current" / resource.table / digest


def current_rows(settings: HubSettings, resource: Resource, files: list[Path]) -> list[Path]:
    """Parquet files holding exactly the current rows of a resource whose published batches'
    accepted files are `files`: `files` themselves for a snapshot, for an append resource with
    one batch or without a recurring key, else the newest row of each key. The decision for
    an append resource's set of files is taken and recorded the first time it is asked for."""
    recorded = recorded_current_rows(settings, resource, files)
    if recorded is not None:
        return recorded
    _decide(settings, resource, files, _decision_dir(settings, resource, files))
    return recorded_current_rows(settings, resource, files) or files


def recorded_current_rows(settings: HubSettings, resource: Resource,
                          files: list[Path]) -> list[Path] | None:
    """`current_rows` if no decision is needed or it was recorded; None if it was not (the
    caller then computes the newest row of each key itself)."""
    if resource.load is not Load.APPEND or len(files) < 2:
        return files
    decided = _decision_dir(settings, resource, files)
    if not (decided / "keys.json").exists():
        return None
    newest = decided / "newest.parquet"
    return [newest] if newest.exists() else files


def recorded_recurring_keys(settings: HubSettings, resource: Resource,
                            files: list[Path]) -> int | None:
    """How many keys occur more than once in these files, as the recorded decision found;
    None when no decision is needed or none was recorded."""
    if resource.load is not Load.APPEND or len(files) < 2:
        return None
    decided = _decision_dir(settings, resource, files) / "keys.json"
    return json.loads(decided.read_text()).get("recurring_keys") if decided.exists() else None


def current_row_count(settings: HubSettings, resource: Resource, files: list[Path]) -> int | None:
    """How many current rows the recorded decision for these files found (one per key); None
    when no decision is needed or none was recorded."""
    if resource.load is not Load.APPEND or len(files) < 2:
        return None
    decided = _decision_dir(settings, resource, files) / "keys.json"
    return json.loads(decided.read_text()).get("current_rows") if decided.exists() else None


def _decide(settings: HubSettings, resource: Resource, files: list[Path], final: Path) -> None:
    lake = Lake(settings)
    key = ", ".join(ident(k) for k in resource.key)
    with lake.staging() as staged, connect(settings) as con:
        (recurring, current), = con.execute(
            f"SELECT count(*) FILTER (WHERE n > 1), count(*) FROM (SELECT count(*) AS n "
            f"FROM {_scan(files)} GROUP BY {key})").fetchall()
        if recurring:
            target = sql_str(str(staged / "newest.parquet"))
            con.execute(f"COPY ({newest_per_key_sql(resource, f'SELECT * FROM {_scan(files)}')}) "
                        f"TO {target} (FORMAT parquet, COMPRESSION snappy)")
        (staged / "keys.json").write_text(json.dumps(
            {"files": [str(f) for f in files], "recurring_keys": recurring,
             "current_rows": current}, indent=1))
        lake.promote(staged, final)
    _prune(final)


def _prune(kept: Path) -> None:
    """Remove a table's older decisions but the newest few (an analysts' database built before
    this publication may still name the previous one) and those of the last day."""
    others = sorted((d for d in kept.parent.iterdir() if d.is_dir() and d != kept),
                    key=lambda d: d.stat().st_mtime, reverse=True)
    cutoff = time.time() - _GRACE_SECONDS
    for old in others[_KEEP - 1:]:
        if old.stat().st_mtime < cutoff:
            shutil.rmtree(old, ignore_errors=True)
