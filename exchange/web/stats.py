"""Platform statistics with charts: what the hub holds and how it is used (CDO, auditors)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from catalog import RESOURCES, OpenAttribute
from catalog.i18n import _
from catalog.reviews import latest_run
from exchange.deps import HubDep
from exchange.errors import ApiError
from exchange.models import OrderStatus
from exchange.roles import Action
from exchange.web.core import CurrentUser, WebRoute, page, require
from exchange.web.figures import platform_figure, platform_figures
from exchange.web.resource import chart_response

__all__ = ["router"]

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def _total(figure) -> int:
    return sum(v or 0 for values in figure.series.values() for v in values)


@router.get("/stats")
def statistics(request: Request, user: CurrentUser, hub: HubDep) -> Response:
    """Platform statistics: resources, records, versions, orders, calls, quality, cross-check."""
    require(user, Action.STATS_READ)
    figures = platform_figures(hub)
    named = {f.name: f for f in figures}
    headline = {
        _("Catalogued resources"): len(RESOURCES),
        _("Open resources (by attribute)"): sum(r.open is not OpenAttribute.NOT_OPEN
                                                for r in RESOURCES.values()),
        _("Records held"): _total(named["records"]),
        _("Published versions"): _total(named["versions"]),
        _("Orders approved"): next(iter(named["orders"].series.values()))[
            list(OrderStatus).index(OrderStatus.APPROVED)],
        _("Interface calls, last 30 days"): _total(named["calls-by-day"]),
    }
    return page(request, "stats.html", {"figures": figures, "headline": headline,
                                        "crosscheck_run": latest_run(hub.store.registry)},
                user=user)


@router.get("/stats/charts/{name}.svg")
def statistics_chart(user: CurrentUser, hub: HubDep,
                     name: Annotated[str, Path(max_length=40)]) -> Response:
    """One statistics chart as SVG."""
    require(user, Action.STATS_READ)
    figure = platform_figure(hub, name)
    if figure is None:
        raise ApiError(404, "not_found", _("No such chart."))
    return chart_response(figure)
