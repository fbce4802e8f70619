"""Large extracts and subscriptions as Dagster runs.

One `delivery/<table>` asset per shared resource (one op per department holds them), downstream of `published/<table>` (the UI
shows the lineage) and partitioned by order: a run writes one order's extract — the rows of
its grant, masked and filtered by the policy engine — and a manifest into the lake's delivery
area. `extract_sensor` launches a run per queued extract (`catalog.extracts`) and queues a
re-delivery for each subscription whose resource has a newer publication.
"""

import json
import time

import dagster as dg

from catalog import (
    HubSettings,
    Registry,
    Resource,
    SharingAttribute,
    delivered_resources,
    extracts,
    resource,
)
from catalog.formats import FORMATS, Encoded, encode
from catalog.lake import Lake
from pipelines.assets import by_department, layer_key
from pipelines.engine_resource import EngineResource
from pipelines.hub_resource import HubResource
from pipelines.spark_engine import SparkEngine
from policies import GrantStore, PolicyError, extract

__all__ = ["EXTRACT_ORDERS", "delivery_assets", "delivery_key", "delivery_op", "extract_job",
           "extract_sensor", "fulfil"]

EXTRACT_ORDERS = dg.DynamicPartitionsDefinition(name="extract_orders")
DELIVERIES = "deliveries"  # the lake's delivery area: <lake>/deliveries/<dept>/<order>/<id>/


def delivery_key(resource: Resource) -> dg.AssetKey:
    return dg.AssetKey(["delivery", resource.table])


def _shared() -> list[Resource]:
    return [r for r in delivered_resources() if r.sharing is not SharingAttribute.NOT_SHARED]


class ExtractRunConfig(dg.Config):
    delivery_id: str  # a queued row of catalog.extracts


def _write(settings: HubSettings, registry: Registry, store: GrantStore,
           item: extracts.PreparedExtract, engine: SparkEngine | None) -> dict:
    grant = store.get_grant(item.grant_id)
    if grant is None:
        raise PolicyError("grant_inactive")
    reader = extract(settings, grant, engine=engine)
    publication = registry.current_publication(item.resource_code)
    lake, totals = Lake(settings), Encoded()
    data = f"extract.{FORMATS[item.format][1]}"
    relative = f"{DELIVERIES}/{item.department}/{item.order_id}/{item.id}"
    with lake.staging() as staged:
        with (staged / data).open("wb") as out:
            for chunk in encode(reader, item.format, totals):
                out.write(chunk)
        manifest = {"delivery": item.id, "order_id": item.order_id, "grant_id": grant.id,
                    "resource": item.resource_code, "format": item.format,
                    "path": f"{relative}/{data}", "rows": totals.rows, "bytes": totals.bytes,
                    "sha256": totals.sha256, "policy_version": grant.policy_version,
                    "publication_version": publication.version if publication else None}
        (staged / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
        lake.promote(staged, settings.lake / relative)
    return manifest


def fulfil(settings: HubSettings, registry: Registry, delivery_id: str,
           engine: SparkEngine | None = None) -> dict:
    """Write a queued extract and its manifest (atomically: staged, then renamed) and complete
    its row; the rows computed on `engine` (Spark) if given, else on DuckDB. A grant no longer
    usable (revoked, expired, cancelled order) fails it instead."""
    item = extracts.get(registry, delivery_id)
    store = GrantStore(registry)
    started = time.perf_counter()
    try:
        manifest = _write(settings, registry, store, item, engine)
    except Exception as exc:
        extracts.fail(registry, delivery_id, getattr(exc, "code", type(exc).__name__))
        raise
    extracts.complete(registry, delivery_id, path=manifest["path"], rows=manifest["rows"],
                      size=manifest["bytes"], sha256=manifest["sha256"],
                      policy_version=manifest["policy_version"],
                      publication_version=manifest["publication_version"])
    store.record_query(surface="extract", subject=f"pipeline:{item.trigger}",
                       department=item.department, roles=[], district=None,
                       grant_ids=[item.grant_id], policy_version=manifest["policy_version"],
                       original_sql=f"extract {item.id}", outcome="ok", rows=manifest["rows"],
                       elapsed_ms=(time.perf_counter() - started) * 1000)
    return manifest


def delivery_op(declared: Resource) -> str:
    """The op that writes the resource's extracts: one per providing department."""
    return f"{DELIVERIES}__{declared.provider.code}"


def _spec(declared: Resource) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=delivery_key(declared), deps=[layer_key("published", declared)],
        group_name=DELIVERIES, owners=[f"team:{declared.provider.code}"], kinds={"parquet"},
        tags={"layer": "delivery", "department": declared.provider.code},
        metadata={"resource_code": declared.code},
        description=f"{declared.name}: an order's extract (partition = order), masked and "
        "filtered by its grant, with a manifest.")


