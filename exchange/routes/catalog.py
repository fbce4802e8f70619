"""The resource directory as departments see it before ordering."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from catalog import RESOURCES, Resource, entries
from catalog.directory import describe
from catalog.i18n import _
from exchange.access import authorize
from exchange.checks import CHECKS
from exchange.deps import CurrentCaller, HubDep
from exchange.errors import ApiError
from exchange.paging import Page, PagingDep
from exchange.roles import Action

router = APIRouter(prefix="/v1", tags=["catalog"])


def _summary(r: Resource, status: str) -> dict:
    """The entry as ordering departments need it; `r` is the effective (reviewed) text."""
    return {"code": r.code, "name": r.name, "name_en": r.name_en, "provider": r.provider.code,
            "status": status, "abstract": r.abstract,
            "sharing": r.sharing.value, "sharing_conditions": r.sharing_conditions,
            "items": [{"name": i.name, "zh_name": i.zh_name, "description": i.description,
                       "sensitivity": i.sensitivity.value, "grade": i.grade.value}
                      for i in r.items],
            "checks": sorted(c.name for c in CHECKS.values() if c.resource == r.code)}


def _matches(r: Resource, words: list[str]) -> bool:
    """Every word in the code, names, abstract, provider or a data item's names."""
    text = " ".join([r.code, r.name, r.name_en, r.abstract, r.provider.name,
                     r.provider.short_name, *(f"{i.name} {i.zh_name} {i.description}"
                                              for i in r.items)]).casefold()
    return all(w in text for w in words)


@router.get("/resources", response_model=Page[dict])
def list_resources(caller: CurrentCaller, hub: HubDep, paging: PagingDep,
                   q: Annotated[str, Query(max_length=200, description="Words that every "
                                           "entry listed contains (code, names, abstract, "
                                           "provider, data items).")] = "") -> dict:
    """Every catalogued resource (or those matching `q`): provider, status, abstract, sharing
    attribute, data items, verification checks."""
    authorize(caller, Action.CATALOG_READ)
    registry = hub.store.registry
    current = entries.effective_all(registry)
    words = q.casefold().split()
    found = [code for code in sorted(RESOURCES) if not words or _matches(current[code], words)]
    codes = found[paging.offset:paging.offset + paging.limit]
    statuses = entries.entry_statuses(registry, codes)
    return paging.page([_summary(current[code], statuses[code].value) for code in codes],
                       len(found))


@router.get("/resources/{code}")
def get_resource(caller: CurrentCaller, hub: HubDep,
                 code: str = Path(max_length=64, pattern=r"^[a-z]+\.[a-z_]+$")) -> dict:
    """One catalog entry in full: metadata, data items, versions, freshness, lineage."""
    authorize(caller, Action.CATALOG_READ)
    if code not in RESOURCES:
        raise ApiError(404, "not_found", _("No such resource."))
    registry = hub.store.registry
    described = describe(registry, RESOURCES[code])
    summary = _summary(entries.effective(RESOURCES[code], registry), described["status"])
    return {**described, **summary}


@router.get("/checks", response_model=Page[dict])
def list_checks(caller: CurrentCaller, paging: PagingDep) -> dict:
    """The verification (核验) questions, the resource each reads and the items it uses."""
    authorize(caller, Action.CATALOG_READ)
    return paging.cut([{"check": c.name, "resource": c.resource, "question": c.question,
                        "items": list(c.items), "needs_name": c.needs_name}
                       for c in CHECKS.values()])
