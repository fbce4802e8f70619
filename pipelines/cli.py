"""`hub` commands of the pipelines: generate a city, materialise, run the demo, start Dagster."""

from __future__ import annotations

import os
import signal
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import click

from catalog import HubSettings, delivered_resources, get_settings
from catalog.clierrors import PORT, require_landing

__all__ = ["register"]


def _materialize(settings: HubSettings, resource_codes: tuple[str, ...]) -> bool:
    """Run the `ingest_all` job (or the families of the given resources) in this process."""
    from catalog import resource
    from pipelines.assets import LAYERS, layer_key

    require_landing(settings)
    _warn_unknown_folders(settings)
    selection = None
    if resource_codes:
        selection = [layer_key(layer, resource(code)) for code in resource_codes
                     for layer in LAYERS]
    return _run_job(settings, "ingest_all", selection)


def _warn_unknown_folders(settings: HubSettings) -> None:
    from pipelines.ingest import unknown_folders

    for name in unknown_folders(settings.landing_dir, delivered_resources()):
        click.echo(f"warning: landing folder {name!r} is not a resource code: nothing in it is "
                   "read (`hub catalog list` lists the codes)", err=True)


def _generate(out: Path, persons: int, seed: int, slice_persons: int = 1_000_000,
              noise=None, as_of=None, profile: str | None = None) -> str:
    """Generate a city with progress per slice; what was written, in words. The city is the
    hub's (`<home>/city/`, the demo's for a home without one) unless `profile` names another."""
    from catalog.city import current_city, load_city, profile_path
    from catalog.progress import Progress
    from pipelines.citygen import generate_city

    city = (current_city() if profile is None else load_city(profile_path(profile))).profile
    with Progress("Generating") as progress:
        s = generate_city(out, persons=persons, seed=seed, noise=noise,
                          slice_persons=slice_persons, as_of=as_of, city=city,
                          on_slice=lambda done, slices: progress.update(
                              done, "slices of the city", slices))
    noise_text = ", ".join(f"{kind}={n:,}" for kind, n in s.noise.items()) or "none"
    return "\n".join([
        f"Generated a city of {s.persons:,} persons in {s.households:,} households of "
        f"{city.name} ({s.slices} slice{'s' if s.slices > 1 else ''}, {s.seconds:.1f} s).",
        f"  Deliveries: {s.files} files, {s.records:,} records in {out / 'landing'}",
        f"  Assistance cases: {s.cases:,} ({s.active_cases:,} active, {s.planted_cases:,} "
        "planted for the cross-check)",
        f"  Truth: {s.truth_flags:,} expected flags, {s.decoys:,} decoys in {out / 'truth'}",
        textwrap.fill(f"Noise planted: {noise_text}", width=100, initial_indent="  ",
                      subsequent_indent="    "),
    ])


def _generate_directory(out: Path, resources: int, departments: int, deliveries: int,
                        rows: int, seed: int, city: bool = False) -> str:
    """Generate and write a synthetic directory; what was written, in words."""
    from pipelines.citygen.city_folder import write_city_folder
    from pipelines.citygen.directory import generate_directory, write_directory
    from pipelines.citygen.directory_deliveries import write_deliveries

    declared = generate_directory(resources, departments, seed=seed)
    write_directory(declared, out / "directory")
    delivered = write_deliveries(declared, out / "landing", deliveries, seed=seed, rows=rows)
    lines = [f"Generated {len(declared):,} resource declarations across {departments} "
             f"departments in {out / 'directory'}"]
    if delivered:
        lines.append(f"  Deliveries: {len(delivered):,} batches of {rows} rows in "
                     f"{out / 'landing'}")
    if city:
        held = write_city_folder(declared, out / "city")
        lines.append(f"  City folder: {held:,} declarations (the demo's and these) in "
                     f"{out / 'city'}: hub init --profile {out / 'city'}")
    return "\n".join(lines)


_TITLES = {"ingest_all": "Materialising", "audits": "Audits", "crosscheck": "Cross-check"}


def _run_job(settings: HubSettings, name: str, selection: list | None = None) -> bool:
    """Run one job of the hub's Definitions in this process, on the hub's Dagster instance."""
    from pipelines.runs import run_job

    return run_job(settings, name, _TITLES.get(name, name), selection=selection)


