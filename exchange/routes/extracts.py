"""Fulfilment: bulk extracts of an approved order (streamed, or prepared by a Dagster run when
the resource is large), their manifests, and the download of prepared ones."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse

from catalog.extracts import PreparedExtract
from catalog.formats import FORMATS
from exchange import fulfilment
from exchange.deps import AuditCtx, CurrentCaller, HubDep
from exchange.models import Delivery
from exchange.paging import Page, PagingDep
from exchange.schemas import DeliveryOut

router = APIRouter(prefix="/v1", tags=["fulfilment"])
Format = Literal["parquet", "csv", "csv-gb18030", "arrow"]


def _out(item: Delivery | PreparedExtract) -> DeliveryOut:
    return DeliveryOut(id=item.id, order_id=item.order_id, resource=item.resource_code,
                       format=item.format, status=item.status, rows=item.rows, bytes=item.bytes,
                       sha256=item.sha256, policy_version=item.policy_version,
                       started_at=item.started_at, completed_at=item.completed_at)


@router.get("/orders/{order_id}/extract", response_class=StreamingResponse, responses={
    200: {"description": "The extract; its manifest is at /v1/deliveries/{X-Delivery-Id}.",
          "content": {media: {} for media, _ in FORMATS.values()}},
    202: {"model": DeliveryOut, "description": "Too large to stream: queued as a Dagster run; "
          "download `/v1/deliveries/{id}/file` once its status is `complete`."}})
async def extract(order_id: Annotated[str, Path(max_length=64)], caller: CurrentCaller,
                  hub: HubDep, record: AuditCtx,
                  format: Annotated[Format, Query(description="parquet | csv (UTF-8 with BOM) | "
                                                  "csv-gb18030 | arrow (IPC stream)")] = "parquet",
                  ) -> Response:
    """Download the order's rows, masked and filtered exactly as its grant allows."""
    stream = await run_in_threadpool(fulfilment.start_extract, hub, caller, order_id, format,
                                     record)
    if isinstance(stream, PreparedExtract):
        return JSONResponse(_out(stream).model_dump(mode="json"), status_code=202,
                            headers={"Location": f"/v1/deliveries/{stream.id}"})
    media, suffix = FORMATS[format]
    name = f"{stream.order.resource_code}-{stream.delivery.id}.{suffix}"
    return StreamingResponse(stream.chunks, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "X-Delivery-Id": stream.delivery.id,
        "X-Hub-Policy-Version": stream.delivery.policy_version or ""})


@router.get("/orders/{order_id}/deliveries", response_model=Page[DeliveryOut])
def order_deliveries(order_id: Annotated[str, Path(max_length=64)], caller: CurrentCaller,
                     hub: HubDep, paging: PagingDep) -> dict:
    """Every extract delivered under the order, with manifests."""
    return paging.cut([_out(d) for d in fulfilment.deliveries(hub, caller, order_id)])


@router.get("/deliveries/{delivery_id}", response_model=DeliveryOut)
def delivery(delivery_id: Annotated[str, Path(max_length=64)], caller: CurrentCaller,
             hub: HubDep) -> DeliveryOut:
    """A delivery's manifest: rows, bytes, SHA-256 of the bytes sent, policy version."""
    return _out(fulfilment.delivery(hub, caller, delivery_id))


@router.get("/deliveries/{delivery_id}/file", response_class=FileResponse, responses={
    200: {"description": "A prepared extract's file; its manifest is the delivery.",
          "content": {media: {} for media, _ in FORMATS.values()}}})
async def delivery_file(delivery_id: Annotated[str, Path(max_length=64)], caller: CurrentCaller,
                        hub: HubDep, record: AuditCtx) -> FileResponse:
    """Download a prepared extract (large extracts, subscriptions); each download is a use."""
    found = await run_in_threadpool(fulfilment.download, hub, caller, delivery_id, record)
    media, suffix = FORMATS[found.item.format]
    return FileResponse(found.path, media_type=media,
                        filename=f"{found.item.resource_code}-{found.item.id}.{suffix}",
                        headers={"X-Delivery-Id": found.item.id,
                                 "X-Hub-Policy-Version": found.item.policy_version or ""})
