"""The hub's one Dagster `Definitions` object (`dagster dev -m pipelines.definitions`)."""

from __future__ import annotations

import dagster as dg

from pipelines.assets import ingestion_assets
from pipelines.hub_resource import HubResource
from pipelines.sensors import landing_sensor

__all__ = ["defs", "ingest_all_job"]

ingest_all_job = dg.define_asset_job(
    "ingest_all", selection=dg.AssetSelection.all(),
    description="Ingest every new batch of every resource and publish.",
)

defs = dg.Definitions(
    assets=ingestion_assets(),
    jobs=[ingest_all_job],
    sensors=[landing_sensor],
    resources={"hub": HubResource()},
)
