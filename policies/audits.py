"""The gateway's audit (entry point `hub.audits`): attempts to get around the SQL gateway.

Every refused query is in the gateway's log with its principal (`policies.store.QueryAudit`);
a refusal whose code is in `SECURITY_CODES` (text the checks cannot read, the two parsers
disagreeing, reading files, settings, variables or keys) was no mistake of syntax but an
attempt on the gateway. Each principal who made one in the last day is a finding for the
chief data officer; repeated attempts are high.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from catalog import HubSettings, open_registry
from catalog.audit_plugins import scheduled
from catalog.findings import AuditResult, Finding, Severity
from catalog.i18n import _, ngettext
from policies.errors import SECURITY_CODES

__all__ = ["REPEATED", "WINDOW", "gateway_bypass_attempts"]

WINDOW = timedelta(days=1)
REPEATED = 3  # attempts in the window from which a principal's finding is high


@scheduled("10 * * * *")
def gateway_bypass_attempts(settings: HubSettings, now: datetime) -> AuditResult:
    """Gateway bypass attempts: refused queries that tried to read around the checks."""
    from policies.store import QueryAudit  # the gateway's engine: loaded to run, not to list

    since = (now.astimezone(UTC) - WINDOW).replace(tzinfo=None)  # the log keeps naive UTC
    registry = open_registry(settings, declare=False)
    try:
        with registry.session() as s:
            scanned = s.scalar(select(func.count()).select_from(QueryAudit)
                               .where(QueryAudit.at >= since))
            attempts = list(s.execute(
                select(QueryAudit.subject, QueryAudit.department, QueryAudit.surface,
                       QueryAudit.outcome, QueryAudit.at, QueryAudit.id)
                .where(QueryAudit.at >= since, QueryAudit.outcome.in_(sorted(SECURITY_CODES)))
                .order_by(QueryAudit.id)))
    finally:
        registry.dispose()
    by_subject: dict[str, list] = defaultdict(list)
    for row in attempts:
        by_subject[row.subject].append(row)
    found = []
    for subject, rows in sorted(by_subject.items()):
        kinds = sorted({r.outcome for r in rows})
        found.append(Finding(
            "gateway_bypass_attempts", Severity.HIGH if len(rows) >= REPEATED else
            Severity.WARNING, f"principal:{subject}",
            ngettext("{subject} ({department}) sent {n} query in the last {days} day(s) that "
                     "tried to get around the SQL gateway ({kinds}); it was refused.",
                     "{subject} ({department}) sent {n} queries in the last {days} day(s) that "
                     "tried to get around the SQL gateway ({kinds}); every one was refused.",
                     len(rows), subject=subject, department=rows[0].department,
                     days=WINDOW.days, kinds=", ".join(kinds)),
            evidence={"attempts": len(rows), "kinds": kinds,
                      "surfaces": sorted({r.surface for r in rows}),
                      "entries": [r.id for r in rows[-20:]],
                      "last": rows[-1].at.isoformat()}))
    return AuditResult(found, {"queries": scanned or 0, "refusals": len(attempts),
                               "principals": len(by_subject)},
                       _("{attempts} bypass attempts by {principals} principals",
                         attempts=len(attempts), principals=len(by_subject)))
