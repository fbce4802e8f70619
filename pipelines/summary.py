"""A plain-text account of what landed, what was quarantined and why (the demo's closing words),
its tables aligned as the terminal draws them (`catalog.listing.echo_table`: Chinese cells are
two columns wide)."""

from __future__ import annotations

from collections import Counter

import click

from catalog import BatchStatus, HubSettings, Registry, delivered_resources
from catalog.i18n import _
from catalog.listing import echo_table
from pipelines.crosscheck.summary import echo_crosscheck

__all__ = ["echo_audits", "echo_summary"]


def echo_summary(settings: HubSettings, registry: Registry, examples: int = 1) -> None:
    """Print, per delivered resource, its batches and rows; then the batches rejected whole,
    the quarantined rows by rule (with `examples` rows each), the cross-check and the audits."""
    table = []
    total_in = total_ok = total_q = 0
    reasons: Counter[tuple[str, str]] = Counter()
    rejections = []
    for resource in delivered_resources():
        batches = registry.batches(resource.code)
        rows_in = sum(b.rows_in for b in batches)
        ok = sum(b.rows_accepted for b in batches)
        q = sum(b.rows_quarantined for b in batches)
        rejected = [b for b in batches if b.status is BatchStatus.REJECTED]
        rejections += [(resource.code, b.batch_id, b.reason) for b in rejected]
        for b in batches:
            for rule, n in (b.quarantine_by_rule or {}).items():
                reasons[(resource.code, rule)] += n
        total_in, total_ok, total_q = total_in + rows_in, total_ok + ok, total_q + q
        balanced = all(b.balanced for b in batches if b.status is not BatchStatus.DUPLICATE
                       and b.raw_path and b.accepted_path)
        table.append((resource.code, len(batches), len(rejected), rows_in, ok, q,
                      _("yes") if balanced else _("NO")))
    table.append((_("total"), "", "", total_in, total_ok, total_q, ""))
    echo_table([_("resource"), _("batches"), _("rejected"), _("rows in"), _("accepted"),
                _("quarantined"), _("balanced")], table, _("no resource is delivered"),
               right=frozenset(range(1, 6)))
    if rejections:
        click.echo("")
        click.echo(_("Batches rejected whole (the previous version stays current):"))
        for code, batch, reason in rejections:
            click.echo(f"  {code} {batch}: {reason}")
    if reasons:
        click.echo("")
        click.echo(_("Quarantined rows by rule:"))
        echo_table([_("resource"), _("rule"), _("rows")],
                   [(code, rule, n) for (code, rule), n in
                    sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))], "",
                   right=frozenset({2}))
    if examples and reasons and settings.analyst_db.exists():
        from catalog.lake import connect  # DuckDB only when there are examples to read

        click.echo("")
        click.echo(_("Examples from the quarantine:"))
        shown = []
        with connect(settings, settings.analyst_db, read_only=True) as con:
            for resource in delivered_resources():
                rows = con.execute(
                    f"SELECT _record_no, _rule || coalesce(':' || _item, ''), _record "
                    f"FROM quarantine.{resource.table} "
                    f"QUALIFY row_number() OVER (PARTITION BY _rule ORDER BY _record_no) <= ? "
                    f"ORDER BY _rule LIMIT 4", [examples]).fetchall()
                shown += [(resource.code, no, rule, (record or "")[:70])
                          for no, rule, record in rows]
        echo_table([_("resource"), _("line"), _("rule"), _("original text")], shown,
                   _("no examples in the analysts' database"), right=frozenset({1}))
    echo_crosscheck(settings, registry)
    echo_audits(registry)


def echo_audits(registry: Registry) -> None:
    """The latest report of each scheduled audit: what it found, by severity."""
    from catalog.findings import findings, latest_reports
    from pipelines.audits_cli import severity_label

    reports = latest_reports(registry)
    if not reports:
        return
    click.echo("")
    click.echo(_("Scheduled audits (latest report; open findings for the chief data officer):"))
    rows = []
    for name, report in sorted(reports.items()):
        counts = ", ".join(f"{severity_label(severity)} {n}"
                           for severity, n in sorted(report.counts.items()))
        rows.append((name, counts or _("no findings")))
    echo_table([_("audit"), _("findings")], rows, "")
    click.echo(_("open findings in all: {n}", n=len(findings(registry))))
