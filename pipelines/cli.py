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
from catalog.i18n import _, lazy, ngettext

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
        click.echo(_("warning: landing folder {name} is not a resource code: nothing in it is "
                     "read (`hub catalog list` lists the codes)", name=repr(name)), err=True)


def _generate(out: Path, persons: int, seed: int, slice_persons: int = 1_000_000,
              noise=None, as_of=None, profile: str | None = None) -> str:
    """Generate a city with progress per slice; what was written, in words. The city is the
    hub's (`<home>/city/`, the demo's for a home without one) unless `profile` names another."""
    from catalog.city import current_city, load_city, profile_path
    from catalog.progress import Progress
    from pipelines.citygen import generate_city

    city = (current_city() if profile is None else load_city(profile_path(profile))).profile
    with Progress(_("Generating")) as progress:
        s = generate_city(out, persons=persons, seed=seed, noise=noise,
                          slice_persons=slice_persons, as_of=as_of, city=city,
                          on_slice=lambda done, slices: progress.update(
                              done, _("slices of the city"), slices))
    noise_text = ", ".join(f"{kind}={n:,}" for kind, n in s.noise.items()) or _("none")
    return "\n".join([
        ngettext("Generated a city of {persons} persons in {households} households of {city} "
                 "({n} slice, {seconds} s).",
                 "Generated a city of {persons} persons in {households} households of {city} "
                 "({n} slices, {seconds} s).", s.slices, persons=f"{s.persons:,}",
                 households=f"{s.households:,}", city=city.name, seconds=f"{s.seconds:.1f}"),
        "  " + _("Deliveries: {files} files, {records} records in {path}", files=s.files,
                 records=f"{s.records:,}", path=out / "landing"),
        "  " + _("Assistance cases: {cases} ({active} active, {planted} planted for the "
                 "cross-check)", cases=f"{s.cases:,}", active=f"{s.active_cases:,}",
                 planted=f"{s.planted_cases:,}"),
        "  " + _("Truth: {flags} expected flags, {decoys} decoys in {path}",
                 flags=f"{s.truth_flags:,}", decoys=f"{s.decoys:,}", path=out / "truth"),
        textwrap.fill(_("Noise planted: {noise}", noise=noise_text), width=100,
                      initial_indent="  ", subsequent_indent="    "),
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
    lines = [_("Generated {n} resource declarations across {departments} departments in "
               "{path}", n=f"{len(declared):,}", departments=departments,
               path=out / "directory")]
    if delivered:
        lines.append("  " + _("Deliveries: {n} batches of {rows} rows in {path}",
                              n=f"{len(delivered):,}", rows=rows, path=out / "landing"))
    if city:
        held = write_city_folder(declared, out / "city")
        lines.append("  " + _("City folder: {n} declarations (the demo's and these) in {path}: "
                              "hub init --profile {path}", n=f"{held:,}", path=out / "city"))
    return "\n".join(lines)


_TITLES = {"ingest_all": lazy("Materialising"), "audits": lazy("Audits"),
           "crosscheck": lazy("Cross-check")}


def _run_job(settings: HubSettings, name: str, selection: list | None = None) -> bool:
    """Run one job of the hub's Definitions in this process, on the hub's Dagster instance."""
    from pipelines.runs import run_job

    return run_job(settings, name, str(_TITLES.get(name, name)), selection=selection)


def register(main: click.Group) -> None:
    from pipelines.crosscheck.cli import register_crosscheck, run_crosscheck_job

    register_crosscheck(main)

    @main.command(help=lazy("Generate a synthetic city's department deliveries (with noise and "
                            "planted cases) for the hub's city: its districts, assistance "
                            "standards and names."))
    @click.option("--persons", default=20_000, show_default=True,
                  help=lazy("Residents of the city."))
    @click.option("--seed", default=7, show_default=True, help=lazy("Same seed, same files."))
    @click.option("--out", type=click.Path(path_type=Path), required=True,
                  help=lazy("Writes OUT/landing/<resource>/<batch> and OUT/truth/."))
    @click.option("--clean", is_flag=True, help=lazy("No noise at all."))
    @click.option("--slice-persons", default=1_000_000, show_default=True, type=click.IntRange(1000),
                  help=lazy("Build the city in slices of at most this many residents (bounds "
                            "memory)."))
    @click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None,
                  help=lazy("Date the deliveries this day (YYYY-MM-DD); default: the city's own "
                            "calendar (newest batch 2026-11-01)."))
    @click.option("--profile", default=None, metavar="NAME|FOLDER",
                  help=lazy("Another city's profile (huizhou, dongguan or a folder); default: "
                            "the hub's city (`hub init --profile`)."))
    def generate(persons: int, seed: int, out: Path, clean: bool, slice_persons: int,
                 as_of, profile: str | None) -> None:
        """Generate a synthetic city's department deliveries (with noise and planted cases)
        for the hub's city: its districts, assistance standards and names."""
        from pipelines.citygen import NoiseRates

        click.echo(_generate(out, persons, seed, slice_persons,
                             noise=NoiseRates.none() if clean else None,
                             as_of=as_of.date() if as_of else None, profile=profile))

    @main.command("generate-directory", help=lazy(
        "Generate a synthetic resource directory (declarations as JSON, small deliveries)."))
    @click.option("--resources", type=click.IntRange(1), required=True,
                  help=lazy("Resource declarations to generate."))
    @click.option("--departments", type=click.IntRange(1), required=True,
                  help=lazy("Departments they come from (the city's bureaus, then its "
                            "districts')."))
    @click.option("--out", type=click.Path(path_type=Path), required=True,
                  help=lazy("Writes OUT/directory/<department>/<code>.json and OUT/landing/."))
    @click.option("--deliveries", default=0, show_default=True, type=click.IntRange(0),
                  help=lazy("Resources that get a small delivery in OUT/landing/<code>/."))
    @click.option("--rows", default=5, show_default=True, type=click.IntRange(1, 10_000),
                  help=lazy("Rows per delivery."))
    @click.option("--seed", default=7, show_default=True,
                  help=lazy("Same seed, same directory."))
    @click.option("--city", is_flag=True,
                  help=lazy("Also write OUT/city/: the demo's profile with these departments "
                            "and declarations added, for `hub init --profile OUT/city`."))
    def generate_directory(resources: int, departments: int, out: Path, deliveries: int,
                           rows: int, seed: int, city: bool) -> None:
        """Generate a synthetic resource directory (declarations as JSON, small deliveries)."""
        from pipelines.citygen.directory import MAX_DEPARTMENTS

        if departments > MAX_DEPARTMENTS:
            raise click.BadParameter(_("at most {n}", n=MAX_DEPARTMENTS),
                                     param_hint="--departments")
        click.echo(_generate_directory(out, resources, departments, deliveries, rows, seed,
                                       city))

    @main.command(help=lazy("Ingest every new batch in the landing directory and publish (the "
                            "ingest_all job)."))
    @click.option("--resource", "resources", multiple=True,
                  help=lazy("Only these resources."))
    def materialize(resources: tuple[str, ...]) -> None:
        """Ingest every new batch in the landing directory and publish (the ingest_all job)."""
        from catalog.cli import open_registry
        from pipelines.summary import echo_summary

        settings = get_settings()
        ok = _materialize(settings, resources)
        echo_summary(settings, open_registry())
        if not ok:
            click.echo(_("some assets failed: see the Dagster run log"), err=True)
            sys.exit(1)

    @main.group("raw", help=lazy("Delivered records as they were delivered."))
    def raw_group() -> None:
        pass

    @raw_group.command("show", help=lazy(
        "A delivered record as it was delivered: its batch, file, line (a sheet's row, a "
        "Parquet file's record) and SHA-256, and its text."))
    @click.argument("code", metavar="RESOURCE")
    @click.option("--batch", "batch_id", required=True,
                  help=lazy("The batch (`hub catalog show` lists them)."))
    @click.option("--line", "record_no", required=True, type=click.IntRange(1),
                  help=lazy("The line of a text file, the row of a sheet, the record of a "
                            "Parquet file."))
    @click.option("--file", "file", default=None,
                  help=lazy("Only this file of the batch (as delivered, below the landing "
                            "directory)."))
    @click.option("--json", "as_json", is_flag=True, help=lazy("Machine-readable output."))
    def raw_show(code: str, batch_id: str, record_no: int, file: str | None,
                 as_json: bool) -> None:
        """A delivered record as it was delivered."""
        import json

        from catalog import HubError, resource
        from catalog.cli import open_registry
        from pipelines.ingest.records import delivered_records

        settings = get_settings()
        res = resource(code)
        batch = next((b for b in open_registry().batches(res.code) if b.batch_id == batch_id),
                     None)
        if batch is None:
            raise HubError(_("no batch {batch} of {code}: `hub catalog show {code}` lists its "
                             "batches",
                             batch=batch_id, code=res.code))
        if not batch.raw_path:
            raise HubError(_("batch {batch} of {code} was not read ({status}): {reason}",
                             batch=batch_id, code=res.code, status=batch.status,
                             reason=batch.reason))
        found = delivered_records(settings, res, batch, record_no, file)
        if not found:
            raise HubError(_("batch {batch} of {code} has no record at line {line}: a blank "
                             "line, the header, past the end, or not in that file",
                             batch=batch_id, code=res.code, line=record_no))
        if as_json:
            click.echo(json.dumps([r.as_dict() for r in found], ensure_ascii=False, indent=2))
            return
        for record in found:
            click.echo(_("{code} batch {batch}, {file}, line {line}, SHA-256 {sha256}",
                         code=res.code, batch=record.batch_id, file=record.file,
                         line=record.record_no, sha256=record.sha256))
            if record.quarantined:
                click.echo(_("quarantined: {rules}", rules=", ".join(record.quarantined)))
            click.echo(record.text)

    @main.command(help=lazy("What landed, what was quarantined and why."))
    def summary() -> None:
        """What landed, what was quarantined and why."""
        from catalog.cli import open_registry
        from pipelines.summary import echo_summary

        echo_summary(get_settings(), open_registry())

    @main.command(help=lazy("Generate a small city into the hub's home, materialise every "
                            "asset, print a summary."))
    @click.option("--persons", default=20_000, show_default=True)
    @click.option("--seed", default=7, show_default=True)
    def demo(persons: int, seed: int) -> None:
        """Generate a small city into the hub's home, materialise every asset, print a summary."""
        from catalog.cli import open_registry
        from catalog.timefmt import BEIJING
        from pipelines.summary import echo_summary

        settings = get_settings()
        settings.landing_dir.mkdir(parents=True, exist_ok=True)  # where `make dev` watches
        city = settings.home / "demo-city"
        today = datetime.now(BEIJING).date()  # a fresh demo is fresh: delivered today
        click.echo(_("Generating a city of {persons} persons (seed {seed}, delivered {today}) "
                     "in {path} …", persons=persons, seed=seed, today=today, path=city))
        click.echo(_generate(city, persons, seed, as_of=today))
        # The demo city's deliveries are this run's landing: passed on, not put in the environment.
        settings = settings.model_copy(update={"landing": (city / "landing").resolve()})
        click.echo(_("Materialising every asset (Dagster job ingest_all) …"))
        ok = _materialize(settings, ())
        click.echo(_("Cross-checking assistance cases (Dagster job crosscheck) …"))
        ok = run_crosscheck_job(settings) and ok
        from pipelines.demo_revision import submit_demo_revision

        click.echo(_("Catalog review queue: {queue}",
                     queue=submit_demo_revision(open_registry())))
        click.echo(_("Running the scheduled audits once (Dagster job audits) …"))
        ok = _run_job(settings, "audits") and ok
        click.echo("")
        echo_summary(settings, open_registry())
        click.echo("")
        click.echo(_("Analysts' database: {path}  (read-only, with home_directory = '{home}': "
                     "README, the lake)", path=settings.analyst_db, home=settings.home))
        click.echo(_("Dagster UI: make dev   |   catalog: .venv/bin/hub catalog list"))
        click.echo(_("Catalog web app: .venv/bin/hub clients create NAME --department hub "
                     "--role cdo --user --password, then .venv/bin/hub serve (README: Catalog "
                     "web app)"))
        if not ok:
            sys.exit(1)

    @main.command(help=lazy("Start the Dagster UI and daemon on this hub's instance (`dagster "
                            "dev`)."))
    @click.option("--port", default=3000, show_default=True, type=PORT)
    @click.option("--host", default="127.0.0.1", show_default=True)
    def dev(port: int, host: str) -> None:
        """Start the Dagster UI and daemon on this hub's instance (`dagster dev`)."""
        from pipelines.instance import dagster_home

        settings = get_settings()
        dagster_home(settings)
        if not settings.landing_dir.is_dir():
            click.echo(_("warning: no landing directory at {path}: the landing sensor has "
                         "nothing to watch until it exists", path=settings.landing_dir),
                       err=True)
        _warn_unknown_folders(settings)
        # A shell's background job starts with SIGINT/SIGTERM ignored, and dagster dev would
        # inherit that and outlive Ctrl-C or `kill`: restore the defaults before exec.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        # This interpreter's dagster: `dagster` is on PATH only inside an activated venv.
        os.execv(sys.executable, [sys.executable, "-m", "dagster", "dev", "-m",
                                  "pipelines.definitions", "-h", host, "-p", str(port)])
