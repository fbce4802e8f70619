"""`hub` commands of the sharing API: clients, signing keys, orders sweep, audit, serve."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from catalog import CLIENT_ROLES, get_settings
from catalog.clierrors import PORT
from catalog.i18n import _, lazy, ngettext

__all__ = ["register"]


def _hub():
    from exchange.context import Hub

    return Hub.build(get_settings())


def _prompt_password() -> str:
    # Read from the terminal, hidden and twice; piped stdin works too (one line per prompt).
    return click.prompt(_("Password"), hide_input=True,
                        confirmation_prompt=_("Repeat for confirmation"))


def _clients(main: click.Group) -> None:
    @main.group("clients", help=lazy("OAuth2 clients and users of the sharing API (secrets are "
                                     "shown once)."))
    def group() -> None:
        """OAuth2 clients and users of the sharing API."""

    @group.command("create", help=lazy("Register a client or user."))
    @click.argument("client_id")
    @click.option("--name", required=True, help=lazy("Who this is, e.g. 民政局救助核查系统."))
    @click.option("--department", required=True, help=lazy("Department code, e.g. mz."))
    @click.option("--role", "roles", multiple=True, required=True,
                  type=click.Choice([r.value for r in CLIENT_ROLES]), help=lazy("A role (repeat "
                                                                               "for several)."))
    @click.option("--user", is_flag=True, help=lazy("A person rather than a system."))
    @click.option("--password", "with_password", is_flag=True,
                  help=lazy("Users: prompt for the password they sign in to the web app with, "
                            "instead of generating a secret."))
    @click.option("--district",
                  help=lazy("GB/T 2260 code of a district officer's one district."))
    @click.option("--jwks", type=click.Path(exists=True, path_type=Path),
                  help=lazy("Public JWKS file: authenticate with private_key_jwt (RFC 7523)."))
    def create(client_id, name, department, roles, user, with_password, district,
               jwks) -> None:
        """Register a client or user."""
        from exchange.clients import create_client

        if with_password and not user:
            raise click.UsageError(_("--password is for users (--user)"))
        password = _prompt_password() if with_password else None
        issued = create_client(
            _hub().store, client_id, name, department, list(roles),
            kind="user" if user else "client", district=district,
            auth_method="private_key_jwt" if jwks else "client_secret_basic",
            public_jwks=json.loads(jwks.read_text()) if jwks else None, password=password)
        click.echo(json.dumps({"client_id": issued.client_id, "client_secret": issued.secret}))

    @group.command("rotate", help=lazy("A new secret (or keys); tokens issued before now are "
                                       "refused."))
    @click.argument("client_id")
    @click.option("--jwks", type=click.Path(exists=True, path_type=Path),
                  help=lazy("New public JWKS (private_key_jwt clients)."))
    def rotate(client_id, jwks) -> None:
        """A new secret (or keys); tokens issued before now are refused."""
        from exchange.clients import rotate_secret

        issued = rotate_secret(_hub().store, client_id,
                               json.loads(jwks.read_text()) if jwks else None)
        click.echo(json.dumps({"client_id": issued.client_id, "client_secret": issued.secret}))

    @group.command("password", help=lazy("Set a user's web-app password; their sessions and "
                                         "tokens from before end."))
    @click.argument("client_id")
    def password(client_id) -> None:
        """Set a user's web-app password; their sessions and tokens from before end."""
        from exchange.clients import set_password

        set_password(_hub().store, client_id, _prompt_password())
        click.echo(_("password set for {client_id}", client_id=client_id))

    @group.command("revoke", help=lazy("Deactivate a client: no new tokens, live tokens "
                                       "refused."))
    @click.argument("client_id")
    def revoke(client_id) -> None:
        """Deactivate a client: no new tokens, live tokens refused."""
        from exchange.clients import revoke_client

        revoke_client(_hub().store, client_id)
        click.echo(_("revoked {client_id}", client_id=client_id))

    @group.command("list", help=lazy("Every client and user with department, roles and "
                                     "status."))
    def list_() -> None:
        """Every client and user with department, roles and status."""
        from catalog.listing import echo_table
        from exchange.clients import list_clients

        echo_table([_("client"), _("kind"), _("department"), _("status"), _("authentication"),
                    _("roles")],
                   ([c.client_id, c.kind, c.department, _("active") if c.active else _("revoked"),
                     c.auth_method, ",".join(c.roles)] for c in list_clients(_hub().store)),
                   _("no clients or users"))


