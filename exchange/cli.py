"""`hub` commands of the sharing API: clients, signing keys, orders sweep, audit, serve."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from catalog import get_settings
from catalog.clierrors import PORT

__all__ = ["register"]


def _hub():
    from exchange.context import Hub

    return Hub.build(get_settings())


def _prompt_password() -> str:
    # Read from the terminal, hidden and twice; piped stdin works too (one line per prompt).
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _clients(main: click.Group) -> None:
    @main.group("clients")
    def group() -> None:
        """OAuth2 clients and users of the sharing API (secrets are shown once)."""

    @group.command("create")
    @click.argument("client_id")
    @click.option("--name", required=True, help="Who this is, e.g. 民政局救助核查系统.")
    @click.option("--department", required=True, help="Department code, e.g. mz.")
    @click.option("--role", "roles", multiple=True, required=True,
                  type=click.Choice(["requester", "reviewer", "cdo", "analyst", "auditor",
                                     "admin"]))
    @click.option("--user", is_flag=True, help="A person rather than a system.")
    @click.option("--password", "with_password", is_flag=True,
                  help="Users: prompt for the password they sign in to the web app with, "
                       "instead of generating a secret.")
    @click.option("--district", help="GB/T 2260 code of a district officer's one district.")
    @click.option("--jwks", type=click.Path(exists=True, path_type=Path),
                  help="Public JWKS file: authenticate with private_key_jwt (RFC 7523).")
    def create(client_id, name, department, roles, user, with_password, district,
               jwks) -> None:
        """Register a client or user."""
        from exchange.clients import ClientError, create_client

        if with_password and not user:
            raise click.UsageError("--password is for users (--user)")
        password = _prompt_password() if with_password else None
        try:
            issued = create_client(
                _hub().store, client_id, name, department, list(roles),
                kind="user" if user else "client", district=district,
                auth_method="private_key_jwt" if jwks else "client_secret_basic",
                public_jwks=json.loads(jwks.read_text()) if jwks else None, password=password)
        except ClientError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(json.dumps({"client_id": issued.client_id, "client_secret": issued.secret}))

    @group.command("rotate")
    @click.argument("client_id")
    @click.option("--jwks", type=click.Path(exists=True, path_type=Path),
                  help="New public JWKS (private_key_jwt clients).")
    def rotate(client_id, jwks) -> None:
        """A new secret (or keys); tokens issued before now are refused."""
        from exchange.clients import ClientError, rotate_secret

        try:
            issued = rotate_secret(_hub().store, client_id,
                                   json.loads(jwks.read_text()) if jwks else None)
        except ClientError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(json.dumps({"client_id": issued.client_id, "client_secret": issued.secret}))

    @group.command("password")
    @click.argument("client_id")
    def password(client_id) -> None:
        """Set a user's web-app password; their sessions and tokens from before end."""
        from exchange.clients import ClientError, set_password

        try:
            set_password(_hub().store, client_id, _prompt_password())
        except ClientError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"password set for {client_id}")

    @group.command("revoke")
    @click.argument("client_id")
    def revoke(client_id) -> None:
        """Deactivate a client: no new tokens, live tokens refused."""
        from exchange.clients import ClientError, revoke_client

        try:
            revoke_client(_hub().store, client_id)
        except ClientError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"revoked {client_id}")

    @group.command("list")
    def list_() -> None:
        """Every client and user with department, roles and status."""
        from catalog.listing import echo_lines
        from exchange.clients import list_clients

        echo_lines((f"{c.client_id:28} {c.kind:6} {c.department:5} "
                    f"{'active' if c.active else 'revoked':8} {c.auth_method:20} "
                    f"{','.join(c.roles)}" for c in list_clients(_hub().store)),
                   "no clients or users")


def _keys(main: click.Group) -> None:
    @main.group("keys")
    def group() -> None:
        """The keys that sign access tokens and audit checkpoints."""

    @group.command("rotate")
    def rotate() -> None:
        """A new signing key; the old one validates tokens for one more token lifetime."""
        click.echo(f"new signing key {_hub().keys.rotate()}")


def _orders(main: click.Group) -> None:
    @main.group("orders")
    def group() -> None:
        """Orders of the sharing API."""

    @group.command("sweep")
    def sweep() -> None:
        """Expire orders past validity (grants removed) and escalate overdue reviews."""
        from exchange.orders import sweep as run

        click.echo(f"{run(_hub())} orders changed")


def _audit(main: click.Group) -> None:
    @main.group("audit")
    def group() -> None:
        """The hash-chained audit log of the sharing API."""

    @group.command("verify")
    @click.option("--checkpoint", "checkpoints", multiple=True,
                  type=click.Path(exists=True, path_type=Path),
                  help="Witnessed checkpoint files to hold the log against.")
    def verify(checkpoints) -> None:
        """Walk the chain; exit 1 on any edited, deleted, inserted or reordered entry."""
        marks = [json.loads(p.read_text()) for p in checkpoints]
        count, findings = _hub().audit.verify(marks)
        for f in findings:
            click.echo(f"entry {f.seq}: {f.problem}")
        click.echo(f"{count} entries, {'intact' if not findings else 'TAMPERED'}")
        if findings:
            sys.exit(1)

    @group.command("checkpoint")
    @click.option("--out", type=click.Path(path_type=Path), help="Write here (default stdout).")
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

    @main.command()
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=8000, show_default=True, type=PORT)
    @click.option("--workers", default=1, show_default=True, type=click.IntRange(1))
    def serve(host: str, port: int, workers: int) -> None:
        """Serve the sharing API (uvicorn) on this hub home."""
        import uvicorn

        uvicorn.run("exchange.serve:app", factory=True, host=host, port=port, workers=workers,
                    proxy_headers=True, server_header=False, log_level="info")
