"""Position deletes for an append resource's Iceberg table: the rows a later batch supersedes.

An append resource's current rows are the newest row of each key (`catalog.current`). Its
Iceberg table holds every published batch's file as it is, so a key delivered again (a corrected
record) is hidden the Iceberg way: a position-delete file (Iceberg spec, "Position Delete
Files") names the superseded rows of the older files, instead of any file being rewritten.
pyiceberg 0.12 reads such files but has no API to commit them: `AppendWithDeletes` is its fast
append plus one delete manifest.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from pyiceberg.manifest import (
    DataFile,
    DataFileContent,
    FileFormat,
    ManifestContent,
    ManifestEntry,
    ManifestEntryStatus,
    ManifestFile,
    ManifestWriterV2,
)
from pyiceberg.table.snapshots import Summary
from pyiceberg.table.update.snapshot import _FastAppendFiles
from pyiceberg.typedef import EMPTY_DICT, Record

from catalog.lake import connect, fsync_path
from catalog.model import Resource
from catalog.settings import HubSettings
from catalog.sqltext import ident, sql_str

__all__ = ["AppendWithDeletes", "superseded_rows"]

# The reserved field ids of a position-delete file's columns (Iceberg spec, "Reserved Field IDs").
_DELETE_SCHEMA = pa.schema([
    pa.field("file_path", pa.string(), nullable=False,
             metadata={"PARQUET:field_id": "2147483546"}),
    pa.field("pos", pa.int64(), nullable=False, metadata={"PARQUET:field_id": "2147483545"}),
])


def superseded_rows(settings: HubSettings, resource: Resource, earlier: list[Path],
                    newest: Path, target_dir: Path, uri) -> DataFile | None:
    """A position-delete file naming the rows of `earlier` files whose key the batch file
    `newest` delivers again (None if no key recurs), written below `target_dir`; `uri` names
    a lake file as the table's manifests do."""
    if not earlier:
        return None
    # NULL matches NULL, as in the window that decides the current rows (`catalog.current`).
    same = " AND ".join(f"e.{ident(k)} IS NOT DISTINCT FROM n.{ident(k)}" for k in resource.key)
    listed = ", ".join(sql_str(str(f)) for f in earlier)
    with connect(settings) as con:
        found = con.execute(
            f"SELECT e.filename, e.file_row_number FROM read_parquet([{listed}], "
            f"filename = true, file_row_number = true, union_by_name = true) AS e "
            f"SEMI JOIN read_parquet({sql_str(str(newest))}) AS n ON {same} "
            f"ORDER BY e.filename, e.file_row_number").fetchall()
    if not found:
        return None
    table = pa.table({"file_path": [uri(Path(f)) for f, _ in found],
                      "pos": [int(p) for _, p in found]}, schema=_DELETE_SCHEMA)
    target_dir.mkdir(parents=True, exist_ok=True)
    path = target_dir / f"deletes-{uuid.uuid4().hex}.parquet"
    pq.write_table(table, path)
    fsync_path(path)
    return DataFile.from_args(
        content=DataFileContent.POSITION_DELETES, file_path=uri(path),
        file_format=FileFormat.PARQUET, partition=Record(), record_count=table.num_rows,
        file_size_in_bytes=path.stat().st_size, sort_order_id=None, spec_id=0,
        equality_ids=None, key_metadata=None)


class _DeleteManifestWriter(ManifestWriterV2):
    """A format-v2 manifest of delete files (pyiceberg writes data manifests only)."""

    def content(self) -> ManifestContent:
        return ManifestContent.DELETES

    @property
    def _meta(self) -> dict[str, str]:
        return {**super()._meta, "content": "deletes"}


class AppendWithDeletes(_FastAppendFiles):
    """A fast append that also adds position-delete files, in a manifest of their own."""

    def __init__(self, *args, delete_files: list[DataFile], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._delete_files = delete_files

    def _manifests(self) -> list[ManifestFile]:
        manifests = super()._manifests()
        if not self._delete_files:
            return manifests
        spec = self._transaction.table_metadata.spec()
        writer = _DeleteManifestWriter(spec, self.schema(), self.new_manifest_output(),
                                       self._snapshot_id, self._compression)
        with writer:
            for delete_file in self._delete_files:
                writer.add(ManifestEntry.from_args(
                    status=ManifestEntryStatus.ADDED, snapshot_id=self._snapshot_id,
                    sequence_number=None, file_sequence_number=None, data_file=delete_file))
        return [*manifests, writer.to_manifest_file()]

    def _summary(self, snapshot_properties: dict[str, str] = EMPTY_DICT) -> Summary:
        # The summary counts what was added: the delete files too (its "position deletes").
        added = self._added_data_files
        self._added_data_files = [*added, *self._delete_files]
        try:
            return super()._summary(snapshot_properties)
        finally:
            self._added_data_files = added
