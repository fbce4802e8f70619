"""The Dagster instance of a hub home: `<home>/dagster`, configured by the repo's dagster.yaml."""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

import dagster as dg

from catalog import HubSettings

__all__ = ["dagster_home", "hub_instance"]

_REPO_CONFIG = Path(__file__).resolve().parents[1] / "dagster.yaml"


def dagster_home(settings: HubSettings) -> Path:
    """`DAGSTER_HOME`, by default `<home>/dagster`; given the repo's dagster.yaml if it has none."""
    home = Path(os.environ.get("DAGSTER_HOME") or settings.home / "dagster")
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(_REPO_CONFIG, home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def hub_instance(settings: HubSettings) -> dg.DagsterInstance:
    """The home's Dagster instance. Dagster creates its SQLite storage (runs, the event index,
    schedules) as the instance is made: on a new home, two processes making it at once (two
    `hub materialize`, `hub dev` beside one) would both create the tables and one would fail
    ("table secondary_indexes already exists"), so it is made under a lock."""
    home = dagster_home(settings)
    with (home / ".instance.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return dg.DagsterInstance.get()
