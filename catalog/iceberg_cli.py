"""`hub iceberg`: the lake as Iceberg tables (`catalog.iceberg`) — bring them up to the hub's
publications, and say how other engines reach them."""

from __future__ import annotations

import json

import click

from catalog.i18n import _, lazy
from catalog.settings import get_settings

__all__ = ["register"]


def register(main: click.Group) -> None:
    @main.group("iceberg", help=lazy(
        "The lake as Iceberg tables, for Spark, Trino or any Iceberg reader."))
    def group() -> None:
        pass

    @group.command("sync", help=lazy(
        "Bring every table's Iceberg history up to the hub's publications (or only CODES'): "
        "a snapshot and a tag per published batch it lacks. Safe to run again; exit 1 if a "
        "table could not be brought up to date."))
    @click.argument("codes", nargs=-1)
    @click.option("--json", "as_json", is_flag=True, help=lazy("One JSON object per table."))
    def sync(codes: tuple[str, ...], as_json: bool) -> None:
        from catalog.cli import open_registry
        from catalog.iceberg import identifier, sync_all
        from catalog.resources import RESOURCES, resource

        chosen = [resource(c) for c in codes] if codes else list(RESOURCES.values())
        results = sync_all(get_settings(), open_registry(), chosen)
        for r, res in zip(results, chosen, strict=True):
            name = ".".join(identifier(res))
            if as_json:
                click.echo(json.dumps({"table": name, "version": r.version,
                                       "snapshots_added": r.snapshots, "rebuilt": r.rebuilt,
                                       "error": r.error}, ensure_ascii=False))
            elif r.error:
                click.echo(_("{table}: not brought up to date ({error})", table=name,
                             error=r.error), err=True)
            elif r.version and r.rebuilt:
                click.echo(_("{table}: version {version}, history rebuilt, {count} snapshots",
                             table=name, version=r.version, count=r.snapshots))
            elif r.version:
                click.echo(_("{table}: version {version}, {count} snapshots added",
                             table=name, version=r.version, count=r.snapshots))
        if any(r.error for r in results):
            raise click.exceptions.Exit(1)

    @group.command("properties", help=lazy(
        "The catalog's properties (key=value) for pyiceberg, Spark or Trino; the registry "
        "password, if any, is not shown."))
    def properties() -> None:
        from catalog.iceberg import CATALOG_NAME, catalog_properties
        from catalog.registry import registry_url

        settings = get_settings()
        shown = catalog_properties(settings)
        shown["uri"] = registry_url(shown["uri"]).render_as_string(hide_password=True)
        click.echo(f"name={CATALOG_NAME}")
        click.echo("type=sql")
        for key, value in shown.items():
            click.echo(f"{key}={value}")
