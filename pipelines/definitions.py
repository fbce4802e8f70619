"""The hub's one Dagster `Definitions` object (`dagster dev -m pipelines.definitions`).

The definitions are the one place settings enter Dagster: `build_definitions(settings)` binds
them as the `hub` resource's configuration. The `hub` command and tests call it with their
settings; the module's `defs`, which `dagster dev` and the daemon's code server load in their
own processes, is built from that process's settings (`get_settings()`, the `HUB_*`
environment `hub dev` hands down).
"""

from __future__ import annotations

import dagster as dg

from catalog import HubSettings, get_settings
from catalog.city import serve
from pipelines.assets import ingestion_assets
from pipelines.audits import (
    AUDITS_GROUP,
    audit_assets,
    audit_jobs,
    audit_schedules,
    audits_job,
    installed_audits,
)
from pipelines.crosscheck.assets import (
    CROSSCHECK_KEY,
    crosscheck_flags,
    crosscheck_job,
    crosscheck_schedule,
)
from pipelines.engine_resource import EngineResource
from pipelines.extracts import DELIVERIES, delivery_assets, extract_job, extract_sensor
from pipelines.hub_resource import HubResource
from pipelines.notify_sensor import notify_sensor
from pipelines.quality_checks import quality_checks
from pipelines.sensors import INGEST_JOB, landing_sensor

__all__ = ["build_definitions", "defs", "ingest_all_job"]

ingest_all_job = dg.define_asset_job(
    INGEST_JOB, selection=dg.AssetSelection.all() - dg.AssetSelection.assets(CROSSCHECK_KEY)
    - dg.AssetSelection.groups(DELIVERIES) - dg.AssetSelection.groups(AUDITS_GROUP),
    description="Ingest every new batch of every resource and publish.",
)

# Every job runs its steps in the run's own process. Dagster's default executor starts a fresh
# Python per step, and each one imports the hub (Dagster, Great Expectations, DuckDB: ~8 s), so a
# daemon-launched ingest of a 100 000-person city took 177 s instead of 41 s (bench/launch.py);
# the steps' own parallelism is DuckDB's, and two runs still run side by side (dagster.yaml).
EXECUTOR = dg.in_process_executor


def build_definitions(settings: HubSettings) -> dg.Definitions:
    """Every asset, check, job, schedule and sensor, with `settings` as the `hub` resource:
    one asset family per resource of the home's city (`catalog.city`), as declared now."""
    serve(settings.home)
    audits = installed_audits()
    jobs = audit_jobs(audits)
    return dg.Definitions(
        assets=[*ingestion_assets(), crosscheck_flags, *delivery_assets(), *audit_assets(audits)],
        asset_checks=quality_checks(),
        jobs=[ingest_all_job, crosscheck_job, extract_job, audits_job, *jobs.values()],
        schedules=[crosscheck_schedule, *audit_schedules(audits, jobs)],
        sensors=[landing_sensor, extract_sensor, notify_sensor],
        resources={"hub": HubResource.from_settings(settings),
                   "engine": EngineResource.from_settings(settings)},
        executor=EXECUTOR,
    )


defs = build_definitions(get_settings())
