"""What the `hub` command says when something is wrong: one line naming the thing and what to
do. The guard itself is `catalog.cli._Hub`; the rules it applies live here."""

from __future__ import annotations

import os
import sys
import tempfile
import traceback

import click

from catalog.errors import HubError
from catalog.i18n import _
from catalog.settings import HubSettings

__all__ = ["PORT", "require_home", "require_landing", "unexpected"]

# A TCP port a server can listen on; anything else is refused before it is echoed back.
PORT = click.IntRange(1, 65535)


def require_home(settings: HubSettings) -> None:
    """A home that does not exist is a typo or a missing `hub init`, never a new empty hub."""
    if not settings.home.is_dir():
        raise HubError(_("no hub at {home}: check --home / HUB_HOME, or create one with `hub "
                         "init` (`hub demo` makes a demo hub)", home=settings.home))


def require_landing(settings: HubSettings) -> None:
    """Deliveries are read from an existing directory; a missing one is a wrong path."""
    if not settings.landing_dir.is_dir():
        raise HubError(_("no landing directory at {landing}: check --landing / HUB_LANDING "
                         "(`hub init` creates <home>/landing)", landing=settings.landing_dir))


def _database_error(exc: BaseException) -> str | None:
    """SQLAlchemy's errors about the registry database, said without the SQL and the trace."""
    sa = sys.modules.get("sqlalchemy.exc")
    if sa is None or not isinstance(exc, sa.SQLAlchemyError):
        return None
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    if any("dagster/_core/storage" in frame.filename.replace(os.sep, "/")
           for frame in traceback.extract_tb(exc.__traceback__)):
        return _("Dagster's instance storage cannot be used ({reason}): check DAGSTER_HOME "
                 "(by default <home>/dagster)", reason=reason)
    if isinstance(exc, sa.OperationalError | sa.InterfaceError):
        return _("the registry database cannot be used ({reason}): check HUB_REGISTRY_URL and "
                 "that the database is running", reason=reason)
    return _("registry database error: {reason}", reason=reason)


def unexpected(exc: Exception) -> str:
    """One line for an error the hub did not foresee; the traceback goes to a file (the line
    names it) so a bug report still has it."""
    said = _database_error(exc)
    if said is not None:
        return said
    fd, path = tempfile.mkstemp(prefix="hub-error-", suffix=".txt")
    with os.fdopen(fd, "w") as out:
        traceback.print_exception(exc, file=out)
    first = (str(exc).strip().splitlines() or [""])[0]
    return _("unexpected error: {kind}: {detail} (traceback in {path})",
             kind=type(exc).__name__, detail=first, path=path)