def _delivery_assets(department: str, shared: list[Resource]) -> dg.AssetsDefinition:
    keys = [delivery_key(r) for r in shared]

    @dg.multi_asset(name=f"{DELIVERIES}__{department}", specs=[_spec(r) for r in shared],
                    partitions_def=EXTRACT_ORDERS, can_subset=True,
                    description=f"Extracts of the {department} department's shared resources.")
    def delivery(context: dg.AssetExecutionContext, config: ExtractRunConfig,
                 hub: HubResource, engine: EngineResource):
        manifest = fulfil(hub.settings, hub.registry, config.delivery_id, engine.sql_engine)
        [key] = [k for k in keys if k in context.selected_asset_keys]
        yield dg.MaterializeResult(asset_key=key, metadata={
            "delivery": manifest["delivery"], "grant_id": manifest["grant_id"],
            "format": manifest["format"], "dagster/row_count": manifest["rows"],
            "bytes": manifest["bytes"], "sha256": manifest["sha256"],
            "policy_version": manifest["policy_version"],
            "publication_version": manifest["publication_version"] or 0,
        })

    return delivery


def delivery_assets() -> list[dg.AssetsDefinition]:
    """Per department, one op holding its shared resources' delivery assets."""
    return [_delivery_assets(department, shared)
            for department, shared in by_department(_shared()).items()]


extract_job = dg.define_asset_job(
    "extract_delivery", selection=dg.AssetSelection.groups(DELIVERIES),
    partitions_def=EXTRACT_ORDERS,
    description="Write one order's extract and manifest into the lake's delivery area.",
)


def _run_request(item: extracts.PreparedExtract) -> dg.RunRequest:
    key = delivery_key(resource(item.resource_code))
    return dg.RunRequest(
        run_key=item.id, partition_key=item.order_id, asset_selection=[key],
        run_config={"ops": {delivery_op(resource(item.resource_code)): {
            "config": {"delivery_id": item.id}}}},
        tags={"order": item.order_id, "delivery": item.id, "trigger": item.trigger})


@dg.sensor(job=extract_job, minimum_interval_seconds=30,
           default_status=dg.DefaultSensorStatus.RUNNING,
           description="Runs queued large extracts; re-delivers subscriptions on new versions.")
def extract_sensor(context: dg.SensorEvaluationContext, hub: HubResource) -> dg.SensorResult:
    registry, shared = hub.registry, {r.code for r in _shared()}
    store = GrantStore(registry)
    for subscription, version in extracts.subscriptions_due(registry):
        grant = store.get_grant(subscription.grant_id)
        if grant is None or not grant.is_usable() or subscription.resource_code not in shared:
            continue
        with registry.session() as s:
            extracts.queue(s, order_id=subscription.order_id, grant_id=grant.id,
                           resource_code=subscription.resource_code,
                           department=subscription.department, fmt=subscription.format,
                           trigger="subscription", publication_version=version)
    pending = [i for i in extracts.queued(registry) if i.resource_code in shared]
    return dg.SensorResult(
        run_requests=[_run_request(i) for i in pending],
        dynamic_partitions_requests=[EXTRACT_ORDERS.build_add_request(
            sorted({i.order_id for i in pending}))] if pending else [])
