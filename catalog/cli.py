"""The `hub` command. Each package adds its commands through the `hub.cli` entry points, so the
catalog (the lowest layer) imports no other package of the hub."""

from __future__ import annotations

import json
import os
from importlib.metadata import entry_points
from pathlib import Path

import click

from catalog.directory import describe
from catalog.registry import Registry
from catalog.resources import RESOURCES, resource
from catalog.settings import get_settings

__all__ = ["main", "open_registry"]


def open_registry() -> Registry:
    settings = get_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    registry = Registry(settings.registry_url or "")
    registry.sync_declarations(list(RESOURCES.values()))
    return registry


@click.group()
@click.option("--home", type=click.Path(path_type=Path), help="The hub's home (HUB_HOME).")
@click.option("--landing", type=click.Path(path_type=Path),
              help="Where departments deliver (HUB_LANDING).")
def main(home: Path | None, landing: Path | None) -> None:
    """惠州 data-sharing hub: the governed lake, its catalog, quality and sharing."""
    if home is not None:
        os.environ["HUB_HOME"] = str(home)
    if landing is not None:
        os.environ["HUB_LANDING"] = str(landing)
    get_settings.cache_clear()


@main.group("catalog")
def catalog_group() -> None:
    """The resource directory (资源目录)."""


@catalog_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_entries(as_json: bool) -> None:
    """Every catalogued resource with its provider, sharing attribute, version and rows."""
    registry = open_registry()
    rows = [describe(registry, r) for r in RESOURCES.values()]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    click.echo(f"{'code':22} {'name':14} {'provider':10} {'sharing':8} {'ver':>3} {'rows':>10}  freshness")
    for row in rows:
        click.echo(
            f"{row['code']:22} {row['name']:14} {row['provider']['short_name']:10} "
            f"{row['sharing']:8} {row['hub']['current_version'] or '-':>3} "
            f"{row['hub']['rows']:>10}  {row['hub']['freshness']}"
        )


@catalog_group.command("show")
@click.argument("code")
def show_entry(code: str) -> None:
    """One entry in full (JSON): metadata, data items, versions, batches, lineage."""
    try:
        declared = resource(code)
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="CODE") from None
    click.echo(json.dumps(describe(open_registry(), declared), ensure_ascii=False, indent=2))


def _actor(function):
    """The options naming who acts (recorded in the entry's history and checked)."""
    for option in reversed((
        click.option("--actor", required=True, help="Who acts, e.g. rs-data-officer."),
        click.option("--department", required=True, help="Their department code, e.g. rs."),
        click.option("--role", "roles", multiple=True, required=True,
                     help="Their hub role(s): reviewer (a provider's data officer) or cdo."),
    )):
        function = option(function)
    return function


def _change(action, *args) -> None:
    """Run one life-cycle function; its refusal is a clear CLI error, never a trace."""
    from catalog.entries import EntryError

    try:
        action(open_registry(), *args)
    except EntryError as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from None


@catalog_group.command("propose")
@click.argument("code")
@click.option("--abstract", help="The new abstract.")
@click.option("--item", "items", multiple=True, metavar="NAME=DESCRIPTION",
              help="A data item's new description (repeatable).")
@_actor
def propose_revision(code, abstract, items, actor, department, roles) -> None:
    """Propose new descriptive text for an entry (a draft revision; the provider's officer)."""
    from catalog.entries import Actor, propose

    changes: dict = {"abstract": abstract} if abstract else {}
    for pair in items:
        name, sep, text = pair.partition("=")
        if not sep:
            raise click.BadParameter("use NAME=DESCRIPTION", param_hint="--item")
        changes.setdefault("items", {})[name.strip()] = text
    _change(propose, code, changes, Actor(actor, department, frozenset(roles)))
    click.echo(f"{code}: draft revision saved; submit it with `hub catalog submit {code}`")


def _decision(name: str, function_name: str, doc: str, reason_required: bool = True) -> None:
    @catalog_group.command(name, help=doc)
    @click.argument("code")
    @click.option("--reason", required=reason_required, default="",
                  help="Why (recorded in the entry's history).")
    @_actor
    def command(code, reason, actor, department, roles) -> None:
        from catalog import entries

        _change(getattr(entries, function_name), code,
                entries.Actor(actor, department, frozenset(roles)), reason)
        click.echo(f"{code}: {name} recorded")


_decision("submit", "submit", "Submit the entry's draft revision for publication (provider).",
          reason_required=False)
_decision("publish", "publish", "Publish the entry's submitted revision (chief data officer).")
_decision("return", "return_to_draft",
          "Return the entry's submitted revision to its department as a draft (CDO).")
_decision("retire", "retire", "Retire a published entry: no new orders, not open (CDO).")
_decision("republish", "republish", "Put a retired entry back in the catalog (CDO).")


@catalog_group.command("queue")
def review_queue() -> None:
    """Revisions submitted for publication, the longest waiting first."""
    from catalog.entries import diff, queue

    registry = open_registry()
    for revision in queue(registry):
        click.echo(f"#{revision.id} {revision.resource_code} submitted "
                   f"{revision.submitted_at:%Y-%m-%d %H:%M} by {revision.proposed_by}")
        for change in diff(registry, revision):
            click.echo(f"    {change.field}: {change.current!r} → {change.proposed!r}")


@catalog_group.command("history")
@click.argument("code")
def entry_history(code: str) -> None:
    """Every transition of an entry and its revisions: when, who, from, to, why."""
    from catalog.entries import EntryError, history

    try:
        events = history(open_registry(), code)
    except EntryError as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from None
    for e in events:
        what = f"revision {e.revision_id}" if e.revision_id else "entry"
        click.echo(f"{e.at:%Y-%m-%d %H:%M:%S}  {e.actor} ({e.actor_department})  {what} "
                   f"{e.action}: {e.from_status or '-'} → {e.to_status}"
                   + (f"  — {e.reason}" if e.reason else ""))


for plugin in entry_points(group="hub.cli"):
    plugin.load()(main)
