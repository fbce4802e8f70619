"""Scheduled audits as Dagster assets: one per installed audit (entry points `hub.audits`, so
the pipelines import neither the exchange nor any other provider), each on its own schedule,
and the `audits` job running them all. A run writes the report file, folds the findings into
the standing list and publishes the report as a batch of `hub.audit_findings`."""

import dagster as dg

from catalog.audit_plugins import DEFAULT_CRON, AuditFn, discover
from catalog.audit_reports import FiledReport, file_report
from catalog.findings import Severity
from catalog.resources import AUDIT_FINDINGS
from pipelines.hub_resource import HubResource

__all__ = ["AUDITS_GROUP", "audit_assets", "audit_jobs", "audit_key", "audit_schedules",
           "audits_job", "installed_audits"]

AUDITS_GROUP = "audits"
_TIMEZONE = "Asia/Shanghai"


def installed_audits() -> dict[str, AuditFn]:
    return discover()


def audit_key(name: str) -> dg.AssetKey:
    return dg.AssetKey([AUDITS_GROUP, name])


def _summary(run: AuditFn) -> str:
    return ((run.__doc__ or "").strip().splitlines() or ["Scheduled audit."])[0]


def _findings_table(filed: FiledReport) -> dg.MetadataValue:
    order = sorted(filed.result.findings, key=lambda f: (-f.severity.rank, f.subject))
    lines = ["| severity | subject | finding |", "|---|---|---|"]
    lines += [f"| {f.severity.value} | {f.subject} | {f.message.replace('|', '/')} |"
              for f in order[:50]]
    if len(order) > 50:
        lines.append(f"| | | … and {len(order) - 50} more in the report file |")
    return dg.MetadataValue.md("\n".join(lines))


def _metadata(filed: FiledReport) -> dict:
    counts = filed.report.counts or {}
    return {
        "summary": filed.result.summary,
        "findings": sum(counts.values()),
        **{f"findings_{s.value}": counts.get(s.value, 0) for s in reversed(Severity)},
        "checked": dg.MetadataValue.json(filed.result.checked),
        "report_id": filed.report.id,
        "report": dg.MetadataValue.path(str(filed.path)),
        "catalog_version": filed.version,
        "table": _findings_table(filed),
    }


def _asset(name: str, run: AuditFn) -> dg.AssetsDefinition:
    cron = getattr(run, "cron", DEFAULT_CRON)

    @dg.asset(key=audit_key(name), group_name=AUDITS_GROUP, owners=["team:hub"],
              kinds={"json", "parquet"}, description=_summary(run),
              tags={"layer": "audit", "department": "hub"},
              metadata={"resource_code": AUDIT_FINDINGS, "schedule": cron,
                        "timezone": _TIMEZONE})
    def audit(context: dg.AssetExecutionContext, hub: HubResource) -> dg.MaterializeResult:
        filed = file_report(hub.settings, hub.registry, name, run, run_id=context.run_id)
        hub.refresh_analyst_db()  # `published.hub_audit_findings` shows the new report
        return dg.MaterializeResult(metadata=_metadata(filed))

    return audit


def audit_assets(audits: dict[str, AuditFn]) -> list[dg.AssetsDefinition]:
    return [_asset(name, run) for name, run in audits.items()]


def audit_jobs(audits: dict[str, AuditFn]) -> dict:
    """One job per audit (what its schedule runs), by audit name."""
    return {name: dg.define_asset_job(f"audit_{name}",
                                      selection=dg.AssetSelection.assets(audit_key(name)),
                                      description=_summary(run))
            for name, run in audits.items()}


def audit_schedules(audits: dict[str, AuditFn], jobs: dict) -> list[dg.ScheduleDefinition]:
    return [dg.ScheduleDefinition(
        name=f"audit_{name}_schedule", job=jobs[name],
        cron_schedule=getattr(run, "cron", DEFAULT_CRON), execution_timezone=_TIMEZONE,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"{_summary(run)} ({getattr(run, 'cron', DEFAULT_CRON)}, Beijing time)")
        for name, run in audits.items()]


audits_job = dg.define_asset_job(
    "audits", selection=dg.AssetSelection.groups(AUDITS_GROUP),
    description="Run every scheduled audit now: reports, findings, the catalog's audit dataset.")
