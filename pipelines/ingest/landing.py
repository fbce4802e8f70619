"""Finding complete batches in the landing directory (`<landing>/<resource>/<batch>.<ext>`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from catalog import Resource, SourceFormat

__all__ = ["Delivery", "find_deliveries"]

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

    @property
    def size_bytes(self) -> int:
        return sum(f.stat().st_size for f in self.files + self.unexpected)

    @property
    def modified_at(self) -> datetime:
        """When the batch (its file, or its directory and files) was last written."""
        paths = (self.path, *self.files, *self.unexpected)
        return datetime.fromtimestamp(max(p.stat().st_mtime for p in paths), UTC)

    @property
    def delivered_at(self) -> datetime:
        """The batch id when it is a timestamp (`20261101T020000`), else the file time."""
        for fmt in ("%Y%m%dT%H%M%S", "%Y%m%d%H%M%S", "%Y%m%d", "%Y%m"):
            try:
                return datetime.strptime(self.batch_id, fmt).replace(tzinfo=UTC)
            except ValueError:
                continue
        return datetime.fromtimestamp(self.path.stat().st_mtime, UTC)

    def sha256(self) -> str:
        """SHA-256 over the delivered bytes (file names excluded): equal content, equal hash."""
        digest = hashlib.sha256()
        for file in self.files + self.unexpected:
            with file.open("rb") as fh:
                while chunk := fh.read(8 * 1024 * 1024):
                    digest.update(chunk)
        return digest.hexdigest()

    def relative_files(self, landing: Path) -> list[str]:
        return [str(f.relative_to(landing)) for f in self.files + self.unexpected]


def _is_hidden_or_incomplete(path: Path) -> bool:
    return path.name.startswith(".") or path.name.endswith(_INCOMPLETE)


def find_deliveries(landing: Path, resource: Resource) -> list[Delivery]:
    """Complete batches of a resource in delivery order; `.part` and hidden files are skipped.

    A file of another type is still a delivery (the batch is then rejected with that reason),
    so nothing a department sends goes unaccounted.
    """
    folder = landing / resource.code
    if not folder.is_dir():
        return []
    extensions = _EXTENSIONS[resource.format]
    deliveries = []
    for entry in sorted(folder.iterdir()):
        if _is_hidden_or_incomplete(entry):
            continue
        if entry.is_dir():
            parts = sorted(p for p in entry.iterdir() if p.is_file() and not _is_hidden_or_incomplete(p))
            if any(p.name.endswith(_INCOMPLETE) for p in entry.iterdir()):
                continue  # still being written
            files = tuple(p for p in parts if p.suffix.lower() in extensions)
            other = tuple(p for p in parts if p.suffix.lower() not in extensions)
            deliveries.append(Delivery(resource.code, entry.name, entry, files, other))
        elif entry.suffix.lower() in extensions:
            deliveries.append(Delivery(resource.code, entry.stem, entry, (entry,)))
        else:
            deliveries.append(Delivery(resource.code, entry.name, entry, (), (entry,)))
    return sorted(deliveries, key=lambda d: d.batch_id)
