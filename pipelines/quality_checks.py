"""Dagster asset checks on every published resource: one quality run, three verdicts.

`blocking_rules` (blocking: downstream assets of the run wait for it) and `quality_warnings`
report the GX suite's results with counts and sample failing keys; `undeclared_personal_data`
reports columns holding personal data the catalog does not declare. The run also records the
catalog's scores, the Data Docs page and the departments' feedback files.
"""

import dagster as dg

import quality
from catalog import Resource, delivered_resources
from pipelines.assets import by_department, layer_key
from pipelines.engine_resource import EngineResource
from pipelines.hub_resource import HubResource

__all__ = ["quality_checks"]


def _table(checks: list["quality.CheckOutcome"]) -> dg.MetadataValue:
    lines = ["| check | failed | of | sample keys |", "|---|---|---|---|"]
    for c in checks:
        keys = "; ".join(", ".join(f"{k}={v}" for k, v in s.items()) for s in c.samples[:3])
        lines.append(f"| {c.name} | {c.unexpected} | {c.checked} | {keys} |")
    return dg.MetadataValue.md("\n".join(lines))


def _common(report: "quality.QualityReport") -> dict:
    return {
        "version": report.version,
        "scores": {d: round(v, 4) for d, v in sorted(report.resource_scores.items())},
        "data_docs": dg.MetadataValue.path(str(report.data_docs)),
        "feedback_files": [str(p) for p in report.feedback],
    }


def _verdicts(resource: Resource, report: "quality.QualityReport"):
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


def _specs(resource: Resource) -> list[dg.AssetCheckSpec]:
    key = layer_key("published", resource)
    return [
        dg.AssetCheckSpec("blocking_rules", asset=key, blocking=True,
                          description="Structure, key present and unique, required items."),
        dg.AssetCheckSpec("quality_warnings", asset=key,
                          description="Check digits, code lists, districts, plausible dates "
                          "and amounts, consistency with the ID number."),
        dg.AssetCheckSpec("undeclared_personal_data", asset=key,
                          description="ID, mobile, bank-card numbers or addresses in a "
                          "column the catalog does not declare as such."),
    ]


def _checks_for(department: str, resources: list[Resource]) -> dg.AssetChecksDefinition:
    """A department's checks in one op: each selected resource's quality run, three
    verdicts each."""
    by_key = {layer_key("published", r): r for r in resources}

    @dg.multi_asset_check(name=f"quality__{department}", can_subset=True,
                          specs=[spec for r in resources for spec in _specs(r)])
    def check(context: dg.AssetCheckExecutionContext, hub: HubResource, engine: EngineResource):
        """GX suite of the current version (on the engine's Spark, if it names one); scores
        into the catalog; Data Docs; feedback."""
        selected = {k.asset_key for k in context.selected_asset_check_keys}
        for key, resource in by_key.items():
            if key in selected:
                # A version already judged under today's suite keeps its verdicts.
                report = quality.run_quality(hub.settings, hub.registry, resource,
                                             run_id=context.op_execution_context.run_id[:12],
                                             reuse=True, engine=engine.sql_engine)
                yield from _verdicts(resource, report)

    return check


def quality_checks() -> list[dg.AssetChecksDefinition]:
    return [_checks_for(department, resources)
            for department, resources in by_department(delivered_resources()).items()]
