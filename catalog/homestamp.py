"""Which home the analysts' views were built for: a small file beside them, written by each
rebuild (`catalog.analystdb`) and read without DuckDB when a door opens the hub
(`catalog.relocation`), so a copied or moved home is noticed."""

from __future__ import annotations

import json
from pathlib import Path

from catalog.settings import HubSettings

__all__ = ["built_for", "stamp_home"]


def _stamp(settings: HubSettings) -> Path:
    return settings.home / ".analyst-db.json"


def stamp_home(settings: HubSettings) -> None:
    """Record that the analysts' database was just built for this home."""
    _stamp(settings).write_text(json.dumps({"home": str(settings.home)}))


def built_for(settings: HubSettings) -> str | None:
    """The home the analysts' database was last built for; None if it was never stamped."""
    try:
        return json.loads(_stamp(settings).read_text()).get("home")
    except (OSError, ValueError):
        return None
