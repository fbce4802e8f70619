"""The resource directory as DCAT-AP 3.0 JSON-LD, for national and international portals.

Every published entry is a `dcat:Dataset` (a retired entry has left the directory); its access
rights say whether it is public. Open ones carry one CSV and one Parquet distribution — the
downloads of `/open/`, after the open policy's masking — under the open-data licence; the
others carry a single distribution without a download: its access URL is the sharing API's
entry, where government departments order it. The `@context` is inline, so a harvester needs
nothing else and nothing is ever fetched.

Mandatory properties (DCAT-AP 3.0 SHACL shapes, minCount 1): Catalogue dct:title,
dct:description, dct:publisher, dcat:dataset; Dataset dct:title, dct:description; Distribution
dcat:accessURL; Agent foaf:name.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from datetime import datetime

from sqlalchemy import select

from catalog.city import current_city
from catalog.entries import CatalogRevision, effective_all
from catalog.model import Department, Resource, UpdateCycle
from catalog.registry import EntryStatus, Publication, Registry, ResourceEntry
from catalog.resources import DEPARTMENTS, RESOURCES
from catalog.settings import HubSettings
from catalog.timefmt import beijing_iso

__all__ = ["CONTEXT", "OPEN_FORMATS", "OPEN_PREFIX", "dcat_catalog", "dcat_nodes", "dcat_stream",
           "download_path", "landing_path"]

OPEN_PREFIX = "/open"
# format -> (EU file type, IANA media type): what the open downloads are.
OPEN_FORMATS: dict[str, tuple[str, str]] = {
    "csv": ("CSV", "text/csv"),
    "parquet": ("PARQUET", "application/vnd.apache.parquet"),
}

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
_EU = "http://publications.europa.eu/resource/authority/"
_IANA = "https://www.iana.org/assignments/media-types/"
_PUBLISHER_TYPE = "http://purl.org/adms/publishertype/LocalAuthority"

# The update cycle as the EU frequency vocabulary says it (DCAT-AP dct:accrualPeriodicity).
_FREQUENCY = {UpdateCycle.REALTIME: "UPDATE_CONT", UpdateCycle.DAILY: "DAILY",
              UpdateCycle.WEEKLY: "WEEKLY", UpdateCycle.MONTHLY: "MONTHLY",
              UpdateCycle.QUARTERLY: "QUARTERLY", UpdateCycle.YEARLY: "ANNUAL"}
# EU data themes: by providing department, then the resources that differ; a department
# not listed is government and public sector (GOVE).
_THEMES = {"ga": "SOCI", "wj": "HEAL", "rs": "SOCI", "gjj": "ECON", "zr": "REGI", "sj": "ECON",
           "mz": "SOCI", "hub": "GOVE"}
_THEME_OF = {"ga.vehicles": "TRAN"}


def landing_path(code: str) -> str:
    """The public page (JSON) of one open resource."""
    return f"{OPEN_PREFIX}/v1/resources/{code}"


def download_path(code: str, fmt: str) -> str:
    """The public download of one open resource in one of `OPEN_FORMATS`."""
    return f"{landing_path(code)}/data.{fmt}"


def _zh(text: str) -> dict:
    return {"@value": text, "@language": "zh"}


def _en(text: str) -> dict:
    return {"@value": text, "@language": "en"}


def _iri(value: str) -> dict:
    return {"@id": value}


def _moment(value: datetime) -> dict:
    return {"@value": beijing_iso(value, "seconds"),
            "@type": "xsd:dateTime"}


def _agent_id(base: str, department: Department) -> str:
    return f"{base}/catalog/agents/{department.code}"


def _agent(base: str, department: Department) -> dict:
    return {"@id": _agent_id(base, department), "@type": "foaf:Agent",
            "foaf:name": _zh(department.name),
            "dct:type": _iri(_PUBLISHER_TYPE)}


def _distributions(base: str, resource: Resource, open_: bool, licence: str,
                   modified: dict | None) -> list[dict]:
    dataset = f"{base}/catalog/datasets/{resource.code}"
    if not open_:
        terms = f"{resource.sharing.value}：{resource.sharing_conditions or '按批准的申请授权使用'}"
        return [{"@id": f"{dataset}/distributions/sharing", "@type": "dcat:Distribution",
                 "dct:title": _zh(f"{resource.name}（一网共享，按申请授权）"),
                 "dct:description": _zh("政务部门通过一网共享接口申请、经审核后按授权使用；"
                                        "不向社会开放。"),
                 "dcat:accessURL": _iri(f"{base}/v1/resources/{resource.code}"),
                 "dct:rights": {"@type": "dct:RightsStatement", "rdfs:label": _zh(terms)}}]
    out = []
    for fmt, (file_type, media) in OPEN_FORMATS.items():
        url = _iri(base + download_path(resource.code, fmt))
        node = {"@id": f"{dataset}/distributions/{fmt}", "@type": "dcat:Distribution",
                "dct:title": _zh(f"{resource.name}（{file_type}）"),
                "dct:description": _zh("全部已发布记录，按开放策略脱敏：个人信息不开放。"
                                       + (f"开放条件：{resource.open_conditions}。"
                                          if resource.open_conditions else "")),
                "dcat:accessURL": url, "dcat:downloadURL": url,
                "dct:format": _iri(f"{_EU}file-type/{file_type}"),
                "dcat:mediaType": _iri(_IANA + media), "dct:license": _iri(licence)}
        if resource.open_conditions:
            node["dct:rights"] = {"@type": "dct:RightsStatement",
                                  "rdfs:label": _zh(resource.open_conditions)}
        if modified:
            node["dct:modified"] = modified
        out.append(node)
    return out


def _modified(publication: Publication | None, revised: datetime | None) -> dict | None:
    """When a dataset last changed: its newest publication or its latest published revision."""
    moments = [m for m in (publication.published_at if publication else None, revised)
               if m is not None]
    return _moment(max(moments)) if moments else None


def _dataset(base: str, resource: Resource, open_: bool, licence: str,
             publication: Publication | None, revised: datetime | None) -> dict:
    modified = _modified(publication, revised)
    node = {
        "@id": f"{base}/catalog/datasets/{resource.code}", "@type": "dcat:Dataset",
        "dct:identifier": resource.code,
        "dct:title": [_zh(resource.name), _en(resource.name_en)],
        "dct:description": _zh(resource.abstract),
        "dct:publisher": _iri(_agent_id(base, resource.provider)),
        "dcat:contactPoint": {"@type": "vcard:Organization", "vcard:fn": resource.provider.name},
        "dcat:keyword": [_zh(k) for k in dict.fromkeys(
            [resource.name, resource.provider.short_name, *(i.zh_name for i in resource.items)])],
        "dcat:theme": _iri(f"{_EU}data-theme/"
                           f"{_THEME_OF.get(resource.code, _THEMES.get(resource.provider.code, 'GOVE'))}"),
        "dct:accessRights": _iri(f"{_EU}access-right/{'PUBLIC' if open_ else 'NON_PUBLIC'}"),
        "dct:accrualPeriodicity": _iri(f"{_EU}frequency/{_FREQUENCY[resource.update_cycle]}"),
        "dct:issued": {"@value": resource.release_date.isoformat(), "@type": "xsd:date"},
        "dcat:distribution": _distributions(base, resource, open_, licence, modified),
    }
    if modified:
        node["dct:modified"] = modified
    if publication:
        node["dcat:version"] = str(publication.version)
    if open_:
        node["dcat:landingPage"] = _iri(base + landing_path(resource.code))
    return node


def dcat_nodes(registry: Registry, settings: HubSettings, downloadable: Collection[str],
               ) -> Iterator[dict]:
    """The document's `@graph` node by node — the catalogue, each dataset, the agents — so a
    directory of 10,000 entries is written as it is made (`dcat_stream`), never held whole.
    The registry is read before the first node."""
    base = settings.public_base_url or settings.api_issuer
    with registry.session() as s:
        statuses = {e.code: EntryStatus(e.status) for e in s.scalars(select(ResourceEntry))}
        current = {p.resource_code: p for p in s.scalars(
            select(Publication).order_by(Publication.version))}
    text = effective_all(registry)  # also creates the revisions' table if it is missing
    with registry.session() as s:
        revised = dict(s.execute(
            select(CatalogRevision.resource_code, CatalogRevision.decided_at)
            .where(CatalogRevision.status == EntryStatus.PUBLISHED.value)
            .order_by(CatalogRevision.decided_at)).all())
    listed = [code for code in RESOURCES
              if statuses.get(code, EntryStatus.PUBLISHED) is EntryStatus.PUBLISHED]
    city = current_city().profile
    publishers = {RESOURCES[code].provider.code for code in listed} | {city.data_authority}
    modified = [m["@value"] for code in listed
                if (m := _modified(current.get(code), revised.get(code)))]
    catalog = {
        "@id": f"{base}/catalog", "@type": "dcat:Catalog",
        "dct:title": [_zh(f"{city.name}政务数据资源目录"),
                      _en(f"{city.name_en} government data directory")],
        "dct:description": [
            _zh(f"{city.name}{city.platform}平台汇聚的政务数据资源目录：各部门数据资源的摘要、"
                "提供部门、更新周期、共享与开放属性；开放数据可直接下载。"),
            _en(f"The resource directory of {city.name_en}'s government data-sharing hub: each "
                "department's datasets with abstract, provider, update cycle, sharing and "
                "open-data attributes; open datasets can be downloaded directly.")],
        "dct:publisher": _iri(_agent_id(base, DEPARTMENTS[city.data_authority])),
        "dcat:dataset": [_iri(f"{base}/catalog/datasets/{code}") for code in listed],
        "foaf:homepage": _iri(f"{base}/"),
        "dct:language": _iri(f"{_EU}language/ZHO"),
        "dcat:themeTaxonomy": _iri(f"{_EU}data-theme"),
    }
    if modified:
        catalog["dct:modified"] = {"@value": max(modified), "@type": "xsd:dateTime"}
    yield catalog
    for code in listed:
        yield _dataset(base, text[code], code in downloadable, settings.open_data_licence,
                       current.get(code), revised.get(code))
    for code in sorted(publishers):
        yield _agent(base, DEPARTMENTS[code])


def dcat_catalog(registry: Registry, settings: HubSettings, downloadable: Collection[str],
                 ) -> dict:
    """The catalog as a DCAT-AP 3.0 JSON-LD document. `downloadable`: codes of the resources
    the open-data service serves (it alone knows what the open policy lets out)."""
    return {"@context": CONTEXT, "@graph": list(dcat_nodes(registry, settings, downloadable))}


def dcat_stream(registry: Registry, settings: HubSettings, downloadable: Collection[str],
                ) -> Iterator[bytes]:
    """`dcat_catalog` as UTF-8 JSON, one node at a time; the registry is read on the call,
    before anything is sent, so an error is an error response, not a broken document."""
    nodes = dcat_nodes(registry, settings, downloadable)
    first = next(nodes)

    def chunks() -> Iterator[bytes]:
        yield b'{"@context":' + _json(CONTEXT) + b',"@graph":[' + _json(first)
        for node in nodes:
            yield b"," + _json(node)
        yield b"]}"

    return chunks()


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
