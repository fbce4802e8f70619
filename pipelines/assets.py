"""Dagster assets: one family per delivered resource, raw → standardised → published."""


import dagster as dg

from catalog import Resource, delivered_resources
from pipelines.hub_resource import HubResource
from pipelines.ingest import BatchOutcome, ingest_raw, publish, standardise
from quality import clear_feedback, quality_gate, write_rejection

__all__ = ["ingestion_assets", "layer_key"]

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
            clear_feedback(hub.settings, resource, o.batch_id)
    if not rejected:
        return
    for batch in hub.registry.batches(resource.code):
        if batch.batch_id in rejected:
            write_rejection(hub.settings, resource, batch, rejected[batch.batch_id] or batch.reason)


def _common(resource: Resource, layer: str) -> dict:
    return {
        "key": layer_key(layer, resource),
        "group_name": resource.provider.code,
        "owners": [f"team:{resource.provider.code}"],
        "kinds": {"parquet", "duckdb"},
        "tags": {"layer": layer, "department": resource.provider.code},
        "metadata": {
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
        },
    }


def _family(resource: Resource) -> list[dg.AssetsDefinition]:
    @dg.asset(**_common(resource, "raw"),
              description=f"{resource.name}（{resource.provider.short_name}）as delivered: every "
              "record with its batch, file, line and file SHA-256.")
    def raw(context: dg.AssetExecutionContext, hub: HubResource) -> dg.MaterializeResult:
        outcomes = ingest_raw(hub.settings, hub.registry, resource)
        _tell_departments(hub, resource, [o for o in outcomes if o.status != "duplicate"])
        for o in outcomes:
            if o.status == "rejected":
                context.log.warning(f"{resource.code} batch {o.batch_id} rejected: {o.reason}")
        return dg.MaterializeResult(metadata={
            "new_batches": len(outcomes),
            "rows_delivered": sum(o.rows_in for o in outcomes),
            "rejected": [o.batch_id for o in outcomes if o.status == "rejected"],
            "batches": _batches_table(outcomes),
        })

    @dg.asset(**_common(resource, "standardised"), deps=[raw],
              description=f"{resource.name}: typed and normalised per the contract, originals "
              "kept; rows that cannot be accepted quarantined with the rule they failed.")
    def standardised(context: dg.AssetExecutionContext, hub: HubResource) -> dg.MaterializeResult:
        outcomes = standardise(hub.settings, hub.registry, resource)
        _tell_departments(hub, resource, [o for o in outcomes if o.status == "rejected"])
        rows_in = sum(o.rows_in for o in outcomes)
        accepted = sum(o.rows_accepted for o in outcomes)
        quarantined = sum(o.rows_quarantined for o in outcomes)
        by_rule: dict[str, int] = {}
        for o in outcomes:
            for rule, n in o.by_rule.items():
                by_rule[rule] = by_rule.get(rule, 0) + n
        return dg.MaterializeResult(metadata={
            "rows_in": rows_in, "rows_accepted": accepted, "rows_quarantined": quarantined,
            "nothing_lost": rows_in == accepted + quarantined,
            "quarantine_by_rule": by_rule,
            "batches": _batches_table(outcomes),
        })

    @dg.asset(**_common(resource, "published"), deps=[standardised],
              description=f"{resource.name}: the current version analysts and orders read "
              "(newest accepted snapshot, or every accepted month).")
    def published(context: dg.AssetExecutionContext, hub: HubResource) -> dg.MaterializeResult:
        gate = quality_gate(hub.settings, hub.registry)
        publication, refused = publish(hub.settings, hub.registry, resource, context.run_id,
                                       gate=gate)
        _tell_departments(hub, resource, refused)
        hub.refresh_analyst_db()
        metadata: dict = {"refused_batches": [o.batch_id for o in refused],
                          "refused_reasons": [o.reason for o in refused]}
        if publication is not None:
            metadata.update({
                "version": publication.version,
                "batch_ids": list(publication.batch_ids),
                "dagster/row_count": publication.rows,
                "view": f"published.{resource.table}",
            })
        return dg.MaterializeResult(metadata=metadata)

    return [raw, standardised, published]


def ingestion_assets() -> list[dg.AssetsDefinition]:
    return [a for r in delivered_resources() for a in _family(r)]
