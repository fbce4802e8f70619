"""Dagster assets: one family per delivered resource, raw → standardised → published, built
as one op per department and layer (`dg.multi_asset`, subsettable). `quality` (Great
Expectations) is imported when a step runs, not when the definitions load."""


from collections.abc import Iterable

import dagster as dg

import quality
from catalog import Resource, delivered_resources
from catalog.iceberg import sync_after_publication
from pipelines.engine_resource import EngineResource
from pipelines.hub_resource import HubResource
from pipelines.ingest import BatchOutcome, ingest_raw, publish, standardise

__all__ = ["by_department", "ingestion_assets", "layer_key"]

LAYERS = ("raw", "standardised", "published")


def layer_key(layer: str, resource: Resource) -> dg.AssetKey:
    return dg.AssetKey([layer, resource.table])


def _batches_table(outcomes: list[BatchOutcome]) -> dg.MetadataValue:
    lines = ["| batch | status | rows in | accepted | quarantined | reason |", "|---|---|---|---|---|---|"]
    for o in outcomes:
        lines.append(f"| {o.batch_id} | {o.status} | {o.rows_in} | {o.rows_accepted} | "
                     f"{o.rows_quarantined} | {o.reason or ', '.join(f'{k}: {v}' for k, v in o.by_rule.items())} |")
    return dg.MetadataValue.md("\n".join(lines))


def _tell_departments(hub: HubResource, resource: Resource, outcomes: list[BatchOutcome]) -> None:
    """Every batch rejected whole gets its feedback file with the reason in Chinese; a batch
    read this time loses the file of an earlier rejection (its feedback comes from quality)."""
    rejected = {o.batch_id: o.reason_zh for o in outcomes if o.status == "rejected"}
    for o in outcomes:
        if o.status != "rejected":
            quality.clear_feedback(hub.settings, resource, o.batch_id)
    if not rejected:
        return
    for batch in hub.registry.batches(resource.code):
        if batch.batch_id in rejected:
            quality.write_rejection(hub.settings, resource, batch, rejected[batch.batch_id] or batch.reason)


def _metadata(resource: Resource) -> dict:
    return {
        "resource_code": resource.code,
        "provider": resource.provider.name,
        "sharing": resource.sharing.value,
        "update_cycle": resource.update_cycle.value,
        "load": resource.load.value,
        "dagster/column_schema": dg.TableSchema(columns=[
            dg.TableColumn(name=item.name, type=item.type.value,
                           description=f"{item.zh_name} ({item.sensitivity.value}, {item.grade.value})")
            for item in resource.items
        ]),
    }


_DESCRIPTIONS = {
    "raw": "as delivered: every record with its batch, file, line and file SHA-256.",
    "standardised": "typed and normalised per the contract, originals kept; rows that cannot "
                    "be accepted quarantined with the rule they failed.",
    "published": "the current version analysts and orders read (newest accepted snapshot, "
                 "or every accepted month).",
}


def _specs(resource: Resource) -> list[dg.AssetSpec]:
    """The resource's family, raw → standardised → published, owned and grouped by its
    department, with its column schema."""
    metadata = _metadata(resource)
    specs, upstream = [], []
    for layer in LAYERS:
        name = (f"{resource.name}（{resource.provider.short_name}）" if layer == "raw"
                else f"{resource.name}：")
        specs.append(dg.AssetSpec(
            key=layer_key(layer, resource), deps=upstream, description=name + _DESCRIPTIONS[layer],
            group_name=resource.provider.code, owners=[f"team:{resource.provider.code}"],
            kinds={"parquet", "duckdb"}, tags={"layer": layer, "department": resource.provider.code},
            metadata=metadata))
        upstream = [layer_key(layer, resource)]
    return specs


