"""How the analysts' views name files: a small file beside them, written by each rebuild
(`catalog.analystdb`) and read without DuckDB when a door opens the hub (`catalog.relocation`).

Views built before homes were relocatable named files absolutely; they are rebuilt once.
"""

from __future__ import annotations

import json
from pathlib import Path

from catalog.settings import HubSettings

__all__ = ["VIEWS_FORMAT", "stamp_views", "views_format"]

# `~/…` below the home (`catalog.lake.in_home`): the database works unchanged when the home
# is copied or moved.
VIEWS_FORMAT = "home-relative"


def _stamp(settings: HubSettings) -> Path:
    return settings.home / ".analyst-db.json"


def stamp_views(settings: HubSettings) -> None:
    """Record that the analysts' database was just built, naming files as `VIEWS_FORMAT`."""
    _stamp(settings).write_text(json.dumps({"views": VIEWS_FORMAT}))


def views_format(settings: HubSettings) -> str | None:
    """How the analysts' database names files; None if it was built before this was kept."""
    try:
        return json.loads(_stamp(settings).read_text()).get("views")
    except (OSError, ValueError, AttributeError):
        return None
