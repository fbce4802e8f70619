"""`hub audits list|run|findings|ack`: the scheduled audits from the shell."""

from __future__ import annotations

import getpass
import json
import sys

import click

from catalog import get_settings
from catalog.i18n import _, lazy, ngettext

__all__ = ["register", "severity_label"]

# A finding's severity and status as people read them (the values stay the data's: --json).
_LABELS = {"critical": lazy("critical"), "high": lazy("high"), "warning": lazy("warning"),
           "info": lazy("info"), "open": lazy("open"), "acknowledged": lazy("acknowledged"),
           "resolved": lazy("resolved")}
# `hub audits run` exits with this when it reports an open finding at or above --fail-on, so a
# scheduler or CI job notices (1 is a failure to run, 2 a usage error).
EXIT_FINDINGS = 3


def severity_label(value: str) -> str:
    """A severity (or a finding's status) in the current language."""
    return str(_LABELS.get(value, value))


def _echo_findings(rows: list, with_status: bool, none: str) -> int:
    """A table of findings: id, severity, (status,) audit, subject, message."""
    from catalog.listing import echo_table

    headers = [_("id"), _("severity"), *([_("status")] if with_status else []), _("audit"),
               _("subject"), _("finding")]
    return echo_table(headers, [
        (r.id, severity_label(r.severity), *([severity_label(r.status)] if with_status else []),
         r.audit, r.subject, r.message) for r in rows], none, right=frozenset({0}))


def register(main: click.Group) -> None:
    @main.group("audits", help=lazy("Scheduled audits: reports with findings by severity, for "
                                    "the chief data officer."))
    def group() -> None:
        """Scheduled audits: reports with findings by severity, for the chief data officer."""

    @group.command("list", help=lazy("Every installed audit, its schedule and its latest "
                                     "report."))
    def list_() -> None:
        """Every installed audit, its schedule and its latest report."""
        from catalog.audit_plugins import DEFAULT_CRON, discover
        from catalog.cli import open_registry
        from catalog.findings import latest_reports
        from catalog.listing import echo_table

        latest = latest_reports(open_registry())
        rows = []
        for name, run in discover().items():
            report = latest.get(name)
            when = report.finished_at.isoformat(timespec="seconds") if report else _("never run")
            counts = ", ".join(f"{severity_label(k)} {v}" for k, v in
                               sorted((report.counts or {}).items())) if report else ""
            rows.append((name, getattr(run, "cron", DEFAULT_CRON), when, counts))
        echo_table([_("audit"), _("schedule"), _("latest report"), _("findings")], rows,
                   _("no audit is installed"))

    @group.command("run", help=lazy(
        "Run audits now (all, or NAMES), record their reports, print what they found; exit "
        "non-zero when they found something critical (see --fail-on)."))
    @click.argument("names", nargs=-1)
    @click.option("--fail-on", type=click.Choice(["critical", "high", "never"]),
                  default="critical", show_default=True,
                  help=lazy("Exit {code} when the run reports an open finding this severe or "
                            "worse.", code=EXIT_FINDINGS))
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
            raise click.BadParameter(_("no audit {name}; installed: {installed}",
                                       name=repr(unknown[0]), installed=", ".join(audits)),
                                     param_hint="NAMES")
        settings, registry = get_settings(), open_registry()
        reported = []
        for name in names or tuple(audits):
            filed = file_report(settings, registry, name, audits[name])
            click.echo(_("== {name}: {summary}  ({path})", name=name,
                         summary=filed.result.summary, path=filed.path))
            mine = [f for f in findings(registry, audit=name, status=None)
                    if f.last_report_id == filed.report.id]
            _echo_findings(mine, with_status=True, none=_("no findings"))
            reported += mine
        HubResource.from_settings(settings).refresh_analyst_db()
        if fail_on != "never":
            bar = Severity(fail_on).rank
            serious = [f for f in reported if f.status == FindingStatus.OPEN
                       and Severity(f.severity).rank >= bar]
            if serious:
                click.echo(ngettext("{n} open finding at {severity} or above",
                                    "{n} open findings at {severity} or above", len(serious),
                                    severity=severity_label(fail_on)), err=True)
                sys.exit(EXIT_FINDINGS)

    @group.command("findings", help=lazy("Standing findings, most severe first (open ones "
                                         "unless --all)."))
    @click.option("--all", "every", is_flag=True,
                  help=lazy("Acknowledged and resolved ones too."))
    @click.option("--audit", help=lazy("Only this audit's findings."))
    @click.option("--json", "as_json", is_flag=True, help=lazy("Machine-readable output."))
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
        if _echo_findings(rows, with_status=every, none=_("no open findings") if not every
                          else _("no findings")):
            click.echo(ngettext("{n} finding", "{n} findings", len(rows)))

    @group.command("ack", help=lazy("Acknowledge an open finding: not raised again while it "
                                    "recurs."))
    @click.argument("finding_id", type=int)
    @click.option("--note", required=True,
                  help=lazy("Why it is accepted (kept with the finding)."))
    @click.option("--by", "actor", default=getpass.getuser,
                  help=lazy("Who acknowledges (default: the shell's user)."))
    def ack(finding_id: int, note: str, actor: str) -> None:
        """Acknowledge an open finding: not raised again while it recurs."""
        from catalog.cli import open_registry
        from catalog.findings import acknowledge

        row = acknowledge(open_registry(), finding_id, actor, note)
        click.echo(_("acknowledged {id} ({audit}, {subject}) by {actor}", id=row.id,
                     audit=row.audit, subject=row.subject, actor=row.acknowledged_by))
