"""Open data (政务数据开放): what anyone may see and download without signing in, and the
DCAT-AP export of the whole directory.

A resource is open when its entry is published and its open attribute allows it
(`catalog.entries.is_open`), it has a published version, and the open policy lets it out
(`policies.open_items`). Downloads stream the rows `policies.open_extract` reads — the one
policy engine every extract goes through — as CSV (UTF-8 with BOM) or Parquet; each is in the
audit log when it starts (the middleware) and when it ends, with its rows and SHA-256.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa

from catalog import RESOURCES, Publication, Resource, entries
from catalog.dcat import OPEN_FORMATS, dcat_catalog, download_path, landing_path
from catalog.formats import FORMATS, Encoded, encode_then
from exchange.audit import AuditRecord
from exchange.context import Hub
from exchange.errors import ApiError
from policies import (
    OPEN_PURPOSE,
    Decision,
    PolicyError,
    default_policy,
    open_extract,
    open_items,
)

__all__ = ["OpenDownload", "catalog_jsonld", "open_download", "open_resource",
           "open_resources"]

_NOT_OPEN = "No such open dataset."


@dataclass(frozen=True)
class _Open:
    resource: Resource  # the effective (reviewed) text
    publication: Publication
    published: tuple[Decision, ...]
    withheld: tuple[Decision, ...]


@dataclass
class OpenDownload:
    """A download under way: headers to send, then the bytes."""

    code: str
    fmt: str
    media_type: str
    filename: str
    version: int
    policy_version: str
    chunks: Iterator[bytes]


def _open(hub: Hub, code: str) -> _Open | None:
    declared = RESOURCES.get(code)
    registry = hub.store.registry
    if declared is None or not entries.is_open(registry, declared):
        return None
    publication = registry.current_publication(code)
    if publication is None:  # nothing delivered yet: nothing to open
        return None
    try:
        published, withheld = open_items(code)
    except PolicyError:  # the open policy does not open it, whatever the attribute says
        return None
    return _Open(entries.effective(declared, registry), publication, published, withheld)


def _describe(found: _Open) -> dict:
    r, items = found.resource, {i.name: i for i in found.resource.items}
    return {
        "code": r.code, "name": r.name, "name_en": r.name_en, "abstract": r.abstract,
        "provider": {"code": r.provider.code, "name": r.provider.name},
        "category": r.category.value, "update_cycle": r.update_cycle.value,
        "open": r.open.value, "open_conditions": r.open_conditions,
        "version": found.publication.version, "rows": found.publication.rows,
        "published_at": found.publication.published_at.isoformat(),
        "items": [{"name": d.item, "zh_name": items[d.item].zh_name,
                   "description": items[d.item].description, "type": items[d.item].type.value}
                  for d in found.published],
        "withheld": [{"name": d.item, "zh_name": items[d.item].zh_name, "rule": d.rule}
                     for d in found.withheld],
        "page": landing_path(r.code),
        "downloads": {fmt: download_path(r.code, fmt) for fmt in OPEN_FORMATS},
    }


def open_resources(hub: Hub) -> list[dict]:
    """Every open dataset: text, version, published rows, the items published and withheld."""
    return [_describe(found) for code in sorted(RESOURCES)
            if (found := _open(hub, code)) is not None]


def open_resource(hub: Hub, code: str) -> dict:
    """One open dataset (404 for a resource that is not open, or unknown)."""
    found = _open(hub, code)
    if found is None:
        raise ApiError(404, "not_found", _NOT_OPEN)
    return _describe(found)


def catalog_jsonld(hub: Hub) -> dict:
    """The whole directory as DCAT-AP 3.0 JSON-LD; downloads for exactly the open datasets."""
    downloadable = {code for code in RESOURCES if _open(hub, code) is not None}
    return dcat_catalog(hub.store.registry, hub.settings, downloadable)


def open_download(hub: Hub, code: str, fmt: str, record: AuditRecord) -> OpenDownload:
    """Start the download of an open dataset; 404 for anything else or another format."""
    record.resource_code, record.purpose = code[:64], OPEN_PURPOSE
    found = _open(hub, code)
    if found is None:
        raise ApiError(404, "not_found", _NOT_OPEN)
    if fmt not in OPEN_FORMATS:
        raise ApiError(404, "not_found", f"No such format: use {' or '.join(OPEN_FORMATS)}.")
    try:
        reader = open_extract(hub.settings, code)
    except PolicyError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None
    policy_version = default_policy().version
    record.items = [d.item for d in found.published]
    record.detail = {"format": fmt, "version": found.publication.version, "phase": "start",
                     "policy_version": policy_version}
    return OpenDownload(
        code=code, fmt=fmt, media_type=FORMATS[fmt][0],
        filename=f"{code}-v{found.publication.version}.{FORMATS[fmt][1]}",
        version=found.publication.version, policy_version=policy_version,
        chunks=_stream(hub, reader, fmt, record))


def _stream(hub: Hub, reader: pa.RecordBatchReader, fmt: str,
            started: AuditRecord) -> Iterator[bytes]:
    def finish(totals: Encoded, complete: bool) -> None:
        hub.audit.append(AuditRecord(
            method="GET", route=started.route, purpose=OPEN_PURPOSE,
            resource_code=started.resource_code, items=list(started.items), decision="allow",
            status=200, rows=totals.rows, result_sha256=totals.sha256 if complete else None,
            detail={**started.detail, "phase": "complete" if complete else "aborted",
                    "bytes": totals.bytes}))

    return encode_then(reader, fmt, finish)
