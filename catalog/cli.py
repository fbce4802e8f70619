"""The `hub` command. Each package adds its commands through the `hub.cli` entry points, so the
catalog (the lowest layer) imports no other package of the hub."""

from __future__ import annotations

import json
import os
from importlib.metadata import entry_points
from pathlib import Path

import click
from alembic import command
from alembic.util import CommandError

from catalog import registry as _registry
from catalog.city import install_city
from catalog.clierrors import require_home, unexpected
from catalog.directory import describe
from catalog.errors import HubError
from catalog.listing import PAGE_SIZE, page_of
from catalog.registry import Registry, registry_engine
from catalog.relocation import ensure_analyst_db_home
from catalog.resources import RESOURCES, resource
from catalog.schema import SchemaMismatch, next_revision, schemas, state, upgrade
from catalog.settings import get_settings

__all__ = ["main", "open_registry"]


def open_registry() -> Registry:
    """The registry of this process's settings (`catalog.registry.open_registry`), with the
    analysts' views rebuilt if the home was moved since they were built."""
    settings = get_settings()
    registry = _registry.open_registry(settings)
    ensure_analyst_db_home(settings, registry, list(RESOURCES.values()))
    return registry


# Commands that make a hub home on purpose; every other command needs an existing one, so a
# typo'd --home is an error rather than a new, empty hub. (`generate` and
# `generate-directory` write elsewhere.)
_MAKE_HOME = frozenset({"init", "demo", "generate", "generate-directory"})


class _Hub(click.Group):
    """The CLI's one error guard: a hub refusal, a bad setting or an unusable registry is one
    line on stderr and exit 1, never a traceback."""

    def resolve_command(self, ctx: click.Context, args: list[str]):
        ctx.meta["hub.help"] = any(a in ("--help", "-h") for a in args)
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except HubError as exc:  # the same text the API and the web app show
            raise click.ClickException(exc.shown) from None
        except SchemaMismatch as exc:
            raise click.ClickException(str(exc)) from None
        except Exception as exc:  # noqa: BLE001 — the last resort of the CLI's edge
            raise click.ClickException(unexpected(exc)) from None


@click.group(cls=_Hub)
@click.option("--home", type=click.Path(path_type=Path), help="The hub's home (HUB_HOME).")
@click.option("--landing", type=click.Path(path_type=Path),
              help="Where departments deliver (HUB_LANDING).")
@click.pass_context
def main(ctx: click.Context, home: Path | None, landing: Path | None) -> None:
    """The city's data-sharing hub (一网共享): the governed lake, its catalog, quality and
    sharing."""
    if home is not None:
        os.environ["HUB_HOME"] = str(home)
    if landing is not None:
        os.environ["HUB_LANDING"] = str(landing)
    get_settings.cache_clear()
    if ctx.meta.get("hub.help"):
        return
    settings = get_settings()  # a bad HUB_* value is reported before any work starts
    if ctx.invoked_subcommand not in _MAKE_HOME:
        require_home(settings)


@main.command("init")
@click.option("--profile", default=None, metavar="NAME|FOLDER",
              help="The city: a shipped profile (huizhou, dongguan) or a folder holding "
                   "city.toml and resources/ (docs/city-profile.md). Default: the demo's, 惠州.")
def init(profile: str | None) -> None:
    """Create a hub home (HUB_HOME or --home) for a city: its profile and directory, registry
    and landing directory."""
    settings = get_settings()
    existed = settings.home.is_dir()
    city = install_city(settings, profile)
    settings.landing_dir.mkdir(parents=True, exist_ok=True)
    open_registry()
    click.echo(f"{'hub home already at' if existed else 'created a hub home at'} {settings.home}"
               f" for {city.profile.name} ({len(city.resources)} resources, "
               f"{len(city.departments)} departments); departments deliver to "
               f"{settings.landing_dir}")


@main.group("catalog")
def catalog_group() -> None:
    """The resource directory (资源目录)."""


@catalog_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--page", default=1, show_default=True, type=click.IntRange(1),
              help="Which page of the directory.")
@click.option("--limit", default=PAGE_SIZE, show_default=True, type=click.IntRange(1),
              help="Resources per page.")
@click.option("--all", "every", is_flag=True, help="Every resource, on one page.")
def list_entries(as_json: bool, page: int, limit: int, every: bool) -> None:
    """The catalogued resources with their provider, sharing attribute, version and rows, a
    page at a time (the page and the total on stderr, so stdout stays the data)."""
    registry = open_registry()
    total = len(RESOURCES)
    shown = page_of(list(RESOURCES.values()), 1 if every else page,
                    max(total, 1) if every else limit)
    if total and not shown.items:
        raise click.BadParameter(shown.summary("resources"), param_hint="--page")
    rows = [describe(registry, r) for r in shown.items]
    click.echo(shown.summary("resources"), err=True)
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


@main.group("registry")
def registry_group() -> None:
    """The registry database's tables (versioned with Alembic)."""


