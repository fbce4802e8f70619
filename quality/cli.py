"""`hub quality run|scores|feedback`: quality runs, catalog scores and reports from the shell."""

from __future__ import annotations

import json
import sys

import click

from catalog import RESOURCES, delivered_resources, get_settings, resource
from catalog.i18n import _, lazy, ngettext
from catalog.listing import echo_table

__all__ = ["register"]


def _selected(codes: tuple[str, ...]):
    try:
        return [resource(c) for c in codes] if codes else delivered_resources()
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="--resource") from None


def register(main: click.Group) -> None:
    @main.group("quality", help=lazy(
        "Data quality (GB/T 36344): GX validation, scores, Data Docs, department feedback."))
    def quality_group() -> None:
        pass

    @quality_group.command("run", help=lazy(
        "Validate each current version; record scores, write Data Docs and feedback files."))
    @click.option("--resource", "codes", multiple=True, help=lazy("Only these resources."))
    def run(codes: tuple[str, ...]) -> None:
        from catalog.cli import open_registry
        from quality.service import run_quality

        settings, registry = get_settings(), open_registry()
        failed = False
        rows = []
        for declared in _selected(codes):
            report = run_quality(settings, registry, declared)
            if report.outcome is None:
                rows.append((declared.code, "-", _("not published yet"), "", "", "", ""))
                continue
            blocking = report.outcome.blocking_failures
            failed |= bool(blocking)
            scores = "  ".join(f"{d}={v:.4f}" for d, v in sorted(report.resource_scores.items()))
            rows.append((declared.code, f"v{report.version}", scores,
                         len(report.outcome.warnings), len(blocking), len(report.feedback),
                         len(report.pii)))
        echo_table([_("resource"), _("version"), _("scores"), _("warnings"), _("blocking"),
                    _("feedback"), _("undeclared PII")], rows, _("no resources"),
                   right=frozenset({3, 4, 5, 6}))
        click.echo(_("Data Docs: {path}", path=settings.home / "quality" / "docs" / "index.html"))
        if failed:
            sys.exit(1)

    @quality_group.command("scores", help=lazy(
        "Latest scores, per-item scores and trend (JSON), of one resource or all."))
    @click.argument("code", required=False)
    def scores(code: str | None) -> None:
        from catalog.cli import open_registry
        from catalog.quality_scores import quality_summary

        registry = open_registry()
        codes = [resource(code).code] if code else list(RESOURCES)
        out = {c: quality_summary(registry, c) for c in codes}
        click.echo(json.dumps(out if not code else out[code], ensure_ascii=False, indent=2))

    @quality_group.command("feedback", help=lazy(
        "List the feedback files departments have to act on (written by `hub quality run`)."))
    @click.option("--department", help=lazy("Only this department's files (e.g. ga)."))
    def feedback(department: str | None) -> None:
        from quality.paths import feedback_dir

        root = feedback_dir(get_settings())
        paths = sorted((root / department).glob("*.csv") if department else root.glob("*/*.csv"))
        from catalog.listing import echo_lines

        def line(path) -> str:
            with path.open(encoding="utf-8-sig") as fh:
                count = sum(1 for _line in fh) - 1
            return ngettext("{path}  ({n} problem record)", "{path}  ({n} problem records)",
                            count, path=path)

        echo_lines(map(line, paths),
                   _("no feedback files for department {department}", department=department)
                   if department else _("no feedback files"))