def _raw(context: dg.AssetExecutionContext, hub: HubResource,
         resource: Resource, engine: EngineResource | None = None) -> dict:
    outcomes = ingest_raw(hub.settings, hub.registry, resource)
    _tell_departments(hub, resource, [o for o in outcomes if o.status != "duplicate"])
    for o in outcomes:
        if o.status == "rejected":
            context.log.warning(f"{resource.code} batch {o.batch_id} rejected: {o.reason}")
    return {
        "new_batches": len(outcomes),
        "rows_delivered": sum(o.rows_in for o in outcomes),
        "rejected": [o.batch_id for o in outcomes if o.status == "rejected"],
        "batches": _batches_table(outcomes),
    }


def _standardised(context: dg.AssetExecutionContext, hub: HubResource,
                  resource: Resource, engine: EngineResource | None = None) -> dict:
    outcomes = standardise(hub.settings, hub.registry, resource,
                           engine=engine.sql_engine if engine else None)
    _tell_departments(hub, resource, [o for o in outcomes if o.status == "rejected"])
    rows_in = sum(o.rows_in for o in outcomes)
    accepted = sum(o.rows_accepted for o in outcomes)
    quarantined = sum(o.rows_quarantined for o in outcomes)
    by_rule: dict[str, int] = {}
    for o in outcomes:
        for rule, n in o.by_rule.items():
            by_rule[rule] = by_rule.get(rule, 0) + n
    return {
        "rows_in": rows_in, "rows_accepted": accepted, "rows_quarantined": quarantined,
        "nothing_lost": rows_in == accepted + quarantined,
        "quarantine_by_rule": by_rule,
        "batches": _batches_table(outcomes),
    }


def _published(context: dg.AssetExecutionContext, hub: HubResource,
               resource: Resource, engine: EngineResource | None = None) -> dict:
    gate = quality.quality_gate(hub.settings, hub.registry)
    publication, refused = publish(hub.settings, hub.registry, resource, context.run_id,
                                   gate=gate)
    _tell_departments(hub, resource, refused)
    hub.refresh_analyst_db()
    # The Iceberg table follows the committed publication; a failure only delays it.
    iceberg = sync_after_publication(hub.settings, hub.registry, resource)
    metadata: dict = {"refused_batches": [o.batch_id for o in refused],
                      "refused_reasons": [o.reason for o in refused],
                      "iceberg": iceberg.summary()}
    if publication is not None:
        metadata.update({
            "version": publication.version,
            "batch_ids": list(publication.batch_ids),
            "dagster/row_count": publication.rows,
            "view": f"published.{resource.table}",
        })
    return metadata


_STEPS = {"raw": _raw, "standardised": _standardised, "published": _published}


def by_department(resources: Iterable[Resource]) -> dict[str, list[Resource]]:
    """Resources grouped by providing department, in directory order."""
    grouped: dict[str, list[Resource]] = {}
    for resource in resources:
        grouped.setdefault(resource.provider.code, []).append(resource)
    return grouped


def _layer(layer: str, department: str, resources: list[Resource],
           specs: list[dg.AssetSpec]) -> dg.AssetsDefinition:
    """One layer of a department's families: a single op that materialises the resources
    selected (a run for one resource runs that resource's step only)."""
    step = _STEPS[layer]
    by_key = {layer_key(layer, r): r for r in resources}

    @dg.multi_asset(name=f"{layer}__{department}", specs=specs, can_subset=True,
                    description=f"{layer}: the {department} department's resources.")
    def family(context: dg.AssetExecutionContext, hub: HubResource, engine: EngineResource):
        for key, resource in by_key.items():
            if key in context.selected_asset_keys:
                yield dg.MaterializeResult(asset_key=key,
                                           metadata=step(context, hub, resource, engine=engine))

    return family


def ingestion_assets() -> list[dg.AssetsDefinition]:
    """Per department, one op per layer holding that department's families (one asset per
    resource and layer): a city of 10,000 resources is ~150 ops, not 30,000 (which took Dagster
    minutes to build), with the same keys, owners, groups, lineage and checks."""
    out = []
    for department, resources in by_department(delivered_resources()).items():
        specs = [_specs(r) for r in resources]
        for n, layer in enumerate(LAYERS):
            out.append(_layer(layer, department, resources, [f[n] for f in specs]))
    return out
