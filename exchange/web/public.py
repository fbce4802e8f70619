"""The open-data pages: anyone, signed in or not, sees the open datasets and gets their
downloads and the DCAT-AP export (`exchange.opendata` decides what is open)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from catalog.dcat import OPEN_PREFIX
from exchange import opendata
from exchange.deps import HubDep, audit_record
from exchange.web.core import SESSION_COOKIE, WebRoute, page, sessions
from exchange.web.sessions import SessionUser

__all__ = ["router"]

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def _visitor(request: Request) -> SessionUser | None:
    """A signed-in visitor keeps their menu (and is named in the audit log); no one must be."""
    user = sessions(request).lookup(request.cookies.get(SESSION_COOKIE))
    if user is not None:
        record = audit_record(request)
        record.client_id, record.department = user.caller.client_id, user.caller.department
        record.roles = list(user.caller.roles)
    return user


@router.get(OPEN_PREFIX)
def open_list(request: Request, hub: HubDep) -> Response:
    """The open datasets (public)."""
    return page(request, "open_list.html", {"datasets": opendata.open_resources(hub),
                                            "dcat": f"{OPEN_PREFIX}/dcat.jsonld"},
                user=_visitor(request))


@router.get(OPEN_PREFIX + "/{code}")
def open_page(request: Request, hub: HubDep, code: Annotated[str, Path(max_length=64)]) -> Response:
    """One open dataset with its downloads (public); 404 unless it is open."""
    return page(request, "open_resource.html", {"d": opendata.open_resource(hub, code),
                                                "dcat": f"{OPEN_PREFIX}/dcat.jsonld"},
                user=_visitor(request))
