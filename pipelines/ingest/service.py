"""The three steps of ingestion for one resource: raw, standardised, published.

Each step is idempotent and crash-safe: it writes into staging, promotes atomically, and only
then records the result in the registry, which is what readers follow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from catalog import BatchRecord, BatchStatus, HubSettings, Load, Publication, Registry, Resource
from catalog.current import current_row_count, current_rows
from catalog.i18n import _, language, lazy
from catalog.lake import Lake, connect
from catalog.notify import HUB_DEPARTMENT, emit
from catalog.registry import ResourceEntry, utcnow
from catalog.sqlfunctions import register_fallbacks, unregister_functions
from pipelines.ingest.delivered import discard, keep_files
from pipelines.ingest.landing import Delivery, find_deliveries, in_both
from pipelines.ingest.readers import BatchRejected, write_raw
from pipelines.ingest.spark_standardise import decode_batch, spark_standardise_batch
from pipelines.ingest.standardise import standardise_batch
from pipelines.spark_engine import SparkEngine, spark_engine_for

__all__ = ["BatchOutcome", "QualityGate", "ingest_raw", "pending_by_resource",
           "pending_deliveries", "publish", "standardise"]

# A quality gate decides whether a standardised batch may become current: (ok, reason, the
# reason in Chinese for the department).
QualityGate = Callable[[Resource, BatchRecord], tuple[bool, str, str]]


@dataclass
class BatchOutcome:
    """What a step did to one batch, reported as asset metadata."""

    batch_id: str
    status: str
    rows_in: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    reason: str = ""
    by_rule: dict[str, int] = field(default_factory=dict)
    reason_zh: str = ""  # a rejection's reason for the department (see `quality.feedback`)


def _known_batches(registry: Registry, resource: Resource) -> dict[str, BatchRecord]:
    return {b.batch_id: b for b in registry.batches(resource.code)}


def _redelivered(record: BatchRecord, delivery: Delivery) -> bool:
    """Whether a batch the hub refused before reading any row (rejected whole, or identical to
    another batch) has been delivered again under the same batch id: its files changed size,
    or were written after the hub last looked. Accepted batches are never read twice."""
    if record.status not in (BatchStatus.REJECTED, BatchStatus.DUPLICATE) or record.raw_path:
        return False
    return (delivery.size_bytes != record.size_bytes
            or delivery.modified_at > record.ingested_at)


def pending_deliveries(settings: HubSettings, registry: Registry,
                       resource: Resource) -> list[Delivery]:
    """Complete batches in the landing directory the hub has yet to read: new batch ids, and
    re-deliveries of batches it refused before reading them."""
    return _pending(settings, resource, _known_batches(registry, resource))


def pending_by_resource(settings: HubSettings, registry: Registry,
                        resources: list[Resource]) -> dict[str, list[Delivery]]:
    """`pending_deliveries` of many resources (those with any, by code, in the order given):
    each landing folder looked at once, and the registry asked once for the batches of the
    folders that hold anything — not once per resource (10,000 queries a sensor tick)."""
    found = {r.code: (r, deliveries) for r in resources
             if (deliveries := find_deliveries(settings.landing_dir, r))}
    known: dict[str, dict[str, BatchRecord]] = {code: {} for code in found}
    codes = list(found)
    with registry.session() as s:
        for start in range(0, len(codes), _IN_CHUNK):
            for batch in s.scalars(select(BatchRecord).where(
                    BatchRecord.resource_code.in_(codes[start:start + _IN_CHUNK]))):
                known[batch.resource_code][batch.batch_id] = batch
    pending = {code: [d for d in deliveries if d.batch_id not in known[code]
                      or _redelivered(known[code][d.batch_id], d)]
               for code, (_, deliveries) in found.items()}
    return {code: found_ for code, found_ in pending.items() if found_}


_IN_CHUNK = 500  # codes per IN list: well below every database's limit on parameters


def _pending(settings: HubSettings, resource: Resource,
             known: dict[str, BatchRecord]) -> list[Delivery]:
    return [d for d in find_deliveries(settings.landing_dir, resource)
            if d.batch_id not in known or _redelivered(known[d.batch_id], d)]


def ingest_raw(settings: HubSettings, registry: Registry, resource: Resource) -> list[BatchOutcome]:
    """Parse every new complete batch in the landing directory into the raw layer.

    A batch refused before its rows were read may be corrected and delivered again under the
    same id; it is then read again and its record updated (the refusal stays in the run's
    Dagster events). A file merely touched (same SHA-256) is not read again.
    """
    lake = Lake(settings)
    known = _known_batches(registry, resource)
    outcomes = []
    for delivery in _pending(settings, resource, known):
        # The files are kept as they are hashed (one read of each); a batch refused or with
        # files of the wrong type is hashed only, and keeps nothing.
        sha, kept = ((delivery.sha256(), {}) if delivery.refused or delivery.unexpected
                     else keep_files(settings.lake, delivery.files))
        previous = known.get(delivery.batch_id)
        if previous is not None and previous.sha256 == sha:
            discard(settings.lake, kept)
            _looked_again(registry, previous, delivery)
            continue
        same = next((b for b in known.values() if b.sha256 == sha
                     and b.status not in (BatchStatus.DUPLICATE, BatchStatus.REJECTED)), None)
        record = BatchRecord(
            resource_code=resource.code, batch_id=delivery.batch_id,
            files=delivery.relative_files(settings.landing_dir), sha256=sha,
            size_bytes=delivery.size_bytes, delivered_at=delivery.delivered_at,
            status=BatchStatus.RAW, reason="", rows_in=0, blank_lines=0, ingested_at=utcnow(),
        )
        reason_zh = ""
        if same is not None:
            discard(settings.lake, kept)
            record.status = BatchStatus.DUPLICATE
            record.duplicate_of = same.batch_id
            record.reason = f"identical to batch {same.batch_id} (SHA-256 {sha[:12]}…)"
        else:
            reason_zh = _parse_raw(settings, lake, resource, delivery, record, kept)
        known[record.batch_id] = _save(settings, registry, record, previous, reason_zh)
        outcomes.append(BatchOutcome(record.batch_id, str(record.status), record.rows_in,
                                     reason=record.reason, reason_zh=reason_zh))
    return outcomes


_REREAD = ("files", "sha256", "size_bytes", "delivered_at", "status", "reason", "rows_in",
           "raw_path", "layout", "blank_lines", "duplicate_of", "ingested_at")


def _save(settings: HubSettings, registry: Registry, record: BatchRecord,
          previous: BatchRecord | None, reason_zh: str) -> BatchRecord:
    """Add the batch's record, or update the record of the delivery it replaces."""
    with registry.session() as s:
        if previous is None:
            s.add(record)
            row = record
        else:
            row = s.get(BatchRecord, previous.id)
            assert row is not None
            for name in _REREAD:
                setattr(row, name, getattr(record, name))
        _notify(s, settings, row, reason_zh)
        return row


