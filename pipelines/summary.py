"""A plain-text account of what landed, what was quarantined and why (the demo's closing words)."""

from __future__ import annotations

from collections import Counter

from catalog import BatchStatus, HubSettings, Registry, delivered_resources
from pipelines.crosscheck.summary import crosscheck_lines

__all__ = ["summary_lines"]


def summary_lines(settings: HubSettings, registry: Registry, examples: int = 1) -> list[str]:
    lines = [(f"{'resource':22} {'batches':>7} {'rejected':>8} {'rows in':>10} "
              f"{'accepted':>10} {'quarantined':>11}  balanced")]
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
        lines.append(f"{resource.code:22} {len(batches):>7} {len(rejected):>8} {rows_in:>10} "
                     f"{ok:>10} {q:>11}  {'yes' if balanced else 'NO'}")
    lines.append(f"{'total':22} {'':>7} {'':>8} {total_in:>10} {total_ok:>10} {total_q:>11}")
    if rejections:
        lines.append("")
        lines.append("Batches rejected whole (the previous version stays current):")
        lines += [f"  {code} {batch}: {reason}" for code, batch, reason in rejections]
    if reasons:
        lines.append("")
        lines.append("Quarantined rows by rule:")
        for (code, rule), n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"  {code:22} {rule:22} {n:>8}")
    if examples and reasons and settings.analyst_db.exists():
        from catalog.lake import connect  # DuckDB only when there are examples to read

        lines.append("")
        lines.append("Examples from the quarantine (resource, line, rule, original text):")
        with connect(settings, settings.analyst_db, read_only=True) as con:
            for resource in delivered_resources():
                rows = con.execute(
                    f"SELECT _record_no, _rule || coalesce(':' || _item, ''), _record "
                    f"FROM quarantine.{resource.table} "
                    f"QUALIFY row_number() OVER (PARTITION BY _rule ORDER BY _record_no) <= ? "
                    f"ORDER BY _rule LIMIT 4", [examples]).fetchall()
                for no, rule, record in rows:
                    lines.append(f"  {resource.code:22} {no:>8} {rule:34} {(record or '')[:70]}")
    return lines + crosscheck_lines(settings, registry) + audit_lines(registry)


def audit_lines(registry: Registry) -> list[str]:
    """The latest report of each scheduled audit: what it found, by severity."""
    from catalog.findings import findings, latest_reports

    reports = latest_reports(registry)
    if not reports:
        return []
    lines = ["", "Scheduled audits (latest report; open findings for the chief data officer):"]
    for name, report in sorted(reports.items()):
        counts = ", ".join(f"{n} {severity}" for severity, n in sorted(report.counts.items()))
        lines.append(f"  {name:26} {counts or 'no findings'}")
    lines.append(f"  open findings in all: {len(findings(registry))}")
    return lines
