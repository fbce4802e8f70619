"""The landing sensor: a run for each resource that has new complete batches (or a corrected
re-delivery of a batch it rejected)."""


import hashlib

import dagster as dg

from catalog import delivered_resources
from pipelines.assets import LAYERS, layer_key
from pipelines.hub_resource import HubResource
from pipelines.ingest import pending_deliveries

__all__ = ["landing_sensor"]


@dg.sensor(minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Watches the landing directory; `.part` files are ignored.")
def landing_sensor(context: dg.SensorEvaluationContext, hub: HubResource):
    for resource in delivered_resources():
        pending = pending_deliveries(hub.settings, hub.registry, resource)
        if not pending:
            continue
        new = [d.batch_id for d in pending]
        # A batch delivered again under its id (a corrected rejected batch) is a new run.
        seen = "\n".join(f"{d.batch_id} {d.size_bytes} {d.modified_at.isoformat()}"
                         for d in pending)
        digest = hashlib.sha256(seen.encode()).hexdigest()[:16]
        yield dg.RunRequest(
            run_key=f"{resource.code}:{digest}",
            asset_selection=[layer_key(layer, resource) for layer in LAYERS],
            tags={"resource": resource.code, "batches": ",".join(new)[:200]},
        )
