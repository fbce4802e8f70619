"""`hub quality run|scores|feedback`: quality runs, catalog scores and reports from the shell."""

from __future__ import annotations

import json
import sys

import click

from catalog import RESOURCES, delivered_resources, get_settings, resource

__all__ = ["register"]


def _selected(codes: tuple[str, ...]):
    try:
        return [resource(c) for c in codes] if codes else delivered_resources()
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="--resource") from None


def register(main: click.Group) -> None:
    @main.group("quality")
    def quality_group() -> None:
        """Data quality (GB/T 36344): GX validation, scores, Data Docs, department feedback."""

    @quality_group.command("run")
    @click.option("--resource", "codes", multiple=True, help="Only these resources.")
    def run(codes: tuple[str, ...]) -> None:
        """Validate each current version; record scores, write Data Docs and feedback files."""
        from catalog.cli import open_registry
        from quality.service import run_quality

        settings, registry = get_settings(), open_registry()
        failed = False
        for declared in _selected(codes):
            report = run_quality(settings, registry, declared)
            if report.outcome is None:
                click.echo(f"{declared.code:22} not published yet")
                continue
            blocking = report.outcome.blocking_failures
            failed |= bool(blocking)
            scores = "  ".join(f"{d}={v:.4f}" for d, v in sorted(report.resource_scores.items()))
            click.echo(f"{declared.code:22} v{report.version}  {scores}  "
                       f"warnings={len(report.outcome.warnings)} blocking={len(blocking)} "
                       f"feedback={len(report.feedback)} undeclared_pii={len(report.pii)}")
        click.echo(f"Data Docs: {settings.home / 'quality' / 'docs' / 'index.html'}")
        if failed:
            sys.exit(1)

    @quality_group.command("scores")
    @click.argument("code", required=False)
    def scores(code: str | None) -> None:
        """Latest scores, per-item scores and trend (JSON), of one resource or all."""
        from catalog.cli import open_registry
        from catalog.quality_scores import quality_summary

        registry = open_registry()
        codes = [resource(code).code] if code else list(RESOURCES)
        out = {c: quality_summary(registry, c) for c in codes}
        click.echo(json.dumps(out if not code else out[code], ensure_ascii=False, indent=2))

    @quality_group.command("feedback")
    @click.option("--department", help="Only this department's files (e.g. ga).")
    def feedback(department: str | None) -> None:
        """List the feedback files departments have to act on (written by `hub quality run`)."""
        from quality.context import feedback_dir

        root = feedback_dir(get_settings())
        paths = sorted((root / department).glob("*.csv") if department else root.glob("*/*.csv"))
        from catalog.listing import echo_lines

        def line(path) -> str:
            with path.open(encoding="utf-8-sig") as fh:
                return f"{path}  ({sum(1 for _ in fh) - 1} problem records)"

        echo_lines(map(line, paths), "no feedback files"
                   + (f" for department {department}" if department else ""))
