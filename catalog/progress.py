"""Progress of long work (materialising, generating a city, snapshots, the cross-check): a live
bar on a terminal (rich), plain timestamped lines when the output is a log or a pipe."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Self, TextIO

__all__ = ["Progress"]


class Progress:
    """`with Progress("Materialising", total=30) as p: p.update(done, "raw/ga_population")`.

    On a terminal a bar is redrawn in place; otherwise each change is one line on stderr
    (`HH:MM:SS title: done/total what`), so logs show how far the work got."""

    def __init__(self, title: str, total: int | None = None, *,
                 stream: TextIO | None = None) -> None:
        self.title, self.total, self.done = title, total, 0
        self._stream = stream or sys.stderr
        self._live = self._stream.isatty()
        self._started = time.monotonic()
        self._bar = self._task = None
        self._said: tuple | None = None

    def __enter__(self) -> Self:
        if self._live:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.progress import Progress as Bar

            self._bar = Bar(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                            MofNCompleteColumn(), TimeElapsedColumn(),
                            TextColumn("{task.fields[what]}"),
                            console=Console(file=self._stream), transient=False)
            self._bar.start()
            self._task = self._bar.add_task(self.title, total=self.total, what="")
        else:
            self._line("started")
        return self

    def update(self, done: int, what: str = "", total: int | None = None) -> None:
        """`done` of `total` steps finished; `what` is the one just finished or under way."""
        self.done, self.total = done, total if total is not None else self.total
        if self._bar is not None:
            self._bar.update(self._task, completed=done, total=self.total, what=what)
        elif (done, self.total, what) != self._said:
            self._said = (done, self.total, what)
            self._line(f"{done}/{self.total if self.total is not None else '?'} {what}".rstrip())

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()
        else:
            seconds = time.monotonic() - self._started
            self._line(f"{'failed' if kind else 'done'} in {seconds:.1f} s")

    def _line(self, text: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {self.title}: {text}", file=self._stream, flush=True)
