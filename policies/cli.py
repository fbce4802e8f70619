"""`hub sql` (the gateway from a terminal) and `hub grants` (provision, list, revoke, expire,
materialise)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from catalog import get_settings
from catalog.i18n import _, lazy, ngettext

__all__ = ["register"]

_SHOWN_ROWS = 200


def _store():
    from catalog.cli import open_registry
    from policies.store import GrantStore

    return GrantStore(open_registry(), settings=get_settings())


def _fail(error) -> None:
    click.echo(json.dumps(error.to_dict(), ensure_ascii=False), err=True)
    sys.exit(2)


def _print_table(table) -> None:  # a pyarrow.Table
    from catalog.listing import echo_table

    rows = table.slice(0, _SHOWN_ROWS).to_pylist()
    names = table.column_names
    if not echo_table(names, ([r[n] for n in names] for r in rows), _("(0 rows)")):
        return
    more = table.num_rows - len(rows)
    click.echo(ngettext("({n} row)", "({n} rows)", table.num_rows) if not more else
               ngettext("({n} row, {more} not shown; use --format csv)",
                        "({n} rows, {more} not shown; use --format csv)", table.num_rows,
                        more=more))


def _principal_options(*, subject: str, department: str, grant: str):
    """The options naming a gateway principal and its grants (each command words its help)."""
    options = [
        click.option("--subject", required=True, help=subject),
        click.option("--department", required=True, help=department),
        click.option("--role", "roles", multiple=True, default=("analyst",), show_default=True),
        click.option("--district", default=None,
                     help=lazy("A district officer's GB/T 2260 code.")),
        click.option("--grant", "grant_ids", multiple=True, help=grant),
    ]

    def apply(command):
        for option in reversed(options):
            command = option(command)
        return command

    return apply


def register(main: click.Group) -> None:
    @main.command("sql", help=lazy("Run QUERY through the governed SQL gateway, as the given "
                                   "principal (audited)."))
    @click.argument("query")
    @_principal_options(subject=lazy("Who is asking (client or user id)."),
                        department=lazy("The caller's department code."),
                        grant=lazy("Use this grant (if several fit)."))
    @click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "arrow"]),
                  default="table", show_default=True)
    @click.option("--out", type=click.Path(path_type=Path),
                  help=lazy("Write here, not to stdout."))
    def sql_command(query, subject, department, roles, district, grant_ids, fmt, out) -> None:
        from policies.errors import PolicyError
        from policies.gateway import run_query
        from policies.principal import Principal

        try:
            principal = Principal(subject, department, frozenset(roles), district)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
        try:
            result = run_query(get_settings(), _store(), principal, query, surface="cli",
                               grant_ids=list(grant_ids) or None)
        except PolicyError as error:
            _fail(error)
        import pyarrow as pa
        import pyarrow.csv as pacsv

        table = result.table
        if fmt == "arrow":
            if out is None:
                raise click.BadParameter(_("--format arrow needs --out"), param_hint="--out")
            with pa.OSFile(str(out), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as w:
                w.write_table(table)
        elif fmt == "csv":
            from catalog.spreadsheet import neutralise  # pyarrow: not at the CLI's start

            pacsv.write_csv(neutralise(table), str(out) if out else sys.stdout.buffer)
        elif fmt == "json":
            text = json.dumps(table.to_pylist(), ensure_ascii=False, default=str)
            out.write_text(text) if out else click.echo(text)
        else:
            _print_table(table)
        click.echo(_("policy {version}; grants {grants}",
                     version=result.governed.policy_version,
                     grants=", ".join(result.governed.grant_ids)), err=True)

    @main.group("grants", help=lazy("Access grants (the sharing API makes them for approved "
                                    "orders; admins for analysts)."))
    def grants_group() -> None:
        """Access grants: provision, list, revoke, expire, materialise."""

    @grants_group.command("provision", help=lazy("Provision a grant and print it as JSON."))
    @click.option("--resource", "resource_code", required=True)
    @click.option("--department", required=True, help=lazy("Grantee department code."))
    @click.option("--items", required=True, help=lazy("Comma-separated data item names."))
    @click.option("--purpose", required=True)
    @click.option("--legal-basis", required=True)
    @click.option("--mode", type=click.Choice(["extract", "query", "verify", "aggregate"]),
                  default="query", show_default=True)
    @click.option("--days", type=click.IntRange(1, 3660), default=90, show_default=True,
                  help=lazy("Validity from now."))
    @click.option("--row-filter", "filters", multiple=True,
                  help=lazy("ITEM=VALUE (repeatable)."))
    @click.option("--quota", type=click.IntRange(1), default=None, help=lazy("Most calls."))
    @click.option("--subject", default=None, help=lazy("Only this user or client."))
    @click.option("--by", "created_by", default="admin", show_default=True)
    def provision(resource_code, department, items, purpose, legal_basis, mode, days, filters,
                  quota, subject, created_by) -> None:
        from policies.errors import PolicyError

        row_filter: dict[str, list[str]] = {}
        for f in filters:
            name, sep, value = f.partition("=")
            if not sep:
                raise click.BadParameter(_("use ITEM=VALUE"), param_hint="--row-filter")
            row_filter.setdefault(name.strip(), []).append(value.strip())
        try:
            grant = _store().provision_grant(
                resource_code=resource_code, department=department,
                items=[i.strip() for i in items.split(",") if i.strip()], purpose=purpose,
                legal_basis=legal_basis, mode=mode,
                valid_until=datetime.now(UTC) + timedelta(days=days), row_filter=row_filter,
                call_quota=quota, subject=subject, created_by=created_by)
        except PolicyError as error:
            _fail(error)
        click.echo(grant.model_dump_json(indent=2))

    @grants_group.command("list", help=lazy("Every grant (JSON lines), with its effective "
                                            "status."))
    @click.option("--department", default=None)
    def list_grants(department) -> None:
        from catalog.listing import echo_lines

        def line(grant) -> str:
            data = grant.model_dump(mode="json")
            data["status"] = grant.effective_status().value
            return json.dumps(data, ensure_ascii=False)

        echo_lines(map(line, _store().list_grants(department)),
                   _("no grants of department {department}", department=department)
                   if department else _("no grants"))

    @grants_group.command("revoke", help=lazy("Revoke a grant now."))
    @click.argument("grant_id")
    @click.option("--reason", required=True)
    def revoke(grant_id, reason) -> None:
        from policies.errors import PolicyError

        try:
            grant = _store().revoke_grant(grant_id, reason)
        except PolicyError as error:
            _fail(error)
        click.echo(_("revoked {grant} at {at}", grant=grant.id, at=grant.revoked_at))

    @grants_group.command("expire", help=lazy("Mark grants past their validity as expired and "
                                              "delete unusable grants' snapshots."))
    def expire() -> None:
        from policies.snapshots import prune_snapshots

        store = _store()
        expired = store.expire_due()
        click.echo(ngettext("{n} grant expired", "{n} grants expired", expired))
        dropped = prune_snapshots(get_settings(), [g.id for g in store.list_grants()
                                                   if g.is_usable()])
        click.echo(ngettext("snapshots of {n} unusable grant deleted",
                            "snapshots of {n} unusable grants deleted", len(dropped)))

    @grants_group.command("materialise", help=lazy(
        "Build now the snapshots (masked, filtered tables) the principal's SQL grants read; run "
        "after a publication so that the first query does not fall back to inline masks."))
    @_principal_options(subject=lazy("Whose queries will read the snapshots."),
                        department=lazy("The principal's department code."),
                        grant=lazy("Only this grant (repeatable)."))
    def materialise_command(subject, department, roles, district, grant_ids) -> None:
        from catalog.progress import Progress
        from policies.binding import GATEWAY_MODES
        from policies.builds import materialise
        from policies.errors import PolicyError
        from policies.principal import Principal

        try:
            principal = Principal(subject, department, frozenset(roles), district)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
        chosen = [g for g in _store().active_grants(principal) if g.mode in GATEWAY_MODES
                  and (not grant_ids or g.id in grant_ids)]
        with Progress(_("Snapshots"), total=len(chosen)) as progress:
            for done, grant in enumerate(chosen, start=1):
                line = {"grant": grant.id, "resource": grant.resource_code}
                try:
                    built = materialise(get_settings(), principal, grant)
                except PolicyError as error:
                    line["error"] = error.to_dict()["error"]
                else:
                    line.update({"snapshot": None} if built is None else {
                        "snapshot": built.path.name, "rows": built.rows,
                        "seconds": round(built.seconds, 2)})
                click.echo(json.dumps(line, ensure_ascii=False))
                progress.update(done, f"{grant.id} ({grant.resource_code})")
