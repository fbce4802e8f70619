"""Dagster asset checks on every published resource: one quality run, three verdicts.

`blocking_rules` (blocking: downstream assets of the run wait for it) and `quality_warnings`
report the GX suite's results with counts and sample failing keys; `undeclared_personal_data`
reports columns holding personal data the catalog does not declare. The run also records the
catalog's scores, the Data Docs page and the departments' feedback files.
"""

import dagster as dg

from catalog import Resource, delivered_resources
from pipelines.assets import layer_key
from pipelines.hub_resource import HubResource
from quality import CheckOutcome, QualityReport, run_quality

__all__ = ["quality_checks"]


def _table(checks: list[CheckOutcome]) -> dg.MetadataValue:
    lines = ["| check | failed | of | sample keys |", "|---|---|---|---|"]
    for c in checks:
        keys = "; ".join(", ".join(f"{k}={v}" for k, v in s.items()) for s in c.samples[:3])
        lines.append(f"| {c.name} | {c.unexpected} | {c.checked} | {keys} |")
    return dg.MetadataValue.md("\n".join(lines))


def _common(report: QualityReport) -> dict:
    return {
        "version": report.version,
        "scores": {d: round(v, 4) for d, v in sorted(report.resource_scores.items())},
        "data_docs": dg.MetadataValue.path(str(report.data_docs)),
        "feedback_files": [str(p) for p in report.feedback],
    }


def _verdicts(resource: Resource, report: QualityReport):
    key = layer_key("published", resource)
    checks = report.outcome.checks if report.outcome else []
    blocking = [c for c in checks if c.blocking and not c.success]
    warned = [c for c in checks if not c.blocking and c.unexpected]
    yield dg.AssetCheckResult(
        check_name="blocking_rules", asset_key=key, passed=not blocking,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={**_common(report), "failed_checks": len(blocking), "failures": _table(blocking)})
    yield dg.AssetCheckResult(
        check_name="quality_warnings", asset_key=key, passed=not warned,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={**_common(report), "failed_rows": sum(c.unexpected for c in warned),
                  "failures": _table(warned)})
    yield dg.AssetCheckResult(
        check_name="undeclared_personal_data", asset_key=key, passed=not report.pii,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"findings": dg.MetadataValue.json([f.__dict__ for f in report.pii])})


def _checks_for(resource: Resource) -> dg.AssetChecksDefinition:
    key = layer_key("published", resource)

    @dg.multi_asset_check(
        name=f"quality_{resource.table}",
        specs=[
            dg.AssetCheckSpec("blocking_rules", asset=key, blocking=True,
                              description="Structure, key present and unique, required items."),
            dg.AssetCheckSpec("quality_warnings", asset=key,
                              description="Check digits, code lists, districts, plausible dates "
                              "and amounts, consistency with the ID number."),
            dg.AssetCheckSpec("undeclared_personal_data", asset=key,
                              description="ID, mobile, bank-card numbers or addresses in a "
                              "column the catalog does not declare as such."),
        ],
    )
    def quality(context: dg.AssetCheckExecutionContext, hub: HubResource):
        """GX suite of the current version; scores into the catalog; Data Docs; feedback."""
        report = run_quality(hub.settings, hub.registry, resource, run_id=context.op_execution_context.run_id[:12])
        yield from _verdicts(resource, report)

    return quality


def quality_checks() -> list[dg.AssetChecksDefinition]:
    return [_checks_for(r) for r in delivered_resources()]
