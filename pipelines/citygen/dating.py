"""The day a generated city is delivered: freshness is measured from the timestamp in each batch
id (`20261101T020000`), so a demo made today must deliver today.

The city's own calendar ends with its current batch on `CITY_DAY`. A city made `as_of` another
day keeps its records (same seed, same bytes) and has every timestamped batch id moved by the
same number of days, so its newest deliveries are of that day and the spacing between batches
is kept. Without `as_of` the city keeps its own calendar, which tests rely on."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from .tables import CURRENT_BATCH

__all__ = ["CITY_DAY", "date_landing", "dated_batch_id"]

_STAMP = "%Y%m%dT%H%M%S"
CITY_DAY = datetime.strptime(CURRENT_BATCH, _STAMP).date()


def dated_batch_id(batch_id: str, as_of: date) -> str:
    """The batch id moved by `as_of - CITY_DAY` days (an id that is no timestamp is kept)."""
    try:
        stamp = datetime.strptime(batch_id, _STAMP)
    except ValueError:
        return batch_id
    return (stamp + timedelta(days=(as_of - CITY_DAY).days)).strftime(_STAMP)


def date_landing(landing: Path, as_of: date) -> dict[tuple[str, str], str]:
    """Rename every batch (file or directory of parts) under landing/<resource>/ to its id as
    of `as_of`; returns {(resource, old id): new id}. Renames run newest first when moving
    forward (oldest first backward), so no batch lands on one not yet moved."""
    moved: dict[tuple[str, str], str] = {}
    for folder in sorted(p for p in landing.iterdir() if p.is_dir()):
        entries = sorted(folder.iterdir(), reverse=as_of > CITY_DAY)
        for entry in entries:
            old = entry.name if entry.is_dir() else entry.name.split(".", 1)[0]
            new = dated_batch_id(old, as_of)
            if new != old:
                entry.rename(folder / (new + entry.name[len(old):]))
                moved[(folder.name, old)] = new
    return moved
