"""The lake as Iceberg tables (issue 19): every published table, with its history, readable by
Spark, Trino or any Iceberg reader by name.

The tables live in an Iceberg SQL catalog kept in the registry's own database (pyiceberg's
`SqlCatalog`: its tables `iceberg_tables` and `iceberg_namespace_properties` beside the hub's),
named `hub`, one namespace per department: a resource's Iceberg identifier is its code
(`ga.population`). Table metadata lives under `<home>/iceberg/`; the data files are the lake's
own accepted Parquet files, registered as they are (never copied or rewritten).

Each published batch is one snapshot, in batch order, tagged `batch-<batch id>`, holding what
the analysts' `history.<table>_as_of_batch('<batch id>')` returns: the batch's rows for a
snapshot resource, every batch up to it for an append one (the rows a later batch delivers
again hidden by position deletes, `catalog.iceberg_deletes`). The newest snapshot is the
current publication (`published.<table>`); a publication no batch stands for (the audit
findings' newest report of each audit) adds one more snapshot.

The Iceberg tables are derived from the registry, never the other way round: a publication is
committed first and then mirrored (`sync_after_publication`, which never raises); what a failure
left behind is caught up by the resource's next publication or `hub iceberg sync`, idempotently.
A history the tables cannot follow (a batch published out of order, a home moved) makes the
table rebuilt from the registry.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from catalog.model import Load, Resource
from catalog.registry import BatchRecord, BatchStatus, Publication, Registry, registry_url
from catalog.settings import HubSettings

if TYPE_CHECKING:  # pyiceberg is imported where a table is touched: `hub --help` needs none
    from pyiceberg.catalog.sql import SqlCatalog
    from pyiceberg.table import Table

__all__ = ["CATALOG_NAME", "IcebergSync", "catalog_properties", "file_uri", "identifier",
           "open_catalog", "sync_after_publication", "sync_all", "sync_resource", "tag_name"]

log = logging.getLogger(__name__)
# pyiceberg warns once per column of every registered file whose Parquet footer keeps no
# statistics for it (the lake writes none for long text columns): expected, and hundreds of
# lines on a department's terminal. Its errors still show.
logging.getLogger("pyiceberg.io.pyarrow").setLevel(logging.ERROR)

CATALOG_NAME = "hub"
_VERSION = "hub.publication-version"  # table property: the publication the table mirrors
_FILES = "hub.data-files"  # snapshot summary: digest of the data files it holds
_BATCH = "hub.batch-id"


@dataclass
class IcebergSync:
    """What one sync did to one resource's table."""

    code: str
    version: int = 0  # the publication the table now mirrors (0: nothing published)
    snapshots: int = 0  # snapshots committed by this sync
    rebuilt: bool = False
    error: str = ""

    def summary(self) -> str:
        """One line for a run's metadata."""
        if self.error:
            return f"{self.code}: not brought up to date ({self.error})"
        if not self.version:
            return f"{self.code}: nothing published"
        return (f"{self.code}: publication v{self.version}, {self.snapshots} snapshot(s) added"
                + (", history rebuilt" if self.rebuilt else ""))


def tag_name(batch_id: str) -> str:
    """The tag of the snapshot holding the table as of a batch."""
    return f"batch-{batch_id}"


def identifier(resource: Resource) -> tuple[str, str]:
    """`(department namespace, table)`: the resource's code, as the catalog names it."""
    namespace, name = resource.code.split(".", 1)
    return namespace, name


def warehouse(settings: HubSettings) -> Path:
    return settings.home / "iceberg"


def file_uri(path: str | Path) -> str:
    """A local file as the tables name it: `file://` and the absolute path, unencoded (as
    pyiceberg's and Hadoop's file systems read it)."""
    return f"file://{Path(path).absolute().as_posix()}"


def catalog_properties(settings: HubSettings) -> dict[str, str]:
    """The SqlCatalog's properties: the registry's database and the warehouse. An SQLite
    registry is waited on (as the hub's own connections do) rather than refused when busy."""
    url = registry_url(settings.registry_url)
    if url.get_backend_name() == "sqlite":
        url = url.update_query_dict({"timeout": "30"})
    return {"uri": url.render_as_string(hide_password=False),
            "warehouse": file_uri(warehouse(settings))}


def open_catalog(settings: HubSettings) -> SqlCatalog:
    """The hub's Iceberg catalog (its tables are made in the registry's database if missing)."""
    from pyiceberg.catalog.sql import SqlCatalog

    warehouse(settings).mkdir(parents=True, exist_ok=True)
    return SqlCatalog(CATALOG_NAME, **catalog_properties(settings))


@dataclass(frozen=True)
class _Published:
    batches: list[tuple[str, Path, object]]  # (batch id, accepted file, delivered at), by id
    version: int
    current: list[Path]  # the current publication's files


