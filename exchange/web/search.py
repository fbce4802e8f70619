"""Browse and search the resource directory: filters on the declared metadata, and free text."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from urllib.parse import urlencode

from starlette.requests import Request

from catalog import DEPARTMENTS, Category, Grade, Resource, SharingAttribute, UpdateCycle
from catalog.listing import Page
from catalog.registry import EntryStatus
from exchange.errors import ApiError

__all__ = ["Filters", "Row", "highest_grade", "page_number", "pager", "search"]

_GRADE_RANK = {g: i for i, g in enumerate(Grade)}  # 一般 < 重要 < 核心 (GB/T 43697)
MAX_TEXT = 100


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
            raise ApiError(400, "invalid_filter", f"Search text is limited to {MAX_TEXT} "
                                                  "characters.")
        for name, codes in allowed.items():
            if values[name] and values[name] not in codes:
                raise ApiError(400, "invalid_filter", f"Unknown {name.replace('_', ' ')}: "
                                                      f"choose one from the list.")
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


def _text(resource: Resource) -> str:
    parts = [resource.code, resource.name, resource.name_en, resource.abstract]
    for item in resource.items:
        parts += [item.name, item.zh_name]
    return "\n".join(parts).casefold()


def _matches(row: Row, f: Filters) -> bool:
    resource = row.resource
    grades = ({highest_grade(resource).value} if f.grade_of == "highest"
              else {i.grade.value for i in resource.items})
    return all((
        not f.q or f.q.casefold() in _text(resource),
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
    rows = [Row(r, statuses[r.code], highest_grade(r), revisions.get(r.code, ""))
            for r in sorted(resources, key=lambda r: r.code)]
    return [row for row in rows if _matches(row, f)]


_MAX_PAGE = 1_000_000


def page_number(params: Mapping[str, str]) -> int:
    """The `page` asked for (from 1); anything but a whole number in range is refused (400)."""
    text = (params.get("page") or "1").strip()
    if not text.isdigit() or not 1 <= int(text) <= _MAX_PAGE:
        raise ApiError(400, "invalid_filter", "Page: a whole number from 1.")
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
