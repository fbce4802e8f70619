"""Open data (政务数据开放): what anyone may see and download without signing in, and the
DCAT-AP export of the whole directory.

A resource is open when its entry is published and its open attribute allows it
(`catalog.entries.is_open`), it has a published version, and the open policy lets it out
(`policies.open_items`). Downloads are the rows `policies.open_extract` reads — the one
policy engine every extract goes through — as CSV (UTF-8 with BOM) or Parquet, encoded once per
published version and open read and then served as a file (anyone may ask for them, as often as
they like); each is in the audit log when it starts (the middleware) and when it ends, with its
rows and SHA-256.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from io import BufferedReader
from pathlib import Path

from sqlalchemy import select

from catalog import RESOURCES, OpenAttribute, Publication, Resource, entries
from catalog.dcat import OPEN_FORMATS, dcat_catalog, dcat_stream, download_path, landing_path
from catalog.formats import FORMATS, Encoded, encode
from catalog.i18n import _, lazy
from catalog.lake import connect, write_json
from catalog.timefmt import beijing_iso
from exchange.audit_log import AuditRecord
from exchange.context import Hub
from exchange.errors import ApiError
from policies import (
    OPEN_PURPOSE,
    Decision,
    PolicyError,
    default_policy,
    open_extract,
    open_extract_digest,
    open_items,
)

__all__ = ["OpenDownload", "catalog_jsonld", "catalog_jsonld_stream", "open_download",
           "open_resource", "open_resources"]

_NOT_OPEN = lazy("No such open dataset.")
_CHUNK = 1 << 20


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
    size: int
    chunks: Iterator[bytes]


@dataclass(frozen=True)
class _File:
    """An encoded download: its open file, and what the audit log records of it."""

    handle: BufferedReader
    rows: int
    size: int
    sha256: str


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
        "published_at": beijing_iso(found.publication.published_at),
        "items": [{"name": d.item, "zh_name": items[d.item].zh_name,
                   "description": items[d.item].description, "type": items[d.item].type.value}
                  for d in found.published],
        "withheld": [{"name": d.item, "zh_name": items[d.item].zh_name, "rule": d.rule}
                     for d in found.withheld],
        "page": landing_path(r.code),
        "downloads": {fmt: download_path(r.code, fmt) for fmt in OPEN_FORMATS},
    }


def _may_be_open(hub: Hub) -> list[str]:
    """The codes `_open` needs to look at, by code: an open attribute that allows it and a
    published version (one query, not two per resource of the directory)."""
    with hub.store.registry.session() as s:
        published = set(s.scalars(select(Publication.resource_code).distinct()))
    return [code for code in sorted(published & RESOURCES.keys())
            if RESOURCES[code].open is not OpenAttribute.NOT_OPEN]


def open_resources(hub: Hub) -> list[dict]:
    """Every open dataset: text, version, published rows, the items published and withheld."""
    return [_describe(found) for code in _may_be_open(hub)
            if (found := _open(hub, code)) is not None]


def open_resource(hub: Hub, code: str) -> dict:
    """One open dataset (404 for a resource that is not open, or unknown)."""
    found = _open(hub, code)
    if found is None:
        raise ApiError(404, "not_found", str(_NOT_OPEN))
    return _describe(found)


def _downloadable(hub: Hub) -> set[str]:
    return {code for code in _may_be_open(hub) if _open(hub, code) is not None}


def catalog_jsonld(hub: Hub) -> dict:
    """The whole directory as DCAT-AP 3.0 JSON-LD; downloads for exactly the open datasets."""
    return dcat_catalog(hub.store.registry, hub.settings, _downloadable(hub))


def catalog_jsonld_stream(hub: Hub) -> Iterator[bytes]:
    """`catalog_jsonld` as JSON bytes, written a node at a time (`catalog.dcat.dcat_stream`)."""
    return dcat_stream(hub.store.registry, hub.settings, _downloadable(hub))


def catalog_rdf(hub: Hub, fmt: str) -> bytes:
    """`catalog_jsonld` in another RDF syntax (`turtle`, `xml`), converted by rdflib from the
    JSON-LD, whose @context is inline: nothing is fetched."""
    from rdflib import Graph  # only for these two routes

    graph = Graph().parse(data=json.dumps(catalog_jsonld(hub), ensure_ascii=False),
                          format="json-ld")
    return graph.serialize(format=fmt, encoding="utf-8")


def open_download(hub: Hub, code: str, fmt: str, record: AuditRecord) -> OpenDownload:
    """Start the download of an open dataset; 404 for anything else or another format."""
    record.resource_code, record.purpose = code[:64], OPEN_PURPOSE
    found = _open(hub, code)
    if found is None:
        raise ApiError(404, "not_found", str(_NOT_OPEN))
    if fmt not in OPEN_FORMATS:
        raise ApiError(404, "not_found", _("No such format: use one of {formats}.",
                                                     formats=", ".join(OPEN_FORMATS)))
    encoded = _encoded(hub, found, fmt)
    policy_version = default_policy().version
    record.items = [d.item for d in found.published]
    record.detail = {"format": fmt, "version": found.publication.version, "phase": "start",
                     "policy_version": policy_version}
    return OpenDownload(
        code=code, fmt=fmt, media_type=FORMATS[fmt][0],
        filename=f"{code}-v{found.publication.version}.{FORMATS[fmt][1]}",
        version=found.publication.version, policy_version=policy_version, size=encoded.size,
        chunks=_stream(hub, encoded, record))


def _encoded(hub: Hub, found: _Open, fmt: str) -> _File:
    """The download of the current published rows under the current open read, encoded once.

    Files live in `<home>/open/<code>/`, named by the version and a digest of what decides
    the bytes: the analysts' `published` view of the resource (which files) and the open read
    (its SQL and mask keys), so a new version, a changed policy or rotated keys give a new
    file, and the resource's other files are removed then (a download already streaming one
    keeps its open file). A lock per resource makes concurrent first requests encode once."""
    code, table = found.resource.code, found.resource.table
    folder = hub.settings.home / "open" / code
    folder.mkdir(parents=True, exist_ok=True)
    view = _published_view(hub, table)
    digest = hashlib.sha256(f"{view}\n{open_extract_digest(hub.settings, code)}".encode())
    stem = f"v{found.publication.version}-{digest.hexdigest()[:16]}"
    path = folder / f"{stem}.{FORMATS[fmt][1]}"
    facts = folder / f"{stem}.{fmt}.json"  # written last: its presence means the file is whole
    with (folder / ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if facts.exists() and path.exists():
                return _File(path.open("rb"), **json.loads(facts.read_text()))
            encoded, aside = _encode(hub, code, fmt, folder)
            if _published_view(hub, table) != view:
                aside.unlink()  # republished meanwhile: serve these rows, keep nothing
                return encoded
            os.replace(aside, path)
            write_json(facts, {"rows": encoded.rows, "size": encoded.size,
                               "sha256": encoded.sha256})
            for other in folder.iterdir():
                if other.name != ".lock" and not other.name.startswith(f"{stem}."):
                    other.unlink(missing_ok=True)
            return encoded
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _published_view(hub: Hub, table: str) -> str:
    """The SQL of `published.<table>` in the analysts' database: the files it reads."""
    with connect(hub.settings, hub.settings.analyst_db, read_only=True) as con:
        found = con.execute("SELECT sql FROM duckdb_views() WHERE schema_name = 'published' "
                            "AND view_name = ?", [table]).fetchall()
    return found[0][0] if found else ""