@registry_group.command("status")
def registry_status() -> None:
    """Each package's revision in the registry against the one this hub needs."""
    engine = registry_engine(get_settings().registry_url)
    for schema in schemas():
        revision, head, populated = state(engine, schema)
        verdict = ("current" if revision == head else "empty" if not populated and not revision
                   else "needs `hub registry upgrade`")
        click.echo(f"{schema.name:10} {revision or '-':>8} → {head:8} {verdict}")


@registry_group.command("upgrade")
def registry_upgrade() -> None:
    """Upgrade every package's tables to the revision this hub needs, each in one transaction
    (back the registry up first all the same)."""
    settings = get_settings()
    engine = registry_engine(settings.registry_url)
    for schema in schemas():
        before, head, _ = state(engine, schema)
        if before == head:
            click.echo(f"{schema.name:10} at {head}, nothing to do")
            continue
        upgrade(engine, schema)
        click.echo(f"{schema.name:10} {before or 'unversioned'} → {head}")


@registry_group.command("revision")
@click.argument("package")
@click.option("-m", "--message", required=True, help="What the revision changes.")
def registry_revision(package: str, message: str) -> None:
    """Write PACKAGE's next revision from its models (Alembic autogenerate, against the
    registry at the newest revision); read it, complete it, then commit it."""
    by_name = {schema.name: schema for schema in schemas()}
    if package not in by_name:
        raise click.BadParameter(f"one of {', '.join(by_name)}", param_hint="PACKAGE")
    engine = registry_engine(get_settings().registry_url)
    try:
        with engine.begin() as connection:
            script = command.revision(by_name[package].config(connection), message=message,
                                      autogenerate=True, rev_id=next_revision(by_name[package]))
    except CommandError as exc:  # e.g. the registry is not at the newest revision
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {getattr(script, 'path', script)}")


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
    """Run one life-cycle function; its refusal (an `EntryError`) is the guard's one line."""
    action(open_registry(), *args)


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


@catalog_group.command("declare")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_actor
def declare(file: Path, actor, department, roles) -> None:
    """Propose a declaration (JSON, docs/schema/resource.schema.json): a new resource of your
    department, or a schema revision of one of its resources (a draft; the officer)."""
    from catalog.entries import Actor, propose

    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise click.BadParameter(f"{file}: not JSON: {exc}", param_hint="FILE") from None
    code = data.get("code") if isinstance(data, dict) else None
    if not isinstance(code, str):
        raise click.BadParameter(f"{file}: the declaration names no code", param_hint="FILE")
    known = code in RESOURCES
    _change(propose, code, {"declaration": data}, Actor(actor, department, frozenset(roles)))
    click.echo(f"{code}: draft {'schema revision' if known else 'registration'} saved; submit "
               f"it with `hub catalog submit {code}`")


@catalog_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_actor
def import_sheet(file: Path, actor, department, roles) -> None:
    """Import your department's resources from a directory spreadsheet (XLSX or CSV laid out
    as the national cataloguing template, docs/directory-import.md): each new or changed
    resource becomes a submitted revision for the chief data officer; a refused row imports
    nothing."""
    from catalog.directory_import import import_template
    from catalog.entries import Actor

    done = import_template(open_registry(), file, Actor(actor, department, frozenset(roles)))
    if done.problems:
        for p in done.problems:
            where = f"第 {p.row} 行" if p.row else "文件"
            click.echo(f"{where} {p.column or '-'}: {p.message} ({p.key})", err=True)
        raise click.ClickException(f"{file.name}: {len(done.problems)} problem(s); nothing "
                                   "was imported")
    click.echo(f"{file.name}: {len(done.registered)} registered, {len(done.revised)} revised "
               f"(submitted for review), {len(done.unchanged)} unchanged")


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
    from catalog.listing import echo_lines

    registry = open_registry()

    def lines():
        for revision in queue(registry):
            yield (f"#{revision.id} {revision.resource_code} submitted "
                   f"{revision.submitted_at:%Y-%m-%d %H:%M} by {revision.proposed_by}")
            for change in diff(registry, revision):
                yield f"    {change.field}: {change.current!r} → {change.proposed!r}"

    echo_lines(lines(), "no revisions waiting for review")


@catalog_group.command("history")
@click.argument("code")
def entry_history(code: str) -> None:
    """Every transition of an entry and its revisions: when, who, from, to, why."""
    from catalog.entries import history

    events = history(open_registry(), code)
    from catalog.listing import echo_lines

    echo_lines((f"{e.at:%Y-%m-%d %H:%M:%S}  {e.actor} ({e.actor_department})  "
                f"{f'revision {e.revision_id}' if e.revision_id else 'entry'} "
                f"{e.action}: {e.from_status or '-'} → {e.to_status}"
                + (f"  — {e.reason}" if e.reason else "") for e in events),
               f"no history for {code}")


for plugin in entry_points(group="hub.cli"):
    plugin.load()(main)