def _keys(main: click.Group) -> None:
    @main.group("keys", help=lazy("The keys that sign access tokens and audit checkpoints."))
    def group() -> None:
        """The keys that sign access tokens and audit checkpoints."""

    @group.command("rotate", help=lazy("A new signing key; the old one validates tokens for "
                                       "one more token lifetime."))
    def rotate() -> None:
        """A new signing key; the old one validates tokens for one more token lifetime."""
        click.echo(_("new signing key {kid}", kid=_hub().keys.rotate()))


def _orders(main: click.Group) -> None:
    @main.group("orders", help=lazy("Orders of the sharing API."))
    def group() -> None:
        """Orders of the sharing API."""

    @group.command("sweep", help=lazy("Expire orders past validity (grants removed) and "
                                      "escalate overdue reviews."))
    def sweep() -> None:
        """Expire orders past validity (grants removed) and escalate overdue reviews."""
        from exchange.orders import sweep as run

        changed = run(_hub())
        click.echo(ngettext("{n} order changed", "{n} orders changed", changed))


def _audit(main: click.Group) -> None:
    @main.group("audit", help=lazy("The hash-chained audit log of the sharing API."))
    def group() -> None:
        """The hash-chained audit log of the sharing API."""

    @group.command("verify", help=lazy("Walk the chain; exit 1 on any edited, deleted, "
                                       "inserted or reordered entry."))
    @click.option("--checkpoint", "checkpoints", multiple=True,
                  type=click.Path(exists=True, path_type=Path),
                  help=lazy("Witnessed checkpoint files to hold the log against."))
    def verify(checkpoints) -> None:
        """Walk the chain; exit 1 on any edited, deleted, inserted or reordered entry."""
        marks = [json.loads(p.read_text()) for p in checkpoints]
        count, findings = _hub().audit.verify(marks)
        for f in findings:
            click.echo(_("entry {seq}: {problem}", seq=f.seq, problem=f.problem))
        click.echo(ngettext("{n} entry, intact", "{n} entries, intact", count) if not findings
                   else ngettext("{n} entry, TAMPERED", "{n} entries, TAMPERED", count))
        if findings:
            sys.exit(1)

    @group.command("checkpoint", help=lazy("Export the signed head of the chain for an outside "
                                           "witness."))
    @click.option("--out", type=click.Path(path_type=Path),
                  help=lazy("Write here (default stdout)."))
    def checkpoint(out) -> None:
        """Export the signed head of the chain for an outside witness."""
        hub = _hub()
        text = json.dumps(hub.audit.checkpoint(hub.keys), indent=2)
        if out:
            out.write_text(text + "\n")
        click.echo(text)


def register(main: click.Group) -> None:
    _clients(main)
    _keys(main)
    _orders(main)
    _audit(main)

    @main.command(help=lazy("Serve the sharing API (uvicorn) on this hub home."))
    @click.option("--host", default="127.0.0.1", show_default=True,
                  help=lazy("The address to listen on."))
    @click.option("--port", default=8000, show_default=True, type=PORT,
                  help=lazy("The port to listen on."))
    @click.option("--workers", default=1, show_default=True, type=click.IntRange(1),
                  help=lazy("Worker processes."))
    def serve(host: str, port: int, workers: int) -> None:
        """Serve the sharing API (uvicorn) on this hub home."""
        import uvicorn

        uvicorn.run("exchange.serve:app", factory=True, host=host, port=port, workers=workers,
                    proxy_headers=True, server_header=False, log_level="info")