def _published(registry: Registry, resource: Resource) -> _Published | None:
    with registry.session() as s:
        publication = s.scalars(select(Publication).where(
            Publication.resource_code == resource.code)
            .order_by(Publication.version.desc()).limit(1)).first()
        if publication is None:
            return None
        rows = s.execute(select(BatchRecord.batch_id, BatchRecord.accepted_path,
                                BatchRecord.delivered_at).where(
            BatchRecord.resource_code == resource.code,
            BatchRecord.status == BatchStatus.PUBLISHED,
            BatchRecord.accepted_path.is_not(None)).order_by(BatchRecord.batch_id)).all()
        batches = [(b, Path(p), at) for b, p, at in rows]
        chosen = set(publication.batch_ids)
        current = [p for b, p, _ in batches if b in chosen]
        return _Published(batches, publication.version, current)


def _digest(files: list[Path]) -> str:
    return hashlib.sha256("\n".join(sorted(file_uri(f) for f in files)).encode()).hexdigest()[:24]


def _as_of(resource: Resource, batches: list[tuple[str, Path, object]], i: int) -> list[Path]:
    """The data files of the table as of the i-th batch: the hub's "as of" rule."""
    if resource.load is Load.APPEND:
        return [p for _, p, _ in batches[:i + 1]]
    return [batches[i][1]]


def sync_resource(settings: HubSettings, registry: Registry, resource: Resource,
                  catalog: SqlCatalog | None = None) -> IcebergSync:
    """Bring the resource's Iceberg table up to its publications: a snapshot and a tag for
    every published batch it lacks, then the current publication. Idempotent."""
    published = _published(registry, resource)
    result = IcebergSync(resource.code)
    if published is None or not published.batches:
        return result
    if catalog is None:
        own = open_catalog(settings)
        try:
            return sync_resource(settings, registry, resource, own)
        finally:
            own.close()  # its connections to the registry's database
    table, result.rebuilt = _load(catalog, resource)
    ids = [b for b, _, _ in published.batches]
    done = 0
    if table is not None:
        tagged = {name for name in table.metadata.refs if name.startswith("batch-")}
        while done < len(ids) and tag_name(ids[done]) in tagged:
            done += 1
        if tagged - {tag_name(b) for b in ids[:done]} or not _located(settings, table):
            # A batch published before one already mirrored, a batch no longer published, or
            # a moved home: the history is rebuilt from the registry.
            _drop(settings, catalog, table)
            table, done, result.rebuilt = None, 0, True
    if table is None:
        table = _create(settings, catalog, resource, published.batches[0][1])
    for i in range(done, len(ids)):
        files = _as_of(resource, published.batches, i)
        last = i == len(ids) - 1 and _digest(files) == _digest(published.current)
        result.snapshots += _commit(settings, table, resource, files, published.batches, i,
                                    version=published.version if last else None)
    main = table.current_snapshot()
    if main is None or main.summary.get(_FILES) != _digest(published.current) \
            or table.properties.get(_VERSION) != str(published.version):
        result.snapshots += _commit(settings, table, resource, published.current,
                                    published.batches, None, version=published.version)
    result.version = published.version
    return result


def _load(catalog: SqlCatalog, resource: Resource) -> tuple[Table | None, bool]:
    """The table (or None), and whether an entry was forgotten: one whose metadata file is
    gone (a home moved since), to be rebuilt."""
    from pyiceberg.exceptions import NoSuchTableError

    try:
        return catalog.load_table(identifier(resource)), False
    except NoSuchTableError:
        return None, False
    except FileNotFoundError:
        catalog.drop_table(identifier(resource))
        return None, True


def _located(settings: HubSettings, table: Table) -> bool:
    return table.location().rstrip("/").startswith(file_uri(warehouse(settings)) + "/")


def _drop(settings: HubSettings, catalog: SqlCatalog, table: Table) -> None:
    """Forget the table and remove its metadata and delete files if they are this home's (a
    copied home's entries name the original's, which stay). Never `purge_table`: that would
    delete the data files, which are the lake's own."""
    catalog.drop_table(table.name())
    if _located(settings, table):
        location = Path(table.location().removeprefix("file://"))
        shutil.rmtree(location / "metadata", ignore_errors=True)
        shutil.rmtree(location / "deletes", ignore_errors=True)


def _nullable(schema):
    """Every column optional: files of other schema revisions may lack some, or allow NULL."""
    import pyarrow as pa

    return pa.schema([f.with_nullable(True) for f in schema])


def _create(settings: HubSettings, catalog: SqlCatalog, resource: Resource,
            first: Path) -> Table:
    import pyarrow.parquet as pq

    namespace, _ = identifier(resource)
    catalog.create_namespace_if_not_exists(namespace)
    return catalog.create_table(
        identifier(resource), schema=_nullable(pq.read_schema(first)),
        properties={"format-version": "2", "hub.resource": resource.code,
                    "hub.load": str(resource.load)})


