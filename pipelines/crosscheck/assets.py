"""The cross-check as a Dagster asset, its job (on demand) and its monthly schedule."""

from pathlib import Path

import dagster as dg

from catalog import resource
from catalog.resources import CROSSCHECK_FLAGS
from pipelines.assets import layer_key
from pipelines.crosscheck.service import new_run_id, run_crosscheck
from pipelines.engine_resource import EngineResource
from pipelines.hub_resource import HubResource
from policies.crosscheck_config import load_crosscheck_config

__all__ = ["CROSSCHECK_KEY", "crosscheck_flags", "crosscheck_job", "crosscheck_schedule"]

CROSSCHECK_KEY = dg.AssetKey(["crosscheck", "flags"])


class CrosscheckRunConfig(dg.Config):
    policy_path: str = ""  # empty: the default policy, policies/crosscheck.toml


def _table(rows: dict[str, int]) -> dg.MetadataValue:
    lines = ["| | count |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows.items())]
    return dg.MetadataValue.md("\n".join(lines))


@dg.asset(
    key=CROSSCHECK_KEY, group_name="mz", owners=["team:mz"], kinds={"parquet", "duckdb"},
    deps=[layer_key("published", resource(code)) for code in resource(CROSSCHECK_FLAGS).derived_from],
    tags={"layer": "derived", "department": "mz"},
    metadata={"resource_code": CROSSCHECK_FLAGS, "view": f"published.{resource(CROSSCHECK_FLAGS).table}"},
)
def crosscheck_flags(context: dg.AssetExecutionContext, config: CrosscheckRunConfig,
                     hub: HubResource, engine: EngineResource) -> dg.MaterializeResult:
    """社会救助数据比对: doubtful active cases, each with a reason and evidence, for review."""
    policy = load_crosscheck_config(Path(config.policy_path) if config.policy_path else None)
    result = run_crosscheck(hub.settings, hub.registry, new_run_id(context.run_id), policy,
                            engine=engine.sql_engine)
    hub.refresh_analyst_db()
    return dg.MaterializeResult(metadata={
        "run_id": result.run_id,
        "version": result.version,
        "reference_month": result.reference_month or "",
        "policy_version": policy.version,
        "dagster/row_count": result.rows,
        "flags_per_rule": _table(result.raised),
        "suppressed_dismissed": _table(result.suppressed),
        "unlinked_records": _table(result.unlinked),
        "salvaged_quarantined_rows": _table(result.salvaged),
        "inputs_version": _table({k: v or 0 for k, v in result.inputs.items()}),
        "seconds": _table(result.seconds),
        "path": dg.MetadataValue.path(result.flags_path),
    })


crosscheck_job = dg.define_asset_job(
    "crosscheck", selection=dg.AssetSelection.assets(CROSSCHECK_KEY),
    description="Cross-check active assistance cases against the published resources.",
)

crosscheck_schedule = dg.ScheduleDefinition(
    name="crosscheck_monthly", job=crosscheck_job, cron_schedule="0 6 2 * *",
    execution_timezone="Asia/Shanghai", default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Monthly, the day after the monthly deliveries (2nd, 06:00 Beijing time).",
)
