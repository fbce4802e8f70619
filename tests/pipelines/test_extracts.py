"""Large extracts and subscriptions as Dagster runs: queued by the API, launched by the sensor,
written with a manifest into the lake's delivery area, downloaded through the API."""

from __future__ import annotations

import hashlib
import json

import dagster as dg
import pyarrow.parquet as pq
import pytest

from catalog import Publication, extracts, resource
from exchange.models import AuditEntry
from pipelines.definitions import build_definitions
from pipelines.extracts import delivery_key, delivery_op, extract_sensor
from pipelines.hub_resource import HubResource
from policies import extract
from tests.exchange.conftest import make_api


@pytest.fixture
def api(ingested, tmp_path):
    """An API whose extracts of more than 10 rows are prepared by runs; the pipelines' Dagster
    resource is given the same settings (`_sense`, `_run`), as the definitions bind them."""
    return make_api(ingested, tmp_path / "api", extract_stream_max_rows=10)


def _sense(settings) -> list[dg.RunRequest]:
    hub = HubResource.from_settings(settings)
    with dg.build_sensor_context(resources={"hub": hub}) as context:
        return list(extract_sensor(context).run_requests)


def _run(settings, request: dg.RunRequest) -> dg.ExecuteInProcessResult:
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("extract_orders", [request.partition_key])
    return build_definitions(settings).resolve_job_def("extract_delivery").execute_in_process(
        instance=instance, partition_key=request.partition_key,
        asset_selection=list(request.asset_selection), run_config=request.run_config,
        raise_on_error=False)


def test_a_large_extract_is_queued_run_and_downloaded(api):
    order = api.order(items=["uscc", "name"])
    queued = api.http.get(f"/v1/orders/{order['id']}/extract?format=parquet",
                          headers=api.as_("requester"))
    assert queued.status_code == 202, queued.text
    delivery = queued.json()
    assert queued.headers["location"] == f"/v1/deliveries/{delivery['id']}"
    assert {k: delivery[k] for k in ("order_id", "resource", "format", "status", "rows")} == {
        "order_id": order["id"], "resource": "sj.enterprises", "format": "parquet",
        "status": "queued", "rows": 0}
    early = api.http.get(f"/v1/deliveries/{delivery['id']}/file", headers=api.as_("requester"))
    assert (early.status_code, early.json()) == (409, {"error": {
        "code": "not_ready", "message": "The delivery is queued."}})

    [request] = _sense(api.settings)
    key = delivery_key(resource("sj.enterprises"))
    assert (request.run_key, request.partition_key, list(request.asset_selection)) == (
        delivery["id"], order["id"], [key])
    result = _run(api.settings, request)
    assert result.success
    [materialization] = result.asset_materializations_for_node(
        delivery_op(resource("sj.enterprises")))
    metadata = {k: v.value for k, v in materialization.metadata.items()}
    assert materialization.partition == order["id"]
    assert _sense(api.settings) == []  # launched once

    manifest = api.http.get(f"/v1/deliveries/{delivery['id']}", headers=api.as_("requester"))
    body = manifest.json()
    assert (body["status"], body["rows"], body["sha256"], body["policy_version"]) == (
        "complete", metadata["dagster/row_count"], metadata["sha256"], order["policy_version"])
    folder = api.settings.lake / "deliveries" / "mz" / order["id"] / delivery["id"]
    on_disk = json.loads((folder / "manifest.json").read_text())
    assert (on_disk["rows"], on_disk["sha256"]) == (body["rows"], body["sha256"])

    download = api.http.get(f"/v1/deliveries/{delivery['id']}/file",
                            headers=api.as_("requester"))
    assert download.status_code == 200
    assert hashlib.sha256(download.content).hexdigest() == body["sha256"]
    table = pq.read_table(folder / "extract.parquet")
    hub = api.http.app.state.hub
    expected = extract(api.settings, hub.grants.get_grant(order["grant_id"])).read_all()
    assert table.to_pylist() == expected.to_pylist()  # exactly the grant's masked rows
    assert {"uscc", "name"} <= set(table.column_names) and table.num_rows == body["rows"]
    listed = api.http.get(f"/v1/orders/{order['id']}/deliveries", headers=api.as_("requester"))
    assert [d["id"] for d in listed.json()["items"]] == [delivery["id"]]
    with api.http.app.state.hub.store.session() as s:
        entries = s.query(AuditEntry).filter(
            AuditEntry.route.endswith("/file")).order_by(AuditEntry.seq)
        assert [(e.status, e.rows, e.result_sha256, e.detail.get("phase")) for e in entries] == [
            (409, None, None, None), (200, body["rows"], body["sha256"], "download")]
    again = api.http.get(f"/v1/orders/{order['id']}", headers=api.as_("requester"))
    assert again.json()["calls_used"] == 1  # the download, not the queueing


def _publish_again(api, code: str) -> int:
    """A new published version of `code` (same batches), as the ingestion would record it."""
    registry = api.http.app.state.hub.store.registry
    current = registry.current_publication(code)
    with registry.session() as s:
        s.add(Publication(resource_code=code, version=current.version + 1,
                          batch_ids=current.batch_ids, rows=current.rows))
    return current.version + 1


def test_subscriptions_are_redelivered_on_new_versions_until_revoked(api):
    order = api.order(items=["uscc", "status"], subscribe=True, delivery_format="csv")
    registry = api.http.app.state.hub.store.registry
    [first] = _sense(api.settings)  # subscribing delivers the current version
    assert _run(api.settings, first).success
    assert _sense(api.settings) == []
    version = _publish_again(api, "sj.enterprises")
    [second] = _sense(api.settings)
    assert second.tags == {"order": order["id"], "delivery": second.run_key,
                           "trigger": "subscription"}
    assert extracts.get(registry, second.run_key).publication_version == version
    revoked = api.http.post(f"/v1/orders/{order['id']}/revoke", headers=api.as_("cdo"),
                            json={"reason": "不再需要"})
    assert revoked.status_code == 200, revoked.text
    assert not _run(api.settings, second).success  # revocation stops a queued re-delivery at once
    assert (extracts.get(registry, second.run_key).status,
            extracts.get(registry, second.run_key).error) == ("failed", "grant_inactive")
    _publish_again(api, "sj.enterprises")
    assert _sense(api.settings) == []
    delivered = extracts.get(registry, first.run_key)
    text = (api.settings.lake / delivered.path).read_bytes()
    assert delivered.path.endswith("extract.csv") and text.startswith("\ufeff".encode())
    assert hashlib.sha256(text).hexdigest() == delivered.sha256
