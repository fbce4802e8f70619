"""Browse and search the resource directory: filters on the declared metadata, and free text."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from urllib.parse import urlencode

from starlette.requests import Request

from catalog import DEPARTMENTS, Category, Grade, Resource, SharingAttribute, UpdateCycle
from catalog.i18n import _, lazy
from catalog.listing import Page
from catalog.registry import EntryStatus
from exchange.errors import ApiError

__all__ = ["Filters", "Row", "highest_grade", "page_number", "pager", "search"]

_GRADE_RANK = {g: i for i, g in enumerate(Grade)}  # 一般 < 重要 < 核心 (GB/T 43697)
MAX_TEXT = 100
# Each filter as a refusal names it.
FILTER_NAMES = {"department": lazy("department"), "category": lazy("category"),
                "sharing": lazy("sharing"), "grade": lazy("grade"), "grade_of": lazy("grade of"),
                "cycle": lazy("cycle"), "status": lazy("status")}


def highest_grade(resource: Resource) -> Grade:
    return max((i.grade for i in resource.items), key=_GRADE_RANK.__getitem__)


@dataclass(frozen=True)
class Filters:
    """What the browse form asks; every value is checked against its code list."""

    q: str = ""
    department: str = ""
    category: str = ""
    sharing: str = ""
    grade: str = ""
    grade_of: str = "any"  # any: some data item has the grade; highest: the entry's highest
    cycle: str = ""
    status: str = ""

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> Filters:
        """From query parameters; an unknown value is refused (400), never silently ignored."""
        allowed = {
            "department": set(DEPARTMENTS), "category": {c.value for c in Category},
            "sharing": {s.value for s in SharingAttribute}, "grade": {g.value for g in Grade},
            "grade_of": {"any", "highest"}, "cycle": {c.value for c in UpdateCycle},
            "status": {s.value for s in EntryStatus},
        }
        values = {f.name: (params.get(f.name) or "").strip() for f in fields(cls)}
        if len(values["q"]) > MAX_TEXT:
            raise ApiError(400, "invalid_filter", _("Search text is limited to {n} characters.",
                                                    n=MAX_TEXT))
        for name, codes in allowed.items():
            if values[name] and values[name] not in codes:
                shown = str(FILTER_NAMES[name])
                raise ApiError(400, "invalid_filter", _("Unknown {filter}: choose one from "
                                                        "the list.", filter=shown))
        values["grade_of"] = values["grade_of"] or "any"
        return cls(**values)

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self) if f.name != "grade_of")


@dataclass(frozen=True)
class Row:
    resource: Resource
    status: str  # the entry's: published or retired
    highest: Grade
    revision: str = ""  # the status of its open revision (draft, submitted), if any


@dataclass(frozen=True)
class _Facts:
    """What the filters read of one declaration, worked out once per declaration object."""

    resource: Resource
    text: str  # code, names, abstract and data items, casefolded, for the free-text search
    grades: frozenset[str]
    highest: Grade


# Declarations are immutable and kept by the city (a revision makes a new object), so their
# facts are kept by identity: a search over 10,000 entries then only compares.
_FACTS: dict[int, _Facts] = {}


def _facts(resource: Resource) -> _Facts:
    found = _FACTS.get(id(resource))
    if found is not None and found.resource is resource:
        return found
    parts = [resource.code, resource.name, resource.name_en, resource.abstract]
    for item in resource.items:
        parts += [item.name, item.zh_name]
    if len(_FACTS) > 50_000:  # old cities' declarations: start again
        _FACTS.clear()
    made = _facts_of(resource, "\n".join(parts).casefold())
    _FACTS[id(resource)] = made
    return made


def _facts_of(resource: Resource, text: str) -> _Facts:
    return _Facts(resource, text, frozenset(i.grade.value for i in resource.items),
                  highest_grade(resource))


def _matches(row: Row, facts: _Facts, f: Filters, q: str) -> bool:
    resource = row.resource
    grades = {facts.highest.value} if f.grade_of == "highest" else facts.grades
    return all((
        not q or q in facts.text,
        not f.department or resource.provider.code == f.department,
        not f.category or resource.category.value == f.category,
        not f.sharing or resource.sharing.value == f.sharing,
        not f.grade or f.grade in grades,
        not f.cycle or resource.update_cycle.value == f.cycle,
        not f.status or f.status in (row.status, row.revision),
    ))


def search(resources: Iterable[Resource], statuses: Mapping[str, str],
           revisions: Mapping[str, str], f: Filters) -> list[Row]:
    """The entries matching every filter, by code. `statuses` holds each entry's status,
    `revisions` the status of its open revision; the status filter matches either."""
    q = f.q.casefold()
    found = []
    for r in sorted(resources, key=lambda r: r.code):
        facts = _facts(r)
        row = Row(r, statuses[r.code], facts.highest, revisions.get(r.code, ""))
        if _matches(row, facts, f, q):
            found.append(row)
    return found


_MAX_PAGE = 1_000_000


def page_number(params: Mapping[str, str]) -> int:
    """The `page` asked for (from 1); anything but a whole number in range is refused (400)."""
    text = (params.get("page") or "1").strip()
    if not text.isdigit() or not 1 <= int(text) <= _MAX_PAGE:
        raise ApiError(400, "invalid_filter", _("Page: a whole number from 1."))
    return int(text)


def pager(request: Request, shown: Page) -> dict:
    """Where the page is in the list, and links to the pages before and after it (the same
    search and filters)."""
    def link(number: int) -> str:
        return f"{request.url.path}?{urlencode({**request.query_params, 'page': number})}"

    first = (shown.number - 1) * shown.size + 1
    return {"page": shown.number, "pages": shown.pages, "first": first,
            "last": first + len(shown.items) - 1,
            "previous": link(shown.number - 1) if shown.number > 1 else None,
            "next": link(shown.number + 1) if shown.number < shown.pages else None}
