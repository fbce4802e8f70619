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

from catalog import clitext
from catalog import registry as _registry
from catalog.city import install_city
from catalog.clierrors import require_home, unexpected
from catalog.directory import describe
from catalog.errors import HubError
from catalog.i18n import _, lazy, ngettext
from catalog.listing import PAGE_SIZE, echo_table, page_of
from catalog.registry import Registry, registry_engine
from catalog.relocation import ensure_analyst_db_home
from catalog.resources import RESOURCES, resource
from catalog.schema import SchemaMismatch, next_revision, schemas, state, upgrade
from catalog.settings import get_settings

__all__ = ["main", "open_registry"]

clitext.install()  # click's words and lazy help in the hub's language, before any option is made


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


class _Hub(clitext.HubGroup):
    """The CLI's one error guard: a hub refusal, a bad setting or an unusable registry is one
    line on stderr and exit 1, never a traceback."""

    group_class = clitext.HubGroup  # the guard is the root's alone

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


def _set_language(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """`--language`: the language of this process, as HUB_LANGUAGE sets it; eager, so the help
    and the errors of the rest of the command line are in it too."""
    if value is not None:
        os.environ["HUB_LANGUAGE"] = value


@click.group(cls=_Hub, help=lazy("The city's data-sharing hub (一网共享): the governed lake, its "
                                 "catalog, quality and sharing."))
@click.option("--home", type=click.Path(path_type=Path), help=lazy("The hub's home (HUB_HOME)."))
@click.option("--landing", type=click.Path(path_type=Path),
              help=lazy("Where departments deliver (HUB_LANDING)."))
@click.option("--language", type=click.Choice(["zh", "en"], case_sensitive=False),
              is_eager=True, expose_value=False, callback=_set_language,
              help=lazy("The language the hub speaks: zh (Simplified Chinese, the default) or "
                        "en (HUB_LANGUAGE)."))
@click.pass_context
def main(ctx: click.Context, home: Path | None, landing: Path | None) -> None:
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


@main.command("init", help=lazy(
    "Create a hub home (HUB_HOME or --home) for a city: its profile and directory, registry and "
    "landing directory."))
@click.option("--profile", default=None, metavar="NAME|FOLDER",
              help=lazy("The city: a shipped profile (huizhou, dongguan) or a folder holding "
                        "city.toml and resources/ (docs/city-profile.md). Default: the demo's, "
                        "惠州."))
def init(profile: str | None) -> None:
    settings = get_settings()
    existed = settings.home.is_dir()
    city = install_city(settings, profile)
    settings.landing_dir.mkdir(parents=True, exist_ok=True)
    open_registry()
    values = {"home": settings.home, "city": city.profile.name,
              "resources": len(city.resources), "departments": len(city.departments),
              "landing": settings.landing_dir}
    click.echo(_("hub home already at {home} for {city} ({resources} resources, {departments} "
                 "departments); departments deliver to {landing}", **values) if existed else
               _("created a hub home at {home} for {city} ({resources} resources, {departments} "
                 "departments); departments deliver to {landing}", **values))


@main.group("catalog", help=lazy("The resource directory (资源目录)."))
def catalog_group() -> None:
    pass


# What `catalog list` says of a resource's freshness (`catalog.directory.freshness` values).
_FRESHNESS = {"fresh": lazy("fresh"), "overdue": lazy("overdue"),
              "never delivered": lazy("never delivered")}


@catalog_group.command("list", help=lazy(
    "The catalogued resources with their provider, sharing attribute, version and rows, a page "
    "at a time (the page and the total on stderr, so stdout stays the data)."))
@click.option("--json", "as_json", is_flag=True, help=lazy("Machine-readable output."))
@click.option("--page", default=1, show_default=True, type=click.IntRange(1),
              help=lazy("Which page of the directory."))
@click.option("--limit", default=PAGE_SIZE, show_default=True, type=click.IntRange(1),
              help=lazy("Resources per page."))
@click.option("--all", "every", is_flag=True, help=lazy("Every resource, on one page."))
def list_entries(as_json: bool, page: int, limit: int, every: bool) -> None:
    registry = open_registry()
    total = len(RESOURCES)
    shown = page_of(list(RESOURCES.values()), 1 if every else page,
                    max(total, 1) if every else limit)
    if total and not shown.items:
        raise click.BadParameter(shown.summary(_("resources")), param_hint="--page")
    rows = [describe(registry, r) for r in shown.items]
    click.echo(shown.summary(_("resources")), err=True)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    echo_table(
        [_("code"), _("name"), _("provider"), _("sharing"), _("version"), _("rows"),
         _("freshness")],
        ([row["code"], row["name"], row["provider"]["short_name"], row["sharing"],
          row["hub"]["current_version"] or "-", row["hub"]["rows"],
          _FRESHNESS.get(row["hub"]["freshness"], row["hub"]["freshness"])] for row in rows),
        _("no resources"), right=frozenset({4, 5}))


@catalog_group.command("show", help=lazy(
    "One entry in full (JSON): metadata, data items, versions, batches, lineage."))
@click.argument("code")
def show_entry(code: str) -> None:
    try:
        declared = resource(code)
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="CODE") from None
    click.echo(json.dumps(describe(open_registry(), declared), ensure_ascii=False, indent=2))


