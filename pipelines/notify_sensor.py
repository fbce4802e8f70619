"""Notifications sent by the Dagster daemon: a sensor that, every `minimum_interval_seconds`,
sends the notifications that are due (`catalog.notify_delivery`) — those the ingestion runs
and the audits recorded, on hubs where no API server runs. It launches no run (it has no
target): its tick's skip message says what it sent."""

import dagster as dg

from catalog.notify_delivery import deliver_due
from pipelines.hub_resource import HubResource

__all__ = ["notify_sensor"]


@dg.sensor(minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Sends the notifications that are due: signed webhooks and e-mail, "
                       "retried with backoff (docs/notifications.md).")
def notify_sensor(context: dg.SensorEvaluationContext, hub: HubResource) -> dg.SkipReason:
    result = deliver_due(hub.registry, hub.settings)
    if result.failed:
        context.log.warning(f"{result.failed} notification(s) failed for good: `hub notify "
                            "log --status failed`")
    return dg.SkipReason(f"notifications: {result.delivered} delivered, {result.retrying} to "
                         f"retry, {result.failed} failed")
