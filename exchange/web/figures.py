"""The numbers behind the charts: the catalog, the lake, orders, the audit log, quality, the
cross-check. Days are Beijing dates (the city's), counted in SQL."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import String, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from catalog import DEPARTMENTS, RESOURCES, Category, OpenAttribute, SharingAttribute
from catalog.i18n import _, lazy, ngettext
from catalog.quality_scores import Dimension, QualityScore, quality_summary
from catalog.registry import Publication, utcnow
from catalog.reviews import review_stats
from exchange.context import Hub
from exchange.models import AuditEntry, Order, OrderStatus
from exchange.web.charts import Figure
from exchange.web.labels import label
from exchange.workdays import BEIJING, today

__all__ = ["PLATFORM", "call_kind", "platform_figure", "platform_figures", "quality_figure",
           "usage_figure"]

DAYS = 30  # usage and interface calls are shown for the last 30 days


class beijing_day(FunctionElement):  # lower case: it reads as the SQL function it renders
    """`YYYY-MM-DD` of a UTC timestamp in Beijing time (UTC+8, no daylight saving)."""

    type = String()
    inherit_cache = True


@compiles(beijing_day, "sqlite")
def _sqlite_day(element, compiler, **kw) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, '+8 hours')"


@compiles(beijing_day, "postgresql")
def _postgres_day(element, compiler, **kw) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"to_char(({column}) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')"


def _days(n: int) -> list[str]:
    last = today(utcnow())
    return [(last - timedelta(days=i)).isoformat() for i in range(n - 1, -1, -1)]


def _since(n: int) -> datetime:
    """Midnight, Beijing time, of the first of the last `n` days, in UTC as the registry keeps
    times (SQLite compares them as text, so the offset must be UTC's)."""
    return datetime.combine(date.fromisoformat(_days(n)[0]), time(0), BEIJING).astimezone(UTC)


def call_kind(route: str) -> str | None:
    """The kind of interface call a logged route is; None for web pages and static files."""
    if route.startswith(("/oauth/", "/.well-known/")):
        return "token"
    if route.startswith(("/open/v1/", "/open/dcat")):  # the open-data API, not its pages
        return "open data"
    if not route.startswith("/v1/"):
        return None
    kinds = (("/v1/verify/", "verification"), ("/v1/sql", "sql gateway"),
             ("/v1/deliveries", "extract"), ("/v1/orders/{order_id}/extract", "extract"),
             ("/v1/orders", "orders"), ("/v1/resources", "catalog"), ("/v1/checks", "catalog"),
             ("/v1/audit", "audit"), ("/v1/usage", "audit"), ("/v1/crosscheck", "cross-check"))
    return next((kind for prefix, kind in kinds if route.startswith(prefix)), "other")


def usage_figure(hub: Hub, code: str, days: int = DAYS) -> Figure:
    """Logged requests naming the resource (orders, extracts, queries, verification) per day."""
    query = (select(beijing_day(AuditEntry.at), AuditEntry.decision, func.count())
             .where(AuditEntry.resource_code == code, AuditEntry.at >= _since(days))
             .group_by(beijing_day(AuditEntry.at), AuditEntry.decision))
    counts: dict[tuple[str, str], int] = {}
    with hub.store.session() as s:
        for day, decision, n in s.execute(query):
            counts[(day, decision)] = n
    labels = _days(days)
    return Figure("usage", _("Use of {code}, last {days} days", code=code, days=days), labels, {
        _("allowed"): [counts.get((d, "allow"), 0) for d in labels],
        _("denied"): [counts.get((d, "deny"), 0) for d in labels]}, kind="stacked",
        note=_("Requests in the audit log that name this resource, per Beijing day."))


def quality_figure(summary: dict | None) -> Figure:
    """The resource-level GB/T 36344 scores of the latest quality runs, in percent."""
    history = (summary or {}).get("history", [])
    labels = [f"v{run['version']} {run['measured_at'][:10]}" for run in history]
    series = {label(d.value): [round(run[d.value] * 100, 1) if d.value in run else None
                               for run in history] for d in Dimension
              if any(d.value in run for run in history)}
    return Figure("quality", _("Quality scores over the latest runs"), labels, series,
                  kind="line", unit="%", note=_("GB/T 36344 dimensions, whole resource."))


def _by(attribute: str, values: list[str] | None, title: object, name: str) -> Figure:
    counts = Counter(str(getattr(r, attribute).value) if attribute != "provider"
                     else r.provider.code for r in RESOURCES.values())
    values = list(DEPARTMENTS) if values is None else values  # the city served now
    labels = [DEPARTMENTS[v].short_name if attribute == "provider" else v for v in values]
    return Figure(name, str(title), labels,
                  {_("resources"): [counts.get(v, 0) for v in values]})


# A chart of one bar per resource shows the largest; the rest are one bar, so a city of
# 10,000 resources draws TOP + 1 bars and the totals stay whole.
TOP = 25


def _largest(name: str, title: str, series: str, values: dict[str, int]) -> Figure:
    codes = sorted(RESOURCES)
    ranked = sorted(codes, key=lambda c: (-values.get(c, 0), c))
    shown, rest = ranked[:TOP], ranked[TOP:]
    labels = sorted(shown)
    numbers = [values.get(c, 0) for c in labels]
    note = ""
    if rest:
        labels.append(ngettext("other {count} resource", "other {count} resources", len(rest),
                               count=f"{len(rest):,}"))
        numbers.append(sum(values.get(c, 0) for c in rest))
        note = _("The {top} largest of {count} resources; the rest as one bar.", top=TOP,
                 count=f"{len(codes):,}")
    return Figure(name, title, labels, {series: numbers}, kind="hbar", note=note,
                  links={c: f"/resources/{c}" for c in shown})


def _records(hub: Hub) -> Figure:
    # One query: each resource's newest publication's rows (not one query per resource).
    with hub.store.registry.session() as s:
        rows = {code: n for code, _, n in s.execute(
            select(Publication.resource_code, Publication.version, Publication.rows)
            .order_by(Publication.resource_code, Publication.version)).all()}
    return _largest("records", _("Records held (rows of the current version)"), _("rows"), rows)


def _versions(hub: Hub) -> Figure:
    with hub.store.registry.session() as s:
        counts = dict(s.execute(select(Publication.resource_code, func.count())
                                .group_by(Publication.resource_code)).all())
    return _largest("versions", _("Published versions"), _("versions"), counts)


def _orders(hub: Hub) -> Figure:
    with hub.store.session() as s:
        counts = dict(s.execute(select(Order.status, func.count()).group_by(Order.status)).all())
    labels = [label(status.value) for status in OrderStatus]
    return Figure("orders", _("Orders by state"), labels,
                  {_("orders"): [counts.get(status, 0) for status in OrderStatus]})


def _calls(hub: Hub, days: int = DAYS) -> tuple[Figure, Figure]:
    query = (select(beijing_day(AuditEntry.at), AuditEntry.route, AuditEntry.decision,
                    func.count())
             .where(AuditEntry.at >= _since(days))
             .group_by(beijing_day(AuditEntry.at), AuditEntry.route, AuditEntry.decision))
    per_day: dict[str, Counter] = defaultdict(Counter)
    per_kind: dict[str, Counter] = defaultdict(Counter)
    with hub.store.session() as s:
        for day, route, decision, n in s.execute(query):
            kind = call_kind(route)
            if kind is not None:
                per_day[kind][day] += n
                per_kind[kind][decision] += n
    labels, kinds = _days(days), sorted(per_kind)
    by_day = Figure("calls-by-day", _("Interface calls per day, last {days} days", days=days),
                    labels, {label(k): [per_day[k][d] for d in labels] for k in kinds},
                    kind="stacked",
                    note=_("API requests in the audit log (web pages not counted)."))
    by_kind = Figure("calls-by-kind", _("Interface calls by kind, last {days} days", days=days),
                     [label(k) for k in kinds],
                     {_("allowed"): [per_kind[k]["allow"] for k in kinds],
                      _("denied"): [per_kind[k]["deny"] for k in kinds]}, kind="stacked")
    return by_day, by_kind


def _quality(hub: Hub) -> Figure:
    scores: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    registry = hub.store.registry
    with registry.session() as s:  # only the resources quality has measured
        measured = set(s.scalars(select(QualityScore.resource_code).distinct()))
    for code, resource in RESOURCES.items():
        if code not in measured:
            continue
        summary = quality_summary(registry, code)
        for dimension, value in (summary or {}).get("scores", {}).items():
            scores[resource.provider.code][dimension].append(value)
    departments = [d for d in DEPARTMENTS if d in scores]
    dimensions = [d.value for d in Dimension if any(d.value in scores[x] for x in departments)]

    def mean(values: list[float]) -> float | None:
        return round(100 * sum(values) / len(values), 1) if values else None

    return Figure("quality-by-department", _("Quality by department (latest runs)"),
                  [DEPARTMENTS[d].short_name for d in departments],
                  {label(dim): [mean(scores[d][dim]) for d in departments]
                   for dim in dimensions}, unit="%",
                  note=_("Mean of each department's resources, GB/T 36344 dimensions."))


def _crosscheck(hub: Hub) -> Figure:
    stats = review_stats(hub.store.registry)
    rules = list(stats)
    return Figure("crosscheck", _("Cross-check flags by rule"), rules,
                  {label(k): [stats[r][k] for r in rules]
                   for k in ("raised", "suppressed", "confirmed", "dismissed")},
                  note=_("Raised and suppressed by the latest run; reviewers' current "
                         "decisions."))


def _by_attribute(attribute: str, values: list[str] | None, title: object,
                  name: str) -> Callable[[Hub], Figure]:
    return lambda _hub: _by(attribute, values, title, name)


_BUILDERS: dict[str, Callable[[Hub], Figure]] = {
    "by-department": _by_attribute("provider", None, lazy("Resources by department"),
                                   "by-department"),
    "by-category": _by_attribute("category", [c.value for c in Category],
                                 lazy("Resources by category"), "by-category"),
    "by-sharing": _by_attribute("sharing", [s.value for s in SharingAttribute],
                                lazy("Resources by sharing attribute"), "by-sharing"),
    "by-open": _by_attribute("open", [o.value for o in OpenAttribute],
                             lazy("Resources by open attribute"), "by-open"),
    "records": _records,
    "versions": _versions,
    "orders": _orders,
    "calls-by-day": lambda hub: _calls(hub)[0],
    "calls-by-kind": lambda hub: _calls(hub)[1],
    "quality-by-department": _quality,
    "crosscheck": _crosscheck,
}
PLATFORM = tuple(_BUILDERS)


def platform_figure(hub: Hub, name: str) -> Figure | None:
    """One platform figure by name; None for a name there is none of."""
    builder = _BUILDERS.get(name)
    return builder(hub) if builder else None


def platform_figures(hub: Hub) -> list[Figure]:
    """Every platform figure, in the order the statistics page shows them (calls read once)."""
    by_day, by_kind = _calls(hub)
    made = {"calls-by-day": by_day, "calls-by-kind": by_kind}
    return [made[name] if name in made else _BUILDERS[name](hub) for name in PLATFORM]
