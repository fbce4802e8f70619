"""One resource's page: metadata and data items, quality and its trend, freshness, versions and
batches, lineage, who ordered it and why, and its use over time; and one order's page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from sqlalchemy import select
from starlette.responses import Response

from catalog import RESOURCES, Resource, entries
from catalog.directory import describe
from catalog.i18n import _
from catalog.quality_scores import quality_summary
from exchange import orders
from exchange.access import Caller, may_see_usage, visible_orders
from exchange.context import Hub
from exchange.deps import HubDep
from exchange.errors import ApiError
from exchange.models import Order
from exchange.roles import Action, role_may
from exchange.web.charts import SVG_CSP, Figure, svg
from exchange.web.core import CurrentUser, WebRoute, page, require
from exchange.web.figures import quality_figure, usage_figure
from exchange.web.search import highest_grade

__all__ = ["chart_response", "known_resource", "router"]

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Code = Annotated[str, Path(max_length=64)]
MAX_ORDERS = 200


def known_resource(code: str) -> Resource:
    if code not in RESOURCES:
        raise ApiError(404, "not_found", _("No such resource in the catalog."))
    return RESOURCES[code]


def _orders(hub: Hub, caller: Caller, code: str) -> list[Order]:
    """The resource's orders this person may know of (`exchange.access.visible_orders`)."""
    with hub.store.session() as s:
        return list(s.scalars(select(Order).where(Order.resource_code == code,
                                                  visible_orders(caller))
                              .order_by(Order.created_at.desc()).limit(MAX_ORDERS)))


def chart_response(figure: Figure) -> Response:
    return Response(svg(figure), media_type="image/svg+xml",
                    headers={"content-security-policy": SVG_CSP})


@router.get("/resources/{code}")
def resource_page(request: Request, user: CurrentUser, hub: HubDep, code: Code) -> Response:
    """One catalog entry in full."""
    require(user, Action.CATALOG_READ)
    resource = known_resource(code)
    entry = describe(hub.store.registry, resource)
    quality = entry["hub"]["quality"]
    lineage = entry["hub"]["lineage"]
    show_orders = role_may(user.caller.roles, Action.ORDER_READ)
    show_usage = may_see_usage(user.caller, resource)
    return page(request, "resource.html", {
        "r": entries.effective(resource, hub.store.registry), "entry": entry,
        "history": entries.history(hub.store.registry, code), "highest": highest_grade(resource),
        "quality": quality, "quality_figure": quality_figure(quality),
        "item_quality": (quality or {}).get("items", {}),
        "publications": list(reversed(hub.store.registry.publications(code))),
        "upstream": [(c, c in RESOURCES) for c in lineage["upstream"]],
        "downstream": [(c, c in RESOURCES) for c in lineage["downstream"]],
        "orders": _orders(hub, user.caller, code) if show_orders else None,
        "usage": usage_figure(hub, code) if show_usage else None,
    }, user=user)


@router.get("/resources/{code}/charts/{chart}.svg")
def resource_chart(user: CurrentUser, hub: HubDep, code: Code,
                   chart: Annotated[str, Path(max_length=32)]) -> Response:
    """A chart of the resource page (quality trend, use over time) as SVG."""
    require(user, Action.CATALOG_READ)
    resource = known_resource(code)
    if chart == "quality":
        return chart_response(quality_figure(quality_summary(hub.store.registry, code)))
    if chart == "usage":
        if not may_see_usage(user.caller, resource):
            raise ApiError(403, "forbidden", _("Who used this resource is not shown to your role."))
        return chart_response(usage_figure(hub, code))
    raise ApiError(404, "not_found", _("No such chart."))


@router.get("/orders/{order_id}")
def order_page(request: Request, user: CurrentUser, hub: HubDep,
               order_id: Annotated[str, Path(max_length=64)]) -> Response:
    """One order: what was asked, why, its review and its deadline."""
    require(user, Action.ORDER_READ)
    order = orders.find(hub, user.caller, order_id)  # 404 unless the person may see it
    return page(request, "order.html", {"order": order, "events": orders.events(hub, order.id)},
                user=user)
