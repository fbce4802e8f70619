"""Finding complete batches in the landing directory (`<landing>/<resource>/<batch>.<ext>`)."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from catalog import Resource, SourceFormat
from catalog.i18n import Lazy, _, lazy, use

__all__ = ["Delivery", "find_deliveries", "in_both", "unknown_folders"]

_EXTENSIONS = {
    SourceFormat.CSV: (".csv",),
    SourceFormat.JSONL: (".jsonl", ".json"),
    SourceFormat.XLSX: (".xlsx",),
    SourceFormat.PARQUET: (".parquet",),
}
_INCOMPLETE = ".part"


@dataclass(frozen=True)
class Delivery:
    """One complete batch: a file, or a directory of part files delivered together."""

    resource_code: str
    batch_id: str
    path: Path
    files: tuple[Path, ...]
    unexpected: tuple[Path, ...] = ()
    refused: str = ""  # why the batch cannot be read at all (it is rejected whole, unread)
    refused_zh: str = ""  # the same, in Chinese, for the department's feedback

    @property
    def size_bytes(self) -> int:
        return sum(f.stat().st_size for f in self.files + self.unexpected)

    @property
    def modified_at(self) -> datetime:
        """When the batch (its file, or its directory and files) was last written."""
        paths = (self.path, *self.files, *self.unexpected)
        return datetime.fromtimestamp(max(p.lstat().st_mtime for p in paths), UTC)

    @property
    def delivered_at(self) -> datetime:
        """The batch id when it is a timestamp (`20261101T020000`), else the file time."""
        for fmt in ("%Y%m%dT%H%M%S", "%Y%m%d%H%M%S", "%Y%m%d", "%Y%m"):
            try:
                return datetime.strptime(self.batch_id, fmt).replace(tzinfo=UTC)
            except ValueError:
                continue
        return datetime.fromtimestamp(self.path.lstat().st_mtime, UTC)

    def sha256(self) -> str:
        """SHA-256 over the delivered bytes (file names excluded): equal content, equal hash.
        A refused batch is never opened: its hash is that of the refusal."""
        digest = hashlib.sha256()
        if self.refused:
            digest.update(self.refused.encode())
            return digest.hexdigest()
        for file in self.files + self.unexpected:
            with file.open("rb") as fh:
                while chunk := fh.read(8 * 1024 * 1024):
                    digest.update(chunk)
        return digest.hexdigest()

    def relative_files(self, landing: Path) -> list[str]:
        return [str(f.relative_to(landing)) for f in self.files + self.unexpected]


def _is_hidden_or_incomplete(path: Path) -> bool:
    return path.name.startswith(".") or path.name.endswith(_INCOMPLETE)


# Batch ids name lake directories and registry rows: letters, digits, '.', '_', '-' only
# (no glob or path characters), and short enough for the registry's column.
_BATCH_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_MAX_BATCH_ID = 100


def in_both(said: Lazy | Callable[[], str]) -> tuple[str, str]:
    """A message (`lazy(...)`, or a function wording one) in English and in Chinese: a
    refusal's English is the registry's record (the hub's staff read it, whatever the hub's
    language, and a refused batch's hash is of it); its Chinese goes to the department's
    feedback file."""
    say = said.__str__ if isinstance(said, Lazy) else said
    with use("en"):
        english = say()
    with use("zh_Hans"):
        chinese = say()
    return english, chinese


def _unreadable(entry: Path) -> tuple[str, str]:
    """Why an entry is not read at all (in English and Chinese): the hub reads regular files
    and directories that are in the landing directory, never links (which may point anywhere)
    or special files (a FIFO or a device would block or never end)."""
    if entry.is_symlink():
        return in_both(lazy("{name} is a symbolic link: deliver the file itself",
                            name=entry.name))
    if not (entry.is_file() or entry.is_dir()):
        return in_both(lazy("{name} is not a regular file", name=entry.name))
    return "", ""


def _odd_part(part: Path) -> Callable[[], str] | None:
    """Why an entry inside a batch directory is not read (a link, a special file or a
    directory), worded in the language of the moment; None when it is an ordinary file."""
    if part.is_symlink():
        return lambda: _("{name}: {name} is a symbolic link: deliver the file itself",
                         name=part.name)
    if not (part.is_file() or part.is_dir()):
        return lambda: _("{name}: {name} is not a regular file", name=part.name)
    if part.is_dir():
        return lambda: _("{name}: a directory", name=part.name)
    return None


def _batch_id(entry: Path, extensions: tuple[str, ...]) -> str:
    directory = entry.is_dir() and not entry.is_symlink()
    return entry.stem if not directory and entry.suffix.lower() in extensions else entry.name


def _recorded_id(batch_id: str) -> str:
    """A batch id too long to record is recorded shortened, with a digest that keeps it
    stable and unique (the batch is refused all the same)."""
    if len(batch_id) <= _MAX_BATCH_ID:
        return batch_id
    return batch_id[:80] + "~" + hashlib.sha256(batch_id.encode()).hexdigest()[:16]


def find_deliveries(landing: Path, resource: Resource) -> list[Delivery]:
    """Complete batches of a resource in delivery order; `.part` and hidden files are skipped.

    A file of another type is still a delivery (the batch is then rejected with that reason),
    and so is anything the hub will not read (see `_unreadable`), a batch id it cannot use, or
    one batch id delivered as several entries (`X.csv` and `X.CSV`, or `X/` and `X.csv`), so
    nothing a department sends goes unaccounted or is silently replaced.
    """
    folder = landing / resource.code
    if not folder.is_dir():
        return []
    extensions = _EXTENSIONS[resource.format]
    by_id: dict[str, list[Path]] = defaultdict(list)
    for entry in sorted(folder.iterdir()):
        if not _is_hidden_or_incomplete(entry):
            by_id[_batch_id(entry, extensions)].append(entry)
    deliveries = []
    for batch_id, entries in by_id.items():
        delivery = _delivery(resource, batch_id, entries, extensions)
        if delivery is not None:
            deliveries.append(delivery)
    return sorted(deliveries, key=lambda d: d.batch_id)


def _delivery(resource: Resource, batch_id: str, entries: list[Path],
              extensions: tuple[str, ...]) -> Delivery | None:
    entry = entries[0]
    refused, refused_zh = _unreadable(entry)
    if len(entries) > 1:
        names = ", ".join(e.name for e in entries)
        refused, refused_zh = in_both(lazy(
            "batch {batch} was delivered as {n} entries ({names}): deliver it once",
            batch=batch_id, n=len(entries), names=names))
    elif not _BATCH_ID.fullmatch(batch_id) or len(batch_id) > _MAX_BATCH_ID:
        shown = entry.name if len(entry.name) <= 60 else entry.name[:60] + "…"
        refused, refused_zh = in_both(lazy(
            "{name}: a batch id may use only letters, digits, '.', '_' and '-', at most {most} "
            "characters", name=shown, most=_MAX_BATCH_ID))
    if refused:
        return Delivery(resource.code, _recorded_id(batch_id), entry, (), refused=refused,
                        refused_zh=refused_zh)
    if entry.is_dir():
        inside = [p for p in entry.iterdir() if not p.name.startswith(".")]
        if any(p.name.endswith(_INCOMPLETE) for p in inside):
            return None  # still being written
        odd = [say for p in sorted(inside) if (say := _odd_part(p)) is not None]
        if odd:
            refused, refused_zh = in_both(lambda: _(
                "the batch directory holds {parts}", parts=_("; ").join(say() for say in odd)))
            return Delivery(resource.code, batch_id, entry, (), refused=refused,
                            refused_zh=refused_zh)
        parts = sorted(inside)
        files = tuple(p for p in parts if p.suffix.lower() in extensions)
        other = tuple(p for p in parts if p.suffix.lower() not in extensions)
        return Delivery(resource.code, batch_id, entry, files, other)
    if entry.suffix.lower() in extensions:
        return Delivery(resource.code, batch_id, entry, (entry,))
    return Delivery(resource.code, batch_id, entry, (), (entry,))


def unknown_folders(landing: Path, resources: list[Resource]) -> list[str]:
    """Folders of the landing directory that are no delivered resource's code: nothing in them
    is ever read, so the department (or a typo in the folder's name) must be told."""
    if not landing.is_dir():
        return []
    known = {r.code for r in resources}
    return sorted(e.name for e in landing.iterdir()
                  if e.is_dir() and e.name not in known and not _is_hidden_or_incomplete(e))