@main.group("registry", help=lazy("The registry database's tables (versioned with Alembic)."))
def registry_group() -> None:
    pass


@registry_group.command("status", help=lazy(
    "Each package's revision in the registry against the one this hub needs."))
def registry_status() -> None:
    engine = registry_engine(get_settings().registry_url)
    rows = []
    for schema in schemas():
        revision, head, populated = state(engine, schema)
        verdict = (_("current") if revision == head
                   else _("empty") if not populated and not revision
                   else _("needs `hub registry upgrade`"))
        rows.append((schema.name, revision or "-", head, verdict))
    echo_table([_("package"), _("revision"), _("needed"), _("state")], rows,
               _("no packages"))


@registry_group.command("upgrade", help=lazy(
    "Upgrade every package's tables to the revision this hub needs, each in one transaction "
    "(back the registry up first all the same)."))
def registry_upgrade() -> None:
    settings = get_settings()
    engine = registry_engine(settings.registry_url)
    rows = []
    for schema in schemas():
        before, head, _populated = state(engine, schema)
        if before == head:
            rows.append((schema.name, head, head, _("nothing to do")))
            continue
        upgrade(engine, schema)
        rows.append((schema.name, before or _("unversioned"), head, _("upgraded")))
    echo_table([_("package"), _("from"), _("to"), _("result")], rows, _("no packages"))


@registry_group.command("revision", help=lazy(
    "Write PACKAGE's next revision from its models (Alembic autogenerate, against the registry "
    "at the newest revision); read it, complete it, then commit it."))
@click.argument("package")
@click.option("-m", "--message", required=True, help=lazy("What the revision changes."))
def registry_revision(package: str, message: str) -> None:
    by_name = {schema.name: schema for schema in schemas()}
    if package not in by_name:
        raise click.BadParameter(_("one of {packages}", packages=", ".join(by_name)),
                                 param_hint="PACKAGE")
    engine = registry_engine(get_settings().registry_url)
    try:
        with engine.begin() as connection:
            script = command.revision(by_name[package].config(connection), message=message,
                                      autogenerate=True, rev_id=next_revision(by_name[package]))
    except CommandError as exc:  # e.g. the registry is not at the newest revision
        raise click.ClickException(str(exc)) from None
    click.echo(_("wrote {path}", path=getattr(script, "path", script)))


def _actor(function):
    """The options naming who acts (recorded in the entry's history and checked)."""
    for option in reversed((
        click.option("--actor", required=True, help=lazy("Who acts, e.g. rs-data-officer.")),
        click.option("--department", required=True,
                     help=lazy("Their department code, e.g. rs.")),
        click.option("--role", "roles", multiple=True, required=True,
                     help=lazy("Their hub role(s): reviewer (a provider's data officer) or "
                               "cdo.")),
    )):
        function = option(function)
    return function


def _change(action, *args) -> None:
    """Run one life-cycle function; its refusal (an `EntryError`) is the guard's one line."""
    action(open_registry(), *args)


@catalog_group.command("propose", help=lazy(
    "Propose new descriptive text for an entry (a draft revision; the provider's officer)."))
@click.argument("code")
@click.option("--abstract", help=lazy("The new abstract."))
@click.option("--item", "items", multiple=True, metavar="NAME=DESCRIPTION",
              help=lazy("A data item's new description (repeatable)."))
@_actor
def propose_revision(code, abstract, items, actor, department, roles) -> None:
    from catalog.entries import Actor, propose

    changes: dict = {"abstract": abstract} if abstract else {}
    for pair in items:
        name, sep, text = pair.partition("=")
        if not sep:
            raise click.BadParameter(_("use NAME=DESCRIPTION"), param_hint="--item")
        changes.setdefault("items", {})[name.strip()] = text
    _change(propose, code, changes, Actor(actor, department, frozenset(roles)))
    click.echo(_("{code}: draft revision saved; submit it with `hub catalog submit {code}`",
                 code=code))


@catalog_group.command("declare", help=lazy(
    "Propose a declaration (JSON, docs/schema/resource.schema.json): a new resource of your "
    "department, or a schema revision of one of its resources (a draft; the officer)."))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_actor
