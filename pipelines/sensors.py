"""The landing sensor: a run for each resource that has new complete batches."""


import hashlib

import dagster as dg

from catalog import delivered_resources
from pipelines.assets import LAYERS, layer_key
from pipelines.hub_resource import HubResource
from pipelines.ingest import find_deliveries

__all__ = ["landing_sensor"]


@dg.sensor(minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Watches the landing directory; `.part` files are ignored.")
def landing_sensor(context: dg.SensorEvaluationContext, hub: HubResource):
    for resource in delivered_resources():
        known = {b.batch_id for b in hub.registry.batches(resource.code)}
        new = [d.batch_id for d in find_deliveries(hub.settings.landing_dir, resource)
               if d.batch_id not in known]
        if not new:
            continue
        digest = hashlib.sha256("\n".join(new).encode()).hexdigest()[:16]
        yield dg.RunRequest(
            run_key=f"{resource.code}:{digest}",
            asset_selection=[layer_key(layer, resource) for layer in LAYERS],
            tags={"resource": resource.code, "batches": ",".join(new)[:200]},
        )