def _commit(settings: HubSettings, table: Table, resource: Resource, files: list[Path],
            batches: list[tuple[str, Path, object]], i: int | None, version: int | None) -> bool:
    """One snapshot whose data files are `files`, tagged with the i-th batch (if given);
    False if the current snapshot holds them already (then it gets the tag)."""
    from pyiceberg.io.pyarrow import parquet_file_to_data_file
    from pyiceberg.table import TableProperties
    from pyiceberg.table.update.snapshot import ManageSnapshots

    from catalog.iceberg_deletes import AppendWithDeletes, superseded_rows

    held = _data_files(table)
    wanted = {file_uri(f): f for f in files}
    removed = [df for uri, df in held.items() if uri not in wanted]
    added = [uri for uri in wanted if uri not in held]
    properties = {_FILES: _digest(files)}
    if i is not None:
        batch_id, _, delivered_at = batches[i]
        properties.update({_BATCH: batch_id, "hub.delivered-at": str(delivered_at)})
    if version is not None:
        properties[_VERSION] = str(version)
    deletes = None
    if resource.load is Load.APPEND and i is not None and not removed and added:
        deletes = superseded_rows(
            settings, resource, [p for _, p, _ in batches[:i]], batches[i][1],
            Path(table.location().removeprefix("file://")) / "deletes", file_uri)
    if not added and not removed:
        with table.transaction() as tx:
            if i is not None and table.current_snapshot() is not None:
                ManageSnapshots(tx).create_tag(table.current_snapshot().snapshot_id,
                                               tag_name(batches[i][0])).commit()
            if version is not None:
                tx.set_properties(**{_VERSION: str(version)})
        return False
    with table.transaction() as tx:
        _evolve(tx, [wanted[uri] for uri in added])
        if tx.table_metadata.name_mapping() is None:  # files without field ids: read by name
            tx.set_properties(**{TableProperties.DEFAULT_NAME_MAPPING:
                                 tx.table_metadata.schema().name_mapping.model_dump_json()})
        update = tx.update_snapshot(snapshot_properties=properties)
        if removed:
            producer = update.overwrite()
        elif deletes is not None:
            from pyiceberg.table.snapshots import Operation

            producer = AppendWithDeletes(operation=Operation.OVERWRITE, transaction=tx,
                                         io=table.io, snapshot_properties=properties,
                                         delete_files=[deletes])
        else:
            producer = update.fast_append()
        with producer as snapshot:
            for uri in added:
                snapshot.append_data_file(parquet_file_to_data_file(table.io, tx.table_metadata,
                                                                    uri))
            for df in removed:
                snapshot.delete_data_file(df)
        if i is not None:
            head = tx.table_metadata.snapshot_by_name("main")
            ManageSnapshots(tx).create_tag(head.snapshot_id, tag_name(batches[i][0])).commit()
        if version is not None:
            tx.set_properties(**{_VERSION: str(version)})
    return True


def _evolve(tx, files: list[Path]) -> None:
    """Add the columns of a newer schema revision the table lacks (older files read NULL)."""
    import pyarrow.parquet as pq

    known = {f.name for f in tx.table_metadata.schema().fields}
    for f in files:
        schema = pq.read_schema(f)
        if set(schema.names) - known:
            with tx.update_schema() as update:
                update.union_by_name(_nullable(schema))
            known |= set(schema.names)


def _data_files(table: Table) -> dict[str, object]:
    """The data files of the table's current snapshot, by location."""
    from pyiceberg.manifest import DataFileContent

    snapshot = table.current_snapshot()
    if snapshot is None:
        return {}
    return {e.data_file.file_path: e.data_file
            for m in snapshot.manifests(table.io)
            for e in m.fetch_manifest_entry(table.io, discard_deleted=True)
            if e.data_file.content == DataFileContent.DATA}


def sync_after_publication(settings: HubSettings, registry: Registry,
                           resource: Resource) -> IcebergSync:
    """`sync_resource` right after a publication committed. It never raises: the Iceberg table
    is derived, so a failure is reported and left to the next publication or `hub iceberg
    sync`, and the hub's publication stands."""
    try:
        return sync_resource(settings, registry, resource)
    except Exception as exc:  # noqa: BLE001 — a derived copy must never undo a publication
        log.warning("Iceberg table of %s not brought up to date (%s: %s); `hub iceberg sync` "
                    "catches it up", resource.code, type(exc).__name__, exc)
        return IcebergSync(resource.code, error=f"{type(exc).__name__}: {exc}")


def sync_all(settings: HubSettings, registry: Registry,
             resources: list[Resource]) -> list[IcebergSync]:
    """Every resource's table brought up to its publications; one failing table does not stop
    the others (its error is in its result)."""
    catalog = open_catalog(settings)
    results = []
    try:
        for resource in resources:
            try:
                results.append(sync_resource(settings, registry, resource, catalog))
            except Exception as exc:  # noqa: BLE001 — reported per table, the others go on
                results.append(IcebergSync(resource.code, error=f"{type(exc).__name__}: {exc}"))
    finally:
        catalog.close()
    return results
