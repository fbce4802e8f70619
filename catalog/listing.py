"""Lists on the command line: an empty one says so, in one line, instead of printing nothing."""

from __future__ import annotations

from collections.abc import Iterable

import click

__all__ = ["echo_lines"]


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
