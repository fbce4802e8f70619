"""`hub audits list|run|findings|ack`: the scheduled audits from the shell."""

from __future__ import annotations

import getpass
import json
import sys

import click

from catalog import get_settings

__all__ = ["register"]

_SEVERITY_WIDTH = 8
# `hub audits run` exits with this when it reports an open finding at or above --fail-on, so a
# scheduler or CI job notices (1 is a failure to run, 2 a usage error).
EXIT_FINDINGS = 3


def _echo_findings(rows: list, with_status: bool) -> None:
    """One line per finding: id, severity, (status,) audit, subject, message."""
    for r in rows:
        status = f"{r.status:12} " if with_status else ""
        click.echo(f"{r.id:>6} {r.severity:{_SEVERITY_WIDTH}} {status}{r.audit:24} "
                   f"{r.subject:34} {r.message}")


def register(main: click.Group) -> None:
    @main.group("audits")
    def group() -> None:
        """Scheduled audits: reports with findings by severity, for the chief data officer."""

    @group.command("list")
    def list_() -> None:
        """Every installed audit, its schedule and its latest report."""
        from catalog.audit_plugins import DEFAULT_CRON, discover
        from catalog.cli import open_registry
        from catalog.findings import latest_reports

        latest = latest_reports(open_registry())
        for name, run in discover().items():
            report = latest.get(name)
            when = report.finished_at.isoformat(timespec="seconds") if report else "never run"
            counts = ", ".join(f"{k}={v}" for k, v in sorted((report.counts or {}).items())) \
                if report else ""
            click.echo(f"{name:26} {getattr(run, 'cron', DEFAULT_CRON):12} {when:26} {counts}")

    @group.command("run")
    @click.argument("names", nargs=-1)
    @click.option("--fail-on", type=click.Choice(["critical", "high", "never"]),
                  default="critical", show_default=True,
                  help=f"Exit {EXIT_FINDINGS} when the run reports an open finding this severe "
                       "or worse.")
    def run(names: tuple[str, ...], fail_on: str) -> None:
        """Run audits now (all, or NAMES), record their reports, print what they found; exit
        non-zero when they found something critical (see --fail-on)."""
        from catalog.audit_plugins import discover
        from catalog.audit_reports import file_report
        from catalog.cli import open_registry
        from catalog.findings import FindingStatus, Severity, findings
        from pipelines.hub_resource import HubResource

        audits = discover()
        unknown = sorted(set(names) - set(audits))
        if unknown:
            raise click.BadParameter(f"no audit {unknown[0]!r}; installed: "
                                     f"{', '.join(audits)}", param_hint="NAMES")
        settings, registry = get_settings(), open_registry()
        reported = []
        for name in names or tuple(audits):
            filed = file_report(settings, registry, name, audits[name])
            click.echo(f"== {name}: {filed.result.summary}  ({filed.path})")
            mine = [f for f in findings(registry, audit=name, status=None)
                    if f.last_report_id == filed.report.id]
            _echo_findings(mine, with_status=True)
            reported += mine
        HubResource.from_settings(settings).refresh_analyst_db()
        if fail_on != "never":
            bar = Severity(fail_on).rank
            serious = [f for f in reported if f.status == FindingStatus.OPEN
                       and Severity(f.severity).rank >= bar]
            if serious:
                click.echo(f"{len(serious)} open finding(s) at {fail_on} or above", err=True)
                sys.exit(EXIT_FINDINGS)

    @group.command("findings")
    @click.option("--all", "every", is_flag=True, help="Acknowledged and resolved ones too.")
    @click.option("--audit", help="Only this audit's findings.")
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    def list_findings(every: bool, audit: str | None, as_json: bool) -> None:
        """Standing findings, most severe first (open ones unless --all)."""
        from catalog.cli import open_registry
        from catalog.findings import FindingStatus, findings

        rows = findings(open_registry(), audit=audit, status=None if every else FindingStatus.OPEN)
        if as_json:
            click.echo(json.dumps([{
                "id": r.id, "audit": r.audit, "severity": r.severity, "status": r.status,
                "subject": r.subject, "key": r.key, "message": r.message, "evidence": r.evidence,
                "first_seen_at": r.first_seen_at.isoformat(),
                "last_seen_at": r.last_seen_at.isoformat(), "note": r.note,
                "acknowledged_by": r.acknowledged_by} for r in rows],
                ensure_ascii=False, indent=2))
            return
        _echo_findings(rows, with_status=every)
        click.echo(f"{len(rows)} findings")

    @group.command("ack")
    @click.argument("finding_id", type=int)
    @click.option("--note", required=True, help="Why it is accepted (kept with the finding).")
    @click.option("--by", "actor", default=getpass.getuser, show_default="the shell's user",
                  help="Who acknowledges.")
    def ack(finding_id: int, note: str, actor: str) -> None:
        """Acknowledge an open finding: not raised again while it recurs."""
        from catalog.cli import open_registry
        from catalog.findings import acknowledge

        row = acknowledge(open_registry(), finding_id, actor, note)
        click.echo(f"acknowledged {row.id} ({row.audit}, {row.subject}) by {row.acknowledged_by}")
