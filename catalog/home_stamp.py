"""Which home the analysts' database was built for: a small file beside it, read and written
without DuckDB. Written by `catalog.analystdb` after a rebuild, read by `catalog.relocation`;
its own module so that neither imports the other to reach it."""

from __future__ import annotations

import json
from pathlib import Path

from catalog.settings import HubSettings

__all__ = ["stamp_home", "stamp_path"]


def stamp_path(settings: HubSettings) -> Path:
    return settings.home / ".analyst-db.json"


def stamp_home(settings: HubSettings) -> None:
    """Record that the analysts' database was just built for this home."""
    stamp_path(settings).write_text(json.dumps({"home": str(settings.home)}))