def register(main: click.Group) -> None:
    from pipelines.crosscheck.cli import register_crosscheck, run_crosscheck_job

    register_crosscheck(main)

    @main.command()
    @click.option("--persons", default=20_000, show_default=True, help="Residents of the city.")
    @click.option("--seed", default=7, show_default=True, help="Same seed, same files.")
    @click.option("--out", type=click.Path(path_type=Path), required=True,
                  help="Writes OUT/landing/<resource>/<batch> and OUT/truth/.")
    @click.option("--clean", is_flag=True, help="No noise at all.")
    @click.option("--slice-persons", default=1_000_000, show_default=True, type=click.IntRange(1000),
                  help="Build the city in slices of at most this many residents (bounds memory).")
    @click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None,
                  help="Date the deliveries this day (YYYY-MM-DD); default: the city's own "
                  "calendar (newest batch 2026-11-01).")
    @click.option("--profile", default=None, metavar="NAME|FOLDER",
                  help="Another city's profile (huizhou, dongguan or a folder); default: the "
                  "hub's city (`hub init --profile`).")
    def generate(persons: int, seed: int, out: Path, clean: bool, slice_persons: int,
                 as_of, profile: str | None) -> None:
        """Generate a synthetic city's department deliveries (with noise and planted cases)
        for the hub's city: its districts, assistance standards and names."""
        from pipelines.citygen import NoiseRates

        click.echo(_generate(out, persons, seed, slice_persons,
                             noise=NoiseRates.none() if clean else None,
                             as_of=as_of.date() if as_of else None, profile=profile))

    @main.command("generate-directory")
    @click.option("--resources", type=click.IntRange(1), required=True,
                  help="Resource declarations to generate.")
    @click.option("--departments", type=click.IntRange(1), required=True,
                  help="Departments they come from (the city's bureaus, then its districts').")
    @click.option("--out", type=click.Path(path_type=Path), required=True,
                  help="Writes OUT/directory/<department>/<code>.json and OUT/landing/.")
    @click.option("--deliveries", default=0, show_default=True, type=click.IntRange(0),
                  help="Resources that get a small delivery in OUT/landing/<code>/.")
    @click.option("--rows", default=5, show_default=True, type=click.IntRange(1, 10_000),
                  help="Rows per delivery.")
    @click.option("--seed", default=7, show_default=True, help="Same seed, same directory.")
    @click.option("--city", is_flag=True,
                  help="Also write OUT/city/: the demo's profile with these departments and "
                  "declarations added, for `hub init --profile OUT/city`.")
    def generate_directory(resources: int, departments: int, out: Path, deliveries: int,
                           rows: int, seed: int, city: bool) -> None:
        """Generate a synthetic resource directory (declarations as JSON, small deliveries)."""
        from pipelines.citygen.directory import MAX_DEPARTMENTS

        if departments > MAX_DEPARTMENTS:
            raise click.BadParameter(f"at most {MAX_DEPARTMENTS}", param_hint="--departments")
        click.echo(_generate_directory(out, resources, departments, deliveries, rows, seed,
                                       city))

    @main.command()
    @click.option("--resource", "resources", multiple=True, help="Only these resources.")
    def materialize(resources: tuple[str, ...]) -> None:
        """Ingest every new batch in the landing directory and publish (the ingest_all job)."""
        from catalog.cli import open_registry
        from pipelines.summary import summary_lines

        settings = get_settings()
        ok = _materialize(settings, resources)
        click.echo("\n".join(summary_lines(settings, open_registry())))
        if not ok:
            click.echo("some assets failed: see the Dagster run log", err=True)
            sys.exit(1)

    @main.command()
    def summary() -> None:
        """What landed, what was quarantined and why."""
        from catalog.cli import open_registry
        from pipelines.summary import summary_lines

        click.echo("\n".join(summary_lines(get_settings(), open_registry())))

    @main.command()
    @click.option("--persons", default=20_000, show_default=True)
    @click.option("--seed", default=7, show_default=True)
    def demo(persons: int, seed: int) -> None:
        """Generate a small city into the hub's home, materialise every asset, print a summary."""
        from catalog.cli import open_registry
        from catalog.timefmt import BEIJING
        from pipelines.summary import summary_lines

        settings = get_settings()
        settings.landing_dir.mkdir(parents=True, exist_ok=True)  # where `make dev` watches
        city = settings.home / "demo-city"
        today = datetime.now(BEIJING).date()  # a fresh demo is fresh: delivered today
        click.echo(f"Generating a city of {persons} persons (seed {seed}, delivered {today}) "
                   f"in {city} …")
        click.echo(_generate(city, persons, seed, as_of=today))
        # The demo city's deliveries are this run's landing: passed on, not put in the environment.
        settings = settings.model_copy(update={"landing": (city / "landing").resolve()})
        click.echo("Materialising every asset (Dagster job ingest_all) …")
        ok = _materialize(settings, ())
        click.echo("Cross-checking assistance cases (Dagster job crosscheck) …")
        ok = run_crosscheck_job(settings) and ok
        from pipelines.demo_revision import submit_demo_revision

        click.echo(f"Catalog review queue: {submit_demo_revision(open_registry())}")
        click.echo("Running the scheduled audits once (Dagster job audits) …")
        ok = _run_job(settings, "audits") and ok
        click.echo("")
        click.echo("\n".join(summary_lines(settings, open_registry())))
        click.echo("")
        click.echo(f"Analysts' database: {settings.analyst_db}  (read-only, with "
                   f"home_directory = '{settings.home}': README, the lake)")
        click.echo("Dagster UI: make dev   |   catalog: .venv/bin/hub catalog list")
        click.echo("Catalog web app: .venv/bin/hub clients create NAME --department hub --role cdo "
                   "--user --password, then .venv/bin/hub serve (README: Catalog web app)")
        if not ok:
            sys.exit(1)

    @main.command()
    @click.option("--port", default=3000, show_default=True, type=PORT)
    @click.option("--host", default="127.0.0.1", show_default=True)
    def dev(port: int, host: str) -> None:
        """Start the Dagster UI and daemon on this hub's instance (`dagster dev`)."""
        from pipelines.instance import dagster_home

        settings = get_settings()
        dagster_home(settings)
        if not settings.landing_dir.is_dir():
            click.echo(f"warning: no landing directory at {settings.landing_dir}: the landing "
                       "sensor has nothing to watch until it exists", err=True)
        _warn_unknown_folders(settings)
        # A shell's background job starts with SIGINT/SIGTERM ignored, and dagster dev would
        # inherit that and outlive Ctrl-C or `kill`: restore the defaults before exec.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        # This interpreter's dagster: `dagster` is on PATH only inside an activated venv.
        os.execv(sys.executable, [sys.executable, "-m", "dagster", "dev", "-m",
                                  "pipelines.definitions", "-h", host, "-p", str(port)])