def _encode(hub: Hub, code: str, fmt: str, folder: Path) -> tuple[_File, Path]:
    """Encode the open read into a new file beside the cache (fsynced), and open it."""
    aside = folder / f".{uuid.uuid4().hex}.partial"
    totals = Encoded()
    reader = open_extract(hub.settings, code)
    try:
        with aside.open("wb") as out:
            for chunk in encode(reader, fmt, totals):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        aside.unlink(missing_ok=True)
        raise
    finally:
        reader.close()
    return _File(aside.open("rb"), totals.rows, totals.bytes, totals.sha256), aside


def _stream(hub: Hub, encoded: _File, started: AuditRecord) -> Iterator[bytes]:
    """The file's bytes; when they are all sent, or the client goes away, the audit log
    records the download as complete (with its rows and SHA-256) or aborted."""
    sent, complete = 0, False
    try:
        while chunk := encoded.handle.read(_CHUNK):
            sent += len(chunk)
            yield chunk
        complete = True
    finally:
        encoded.handle.close()
        hub.audit.append(AuditRecord(
            method="GET", route=started.route, purpose=OPEN_PURPOSE,
            resource_code=started.resource_code, items=list(started.items), decision="allow",
            status=200, rows=encoded.rows if complete else None,
            result_sha256=encoded.sha256 if complete else None,
            detail={**started.detail, "phase": "complete" if complete else "aborted",
                    "bytes": sent}))
