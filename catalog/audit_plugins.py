"""Scheduled audits as plugins: how a package offers one and how the hub finds them.

Each package provides its audits as entry points of the group `hub.audits` (the catalog imports
none of them, as with `hub.cli`): a callable `audit(settings, now) -> AuditResult`, given its
cron schedule with `scheduled`. Loading an audit must stay cheap (`hub audits list` loads every
one to read its schedule), so an audit module imports what its run needs inside the function.
`catalog.audit_reports` runs them and keeps their reports.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from catalog.findings import AuditResult
    from catalog.settings import HubSettings

__all__ = ["AUDIT_NAME", "DEFAULT_CRON", "ENTRY_POINTS", "AuditFn", "discover", "reports_dir", "scheduled"]

ENTRY_POINTS = "hub.audits"
DEFAULT_CRON = "0 7 * * *"  # daily, 07:00 Beijing time, before the working day
AuditFn = Callable[["HubSettings", datetime], "AuditResult"]
AUDIT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,47}$")  # a report directory, a batch id, a Dagster key


def scheduled(cron: str) -> Callable[[AuditFn], AuditFn]:
    """Give an audit its Dagster schedule (cron, Beijing time); unmarked ones run daily."""

    def mark(audit: AuditFn) -> AuditFn:
        audit.cron = cron  # type: ignore[attr-defined]
        return audit

    return mark


def discover() -> dict[str, AuditFn]:
    """Every installed audit by entry-point name, sorted; a malformed name is an error."""
    found: dict[str, AuditFn] = {}
    for point in sorted(entry_points(group=ENTRY_POINTS), key=lambda p: p.name):
        if not AUDIT_NAME.match(point.name):
            raise ValueError(f"audit entry point {point.name!r}: use lower-case letters, "
                             "digits and underscores")
        found[point.name] = point.load()
    return found


def reports_dir(settings: HubSettings) -> Path:
    return settings.home / "audits"
