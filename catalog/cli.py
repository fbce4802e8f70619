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


for plugin in entry_points(group="hub.cli"):
    plugin.load()(main)
