"""Open data, for anyone and without signing in: the open datasets, their downloads (after the
open policy's masking) and the whole directory as DCAT-AP JSON-LD. Audited like every route."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse

from catalog.dcat import OPEN_FORMATS, OPEN_PREFIX
from catalog.formats import FORMATS
from exchange import opendata
from exchange.deps import AuditCtx, HubDep
from exchange.paging import Page, PagingDep

router = APIRouter(prefix=OPEN_PREFIX, tags=["open data"])
Code = Annotated[str, Path(max_length=64, pattern=r"^[a-z]+\.[a-z_]+$")]


@router.get("/v1/resources", response_model=Page[dict])
def list_open(hub: HubDep, paging: PagingDep) -> dict:
    """Open datasets: abstract, version, published rows, items published and withheld."""
    return paging.cut(opendata.open_resources(hub))


@router.get("/v1/resources/{code}")
def get_open(code: Code, hub: HubDep) -> dict:
    """One open dataset (its landing page in the DCAT-AP export)."""
    return opendata.open_resource(hub, code)


@router.get("/v1/resources/{code}/data.{fmt}", response_class=StreamingResponse, responses={
    200: {"description": "Every published row, as the open policy lets anyone see it.",
          "content": {FORMATS[f][0]: {} for f in OPEN_FORMATS}}})
async def download(code: Code, fmt: Annotated[str, Path(max_length=16)], hub: HubDep,
                   record: AuditCtx) -> StreamingResponse:
    """Download an open dataset: `data.csv` (UTF-8 with BOM) or `data.parquet`."""
    found = await run_in_threadpool(opendata.open_download, hub, code, fmt, record)
    return StreamingResponse(found.chunks, media_type=found.media_type, headers={
        "Content-Disposition": f'attachment; filename="{found.filename}"',
        "Content-Length": str(found.size),
        "X-Hub-Version": str(found.version), "X-Hub-Policy-Version": found.policy_version})


@router.get("/dcat.jsonld", response_class=StreamingResponse, responses={
    200: {"description": "DCAT-AP 3.0, inline @context.", "content": {"application/ld+json": {}}}})
def dcat(hub: HubDep) -> StreamingResponse:
    """The whole resource directory as DCAT-AP 3.0 JSON-LD, for data portals to harvest
    (streamed: a directory of any size is sent as it is written)."""
    return StreamingResponse(opendata.catalog_jsonld_stream(hub),
                             media_type="application/ld+json")


@router.get("/dcat.ttl", response_class=Response, responses={
    200: {"description": "DCAT-AP 3.0 as Turtle.", "content": {"text/turtle": {}}}})
def dcat_turtle(hub: HubDep) -> Response:
    """The same directory as Turtle (RDF 1.1), for harvesters that read no JSON-LD."""
    return Response(opendata.catalog_rdf(hub, "turtle"), media_type="text/turtle; charset=utf-8")


@router.get("/dcat.rdf", response_class=Response, responses={
    200: {"description": "DCAT-AP 3.0 as RDF/XML.", "content": {"application/rdf+xml": {}}}})
def dcat_rdfxml(hub: HubDep) -> Response:
    """The same directory as RDF/XML (the DCAT-AP harvesters' oldest format)."""
    return Response(opendata.catalog_rdf(hub, "xml"), media_type="application/rdf+xml")