def _notify(s, settings: HubSettings, batch: BatchRecord, reason_zh: str = "") -> None:
    """Tell the provider department (and the hub) of a batch rejected whole, or with more of
    its rows quarantined than `notify_quarantine_ratio`, in the session recording it
    (`catalog.notify`)."""
    data = {"resource": batch.resource_code, "batch_id": batch.batch_id,
            "rows_in": batch.rows_in, "rows_accepted": batch.rows_accepted,
            "rows_quarantined": batch.rows_quarantined,
            "by_rule": dict(batch.quarantine_by_rule or {})}
    provider = s.scalar(select(ResourceEntry.provider_code).where(
        ResourceEntry.code == batch.resource_code))
    concerned = [provider or "", HUB_DEPARTMENT]
    subject = f"batch:{batch.resource_code}/{batch.batch_id}"
    if batch.status is BatchStatus.REJECTED:
        emit(s, "batch.rejected", subject=subject, departments=concerned,
             data={**data, "reason": reason_zh or batch.reason})
        return
    threshold = settings.notify_quarantine_ratio
    if batch.rows_in and batch.rows_quarantined / batch.rows_in > threshold:
        emit(s, "batch.quarantined", subject=subject, departments=concerned,
             data={**data, "ratio": f"{batch.rows_quarantined / batch.rows_in:.1%}",
                   "threshold": f"{threshold:.1%}"})


def _tell(s, settings: HubSettings, notices: list[tuple[BatchRecord, str]]) -> None:
    for batch, reason_zh in notices:
        _notify(s, settings, batch, reason_zh)


def _looked_again(registry: Registry, record: BatchRecord, delivery: Delivery) -> None:
    """The files were touched but hold the same bytes: note the look (no earlier than the
    files' time, which another machine's clock may have set ahead), so they are not hashed
    again on every run."""
    with registry.session() as s:
        row = s.get(BatchRecord, record.id)
        assert row is not None
        row.ingested_at = max(utcnow(), delivery.modified_at)


def _parse_raw(settings: HubSettings, lake: Lake, resource: Resource, delivery: Delivery,
               record: BatchRecord, kept: dict[Path, tuple[str, bool]]) -> str:
    """Read the delivery into the raw layer — its files kept under their SHA-256, and the
    index of a text delivery's lines or the raw parts of another (`readers`) — and set
    `raw_path`, the mark of a batch that was read; the Chinese reason when it is rejected
    whole."""
    with lake.staging() as staged, connect(settings) as con:
        try:
            result = write_raw(con, resource, delivery, record.sha256, settings.landing_dir,
                               staged, settings.ingest_chunk_bytes, settings.lake, kept)
        except BatchRejected as exc:
            record.status = BatchStatus.REJECTED
            record.reason = str(exc)
            return exc.zh
        final = lake.promote(staged, lake.batch_dir("raw", resource.table, delivery.batch_id))
    record.rows_in = result.rows
    record.raw_path = str(final)
    record.layout = result.layout or None
    record.blank_lines = result.blank_lines
    return ""


