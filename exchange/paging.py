"""One way to page every list of the API: `offset` and `limit` query parameters (`PagingDep`),
and one envelope (`Page`): the page's items, how many there are in all, and where the next
page starts (null on the last). A limit above `max_page_size` is cut to it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from exchange.deps import HubDep

__all__ = ["Page", "Paging", "PagingDep"]

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    items: list[T]
    total: int = Field(description="Items in the whole list (with the filters applied).")
    offset: int = Field(description="Position of the first item of this page in the list.")
    limit: int = Field(description="Most items a page holds.")
    next_offset: int | None = Field(description="`offset` of the next page; null on the last.")


@dataclass(frozen=True)
class Paging:
    offset: int
    limit: int

    def page(self, items: Sequence, total: int) -> dict:
        """The envelope of one page already cut (`items`) from a list of `total` items."""
        following = self.offset + self.limit
        return {"items": list(items), "total": total, "offset": self.offset,
                "limit": self.limit, "next_offset": following if following < total else None}

    def cut(self, every: Sequence) -> dict:
        """The envelope of this page of a list held whole."""
        return self.page(every[self.offset:self.offset + self.limit], len(every))


def paging(hub: HubDep,
           offset: Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip.")] = 0,
           limit: Annotated[int | None, Query(ge=1, description="Page size (at most the "
                                                     "hub's max_page_size).")] = None) -> Paging:
    largest = hub.settings.max_page_size
    return Paging(offset, min(limit or largest, largest))


PagingDep = Annotated[Paging, Depends(paging)]
