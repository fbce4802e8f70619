"""One way to write a moment wherever the hub shows one (API, open data, catalog): ISO 8601
with its offset, in Beijing time (`2026-12-07T20:02:46+08:00`), whatever zone it was held in.
The registries store UTC; a naive datetime read back from SQLite is UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

__all__ = ["BEIJING", "beijing_iso"]

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")


def beijing_iso(moment: datetime, timespec: str = "auto") -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(BEIJING).isoformat(timespec=timespec)