def standardise(settings: HubSettings, registry: Registry, resource: Resource,
                engine: SparkEngine | None = None) -> list[BatchOutcome]:
    """Standardise every raw batch: accepted rows and quarantined rows, nothing lost (on
    Spark when `engine` is given or the settings name it: `pipelines.engine_resource`)."""
    engine = engine or spark_engine_for(settings.engine, settings.spark_master)
    lake = Lake(settings)
    pending = [b for b in registry.batches(resource.code) if b.status is BatchStatus.RAW]
    outcomes = []
    for batch in pending:
        with lake.staging() as staged, connect(settings) as con:
            if engine is not None:
                with lake.staging() as scratch:
                    result = spark_standardise_batch(engine, resource, decode_batch(
                        con, resource, Path(batch.raw_path or ""), scratch / "decoded.parquet",
                        batch.layout, settings.ingest_chunk_bytes), staged)
            else:
                register_fallbacks(con)
                try:
                    result = standardise_batch(con, resource, Path(batch.raw_path or ""),
                                               staged, batch.layout, settings.ingest_chunk_bytes)
                finally:
                    unregister_functions(con)
            if result.rows_in != batch.rows_in:
                raise RuntimeError(
                    f"{resource.code} {batch.batch_id}: raw has {batch.rows_in} rows but "
                    f"{result.rows_in} were standardised")
            final = lake.promote(staged, lake.batch_dir("standardised", resource.table,
                                                        batch.batch_id))
        with registry.session() as s:
            row = s.get(BatchRecord, batch.id)
            assert row is not None
            row.rows_accepted = result.accepted
            row.rows_quarantined = result.quarantined
            row.quarantine_by_rule = result.by_rule
            row.accepted_path = str(final / "accepted.parquet")
            row.quarantine_path = str(final / "quarantine.parquet")
            row.standardised_at = utcnow()
            reason_zh = ""
            if result.accepted == 0:
                row.status = BatchStatus.REJECTED
                row.reason, reason_zh = in_both(lazy(
                    "no record of the batch could be accepted (see quarantine)"))
            else:
                row.status = BatchStatus.STANDARDISED
            _notify(s, settings, row, reason_zh)
        outcomes.append(BatchOutcome(batch.batch_id, str(row.status), result.rows_in,
                                     result.accepted, result.quarantined, row.reason,
                                     result.by_rule, reason_zh))
    return outcomes


def publish(
    settings: HubSettings, registry: Registry, resource: Resource, run_id: str = "",
    gate: QualityGate | None = None,
) -> tuple[Publication | None, list[BatchOutcome]]:
    """Make the newest accepted state current; a batch the gate refuses leaves the old one.

    Snapshot: the newest standardised batch that passes the gate. Append: every batch that has
    passed. Returns the current publication (new or unchanged) and the batches refused.
    """
    refused: list[BatchOutcome] = []
    notices: list[tuple[BatchRecord, str]] = []  # told at the end: telling writes (`emit`)
    with registry.session() as s:
        # Every read comes first: the changes below are flushed only at the commit, so the
        # gate and the decision on the keys (seconds at 10 M persons) hold no write lock that
        # would stall the API's writes to the same database.
        batches = list(s.scalars(select(BatchRecord).where(
            BatchRecord.resource_code == resource.code).order_by(BatchRecord.batch_id)))
        current = s.scalars(select(Publication).where(Publication.resource_code == resource.code)
                            .order_by(Publication.version.desc())).first()
        for batch in batches:
            if batch.status is BatchStatus.STANDARDISED and gate is not None:
                ok, reason, reason_zh = gate(resource, batch)
                if not ok:
                    batch.status = BatchStatus.REJECTED
                    # The gate words its reason in both languages itself (`quality`).
                    batch.reason, told = in_both(lambda reason=reason, reason_zh=reason_zh: _(
                        "quality gate: {reason}",
                        reason=reason_zh if language() == "zh_Hans" else reason))
                    notices.append((batch, told))
                    refused.append(BatchOutcome(
                        batch.batch_id, "rejected", batch.rows_in, batch.rows_accepted,
                        batch.rows_quarantined, reason=batch.reason, reason_zh=told))
        live = [b for b in batches if b.status in (BatchStatus.STANDARDISED, BatchStatus.PUBLISHED)]
        if not live:
            _tell(s, settings, notices)
            return current, refused
        # Every batch that passed the gate joins the history ("as of" queries); the current
        # version is the newest snapshot, or every month of an append resource.
        for batch in live:
            batch.status = BatchStatus.PUBLISHED
        chosen = live if resource.load is Load.APPEND else [live[-1]]
        batch_ids = [b.batch_id for b in chosen]
        if current is not None and list(current.batch_ids) == batch_ids:
            _tell(s, settings, notices)
            return current, refused
        # Whether a key recurs across the batches is decided once, here, for every reader; a
        # key delivered again in a later month counts once.
        files = [Path(b.accepted_path or "") for b in chosen]
        current_rows(settings, resource, files)
        rows = current_row_count(settings, resource, files)
        publication = Publication(
            resource_code=resource.code, version=(current.version + 1) if current else 1,
            batch_ids=batch_ids, run_id=run_id,
            rows=rows if rows is not None else sum(b.rows_accepted for b in chosen),
        )
        s.add(publication)
        _tell(s, settings, notices)
    return publication, refused
