"""Lists on the command line: an empty one says so, in one line, instead of printing nothing;
a long one is shown a page at a time, with where the page is in the whole."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import click

from catalog.i18n import _, ngettext

__all__ = ["PAGE_SIZE", "Page", "echo_lines", "echo_table", "page_of"]

PAGE_SIZE = 50


@dataclass(frozen=True)
class Page:
    """One page of a list: its items, its number (from 1), the page size and the list's total."""

    items: Sequence
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    def summary(self, what: str) -> str:
        """`resources 51–100 of 10,000 (page 2 of 200)`, or why a page past the end is empty;
        `what` is said in the current language (`_("resources")`)."""
        if not self.items:
            return ngettext("no {what} on page {number}: {total} in all, {n} page of {size}",
                            "no {what} on page {number}: {total} in all, {n} pages of {size}",
                            self.pages, what=what, number=self.number, total=f"{self.total:,}",
                            size=self.size)
        first = (self.number - 1) * self.size + 1
        return _("{what} {first}–{last} of {total} (page {number} of {pages})", what=what,
                 first=f"{first:,}", last=f"{first + len(self.items) - 1:,}",
                 total=f"{self.total:,}", number=self.number, pages=self.pages)


def page_of(every: Sequence, number: int, size: int) -> Page:
    """Page `number` (from 1) of `size` items of a list held whole."""
    start = (number - 1) * size
    return Page(every[start:start + size], number, size, len(every))


def echo_lines(lines: Iterable[str], none: str) -> int:
    """Print each line; when there is none, print `none` (e.g. "no grants") on stderr, so
    stdout stays the data a script reads. Returns how many lines were printed."""
    count = 0
    for line in lines:
        click.echo(line)
        count += 1
    if not count:
        click.echo(none, err=True)
    return count


def echo_table(headers: Sequence[str], rows: Iterable[Sequence[object]], none: str,
               right: frozenset[int] = frozenset()) -> int:
    """Print rows under their headers in aligned columns (Rich measures each cell as the
    terminal draws it, so Chinese characters, two columns wide, keep the columns straight);
    columns numbered in `right` (numbers) are right-aligned. No rows: `none` on stderr, as
    `echo_lines`. Never wrapped or cut: a script reading stdout gets whole cells."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    for index, header in enumerate(headers):
        table.add_column(header, justify="right" if index in right else "left", no_wrap=True)
    count = 0
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
        count += 1
    if not count:
        click.echo(none, err=True)
        return 0
    console = Console(width=100_000, color_system=None, highlight=False, markup=False,
                      emoji=False)
    with console.capture() as captured:
        console.print(table, crop=False)
    click.echo("\n".join(line.rstrip() for line in captured.get().splitlines()))
    return count
