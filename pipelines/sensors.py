"""The landing sensor: a run for each resource that has new complete batches (or a corrected
re-delivery of a batch it rejected).

Its runs are runs of the `ingest_all` job restricted to one resource's family: the daemon
refuses a RunRequest with an asset selection from a sensor that names no target, so the sensor
names the job (by name, as the job is defined beside the `Definitions`).
"""


import hashlib

import dagster as dg

from catalog import delivered_resources
from pipelines.assets import LAYERS, layer_key
from pipelines.hub_resource import HubResource
from pipelines.ingest import pending_by_resource, unknown_folders

__all__ = ["INGEST_JOB", "landing_sensor"]


INGEST_JOB = "ingest_all"


def _loaded_keys(context: dg.SensorEvaluationContext) -> set | None:
    """The asset keys of the definitions this sensor runs in (None when evaluated outside
    them, e.g. called directly)."""
    repository = getattr(context, "repository_def", None)
    return set(repository.asset_graph.get_all_asset_keys()) if repository else None


@dg.sensor(job_name=INGEST_JOB, minimum_interval_seconds=30,
           default_status=dg.DefaultSensorStatus.RUNNING,
           description="Watches the landing directory; `.part` files are ignored.")
def landing_sensor(context: dg.SensorEvaluationContext, hub: HubResource):
    delivered = delivered_resources()
    for name in unknown_folders(hub.settings.landing_dir, delivered):
        context.log.warning(f"landing folder {name!r} is not a resource code: nothing in it is "
                            "read (`hub catalog list` lists the codes)")
    loaded = _loaded_keys(context)
    by_code = {r.code: r for r in delivered}
    for code, pending in pending_by_resource(hub.settings, hub.registry, delivered).items():
        resource = by_code[code]
        if loaded is not None and layer_key(LAYERS[0], resource) not in loaded:
            # Published after these definitions were loaded (a registration): requesting its
            # assets would fail the whole tick. It waits in landing until the reload.
            context.log.warning(f"{resource.code} has deliveries but this Dagster loaded its "
                                "definitions before it was catalogued: reload the code location "
                                "(Deployment → Reload) to ingest them")
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