def declare(file: Path, actor, department, roles) -> None:
    from catalog.entries import Actor, propose

    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise click.BadParameter(_("{file}: not JSON: {error}", file=file, error=exc),
                                 param_hint="FILE") from None
    code = data.get("code") if isinstance(data, dict) else None
    if not isinstance(code, str):
        raise click.BadParameter(_("{file}: the declaration names no code", file=file),
                                 param_hint="FILE")
    known = code in RESOURCES
    _change(propose, code, {"declaration": data}, Actor(actor, department, frozenset(roles)))
    click.echo(_("{code}: draft schema revision saved; submit it with `hub catalog submit "
                 "{code}`", code=code) if known else
               _("{code}: draft registration saved; submit it with `hub catalog submit {code}`",
                 code=code))


@catalog_group.command("import", help=lazy(
    "Import your department's resources from a directory spreadsheet (XLSX or CSV laid out as "
    "the national cataloguing template, docs/directory-import.md): each new or changed resource "
    "becomes a submitted revision for the chief data officer; a refused row imports nothing."))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_actor
def import_sheet(file: Path, actor, department, roles) -> None:
    from catalog.directory_import import import_template
    from catalog.entries import Actor

    done = import_template(open_registry(), file, Actor(actor, department, frozenset(roles)))
    if done.problems:
        for p in done.problems:
            where = _("row {row}", row=p.row) if p.row else _("the whole file")
            click.echo(_("{where} {column}: {problem} ({key})", where=where,
                         column=p.column or "-", problem=p.message, key=p.key), err=True)
        raise click.ClickException(ngettext(
            "{file}: {n} problem; nothing was imported",
            "{file}: {n} problems; nothing was imported", len(done.problems), file=file.name))
    click.echo(_("{file}: {registered} registered, {revised} revised (submitted for review), "
                 "{unchanged} unchanged", file=file.name, registered=len(done.registered),
                 revised=len(done.revised), unchanged=len(done.unchanged)))


def _decision(name: str, function_name: str, doc: object, done: object,
              reason_required: bool = True) -> None:
    @catalog_group.command(name, help=doc)
    @click.argument("code")
    @click.option("--reason", required=reason_required, default="",
                  help=lazy("Why (recorded in the entry's history)."))
    @_actor
    def command(code, reason, actor, department, roles) -> None:
        from catalog import entries

        _change(getattr(entries, function_name), code,
                entries.Actor(actor, department, frozenset(roles)), reason)
        click.echo(str(done).format(code=code))


_decision("submit", "submit",
          lazy("Submit the entry's draft revision for publication (provider)."),
          lazy("{code}: submit recorded"), reason_required=False)
_decision("publish", "publish",
          lazy("Publish the entry's submitted revision (chief data officer)."),
          lazy("{code}: publish recorded"))
_decision("return", "return_to_draft",
          lazy("Return the entry's submitted revision to its department as a draft (CDO)."),
          lazy("{code}: return recorded"))
_decision("retire", "retire", lazy("Retire a published entry: no new orders, not open (CDO)."),
          lazy("{code}: retire recorded"))
_decision("republish", "republish", lazy("Put a retired entry back in the catalog (CDO)."),
          lazy("{code}: republish recorded"))


@catalog_group.command("queue", help=lazy(
    "Revisions submitted for publication, the longest waiting first."))
def review_queue() -> None:
    from catalog.entries import diff, queue
    from catalog.listing import echo_lines

    registry = open_registry()

    def lines():
        for revision in queue(registry):
            yield _("#{id} {code} submitted {when} by {who}", id=revision.id,
                    code=revision.resource_code, when=f"{revision.submitted_at:%Y-%m-%d %H:%M}",
                    who=revision.proposed_by)
            for change in diff(registry, revision):
                yield f"    {change.field}: {change.current!r} → {change.proposed!r}"

    echo_lines(lines(), _("no revisions waiting for review"))


@catalog_group.command("history", help=lazy(
    "Every transition of an entry and its revisions: when, who, from, to, why."))
@click.argument("code")
def entry_history(code: str) -> None:
    from catalog.entries import history

    events = history(open_registry(), code)
    from catalog.listing import echo_lines

    def line(e) -> str:
        what = _("revision {id}", id=e.revision_id) if e.revision_id else _("entry")
        said = (f"{e.at:%Y-%m-%d %H:%M:%S}  {e.actor} ({e.actor_department})  {what} "
                f"{e.action}: {e.from_status or '-'} → {e.to_status}")
        return said + (f"  — {e.reason}" if e.reason else "")

    echo_lines(map(line, events), _("no history for {code}", code=code))


for plugin in entry_points(group="hub.cli"):
    plugin.load()(main)
