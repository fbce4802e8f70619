"""A quality run of one resource's current version, and the quality gate for candidate batches.

A run validates the published rows with the whole suite (stored, with its Data Docs page),
records the GB/T 36344 scores in the catalog, writes the departments' feedback files and looks
for undeclared personal data. The gate judges a candidate batch's accepted rows by the
blocking expectations only, before `publish` may make it current: from the counts the
standardisation pass kept (`quality.folded`), or with GX when a check needs more.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import great_expectations as gx

from catalog import BatchRecord, BatchStatus, HubSettings, Registry, Resource
from catalog.current import current_rows
from catalog.i18n import _
from catalog.lake import parquet_columns
from catalog.quality_scores import QualityScore, record_scores
from quality.context import gx_context, prune_results, quality_lock
from quality.docs_offline import localise_data_docs
from quality.feedback import write_feedback
from quality.folded import counted_key_duplicates, folded_outcome
from quality.paths import data_docs_index
from quality.pii import PiiFinding, discover_pii
from quality.runner import ValidationOutcome, validate_files
from quality.scores import compute_scores, quarantine_counts
from quality.suites import build_suite
from quality.validated import Validated, fingerprint, recall, remember

if TYPE_CHECKING:
    from pipelines.spark_engine import SparkEngine

__all__ = ["QualityReport", "current_files", "quality_gate", "run_quality"]


@dataclass
class QualityReport:
    resource_code: str
    run_id: str
    version: int | None
    outcome: ValidationOutcome | None
    scores: list[QualityScore] = field(default_factory=list)
    feedback: list[Path] = field(default_factory=list)
    pii: list[PiiFinding] = field(default_factory=list)
    data_docs: Path | None = None

    @property
    def resource_scores(self) -> dict[str, float]:
        return {s.dimension: s.score for s in self.scores if not s.item}


def current_files(registry: Registry, resource: Resource) -> tuple[list[BatchRecord], list[Path]]:
    """The batches of the current publication and their accepted Parquet files."""
    publication = registry.current_publication(resource.code)
    if publication is None:
        return [], []
    ids = set(publication.batch_ids)
    batches = [b for b in registry.batches(resource.code) if b.batch_id in ids]
    return batches, [Path(b.accepted_path) for b in batches if b.accepted_path]


def read_with(resource: Resource, files: list[Path]) -> Resource:
    """The resource as these files were read: without the items a later schema revision added
    (a version is checked against the schema it was read with, until a new one replaces it)."""
    present = parquet_columns(files)
    items = tuple(i for i in resource.items if i.name in present)
    return resource if len(items) == len(resource.items) else \
        resource.model_copy(update={"items": items})


def run_quality(settings: HubSettings, registry: Registry, resource: Resource,
                run_id: str | None = None, *, reuse: bool = False,
                engine: SparkEngine | None = None) -> QualityReport:
    """Validate the current version, record scores, write feedback and Data Docs, scan for PII.

    With `reuse`, a version already validated under the same suite is not validated again: the
    last run's verdicts stand (`quality.validated`; the asset checks of every job run). With a
    Spark `engine` the suite runs on GX's Spark execution engine (`quality.gxspark`)."""
    run_id = run_id or uuid.uuid4().hex[:12]
    publication = registry.current_publication(resource.code)
    batches, files = current_files(registry, resource)
    if not files:
        return QualityReport(resource.code, run_id, None, None)
    resource = read_with(resource, files)
    checked = current_rows(settings, resource, files)
    suite = build_suite(resource, counted_duplicates=counted_key_duplicates(
        settings, resource, files, checked))
    # The same files under the same suite: GX's verdicts of the last run stand (`validated`).
    print_ = fingerprint(suite, checked, publication.version if publication else None)
    kept = recall(settings, resource, print_) if reuse else None
    if kept is None:
        kept = _validate(settings, resource, suite, batches, files, checked, run_id, engine)
        remember(settings, resource, dataclasses.replace(kept, fingerprint=print_))
    delivered = [b for b in registry.batches(resource.code) if b.status is not BatchStatus.DUPLICATE]
    scores = compute_scores(resource, kept.outcome, quarantine_counts(settings, batches),
                            delivered, publication, run_id)
    record_scores(registry, scores)
    return QualityReport(resource.code, run_id, publication.version if publication else None,
                         kept.outcome, scores, kept.feedback, kept.pii, data_docs_index(settings))


def _validate(settings: HubSettings, resource: Resource, suite: gx.ExpectationSuite,
              batches: list[BatchRecord], files: list[Path], checked: list[Path],
              run_id: str, engine: SparkEngine | None = None) -> Validated:
    """Validate with the whole suite (stored, with its Data Docs page; on Spark when `engine`
    is given), then write feedback files (every failing row of the warnings, GX's COMPLETE
    format, on DuckDB: a few rows) and scan for PII."""
    with quality_lock(settings):
        context = gx_context(settings)
        prune_results(context, suite.name, settings.quality_results_kept)
        run_name = f"{resource.code}-{run_id}"
        if engine is not None:
            from quality.gxspark import validate_on_spark  # imports pyspark's GX engine

            outcome = validate_on_spark(engine, settings, resource, suite, checked,
                                        context=context, run_name=run_name)
        else:
            outcome = validate_files(settings, resource, suite, checked, context=context,
                                     run_name=run_name)
        localise_data_docs(data_docs_index(settings).parent)
    warned = [c for c in outcome.checks if c.unexpected and not c.blocking and c.item]
    detailed = validate_files(
        settings, resource, _subset(suite, {c.name for c in warned}), checked,
        every_failure=[f"{c.item}_orig" for c in warned],
    ).checks if warned else []
    # A rejected batch's file was written when it was rejected (`write_rejection`), with the
    # reason: it stays until the department delivers the batch again.
    feedback = write_feedback(settings, resource, batches, detailed)
    return Validated("", outcome, feedback, discover_pii(settings, resource, files))


def _subset(suite: gx.ExpectationSuite, names: set[str]) -> gx.ExpectationSuite:
    """The checks named, in a suite of their own (for the COMPLETE run behind feedback files)."""
    expectations = [e.copy(update={"id": None}) for e in suite.expectations
                    if (e.meta or {}).get("check") in names]
    return gx.ExpectationSuite(name=f"{suite.name}.feedback", expectations=expectations,
                               meta=suite.meta)


def quality_gate(settings: HubSettings, registry: Registry):
    """A `pipelines.ingest.QualityGate`: refuse a batch whose accepted rows fail a blocking
    expectation (structure, key, required items, or a snapshot shrunk below half)."""

    def gate(resource: Resource, batch: BatchRecord) -> tuple[bool, str, str]:
        current = registry.current_publication(resource.code)
        suite = build_suite(resource, blocking_only=True,
                            current_rows=current.rows if current else None)
        accepted = Path(batch.accepted_path or "")
        # What the standardisation pass counted, when it counted all the checks need.
        outcome = (folded_outcome(resource, suite, accepted)
                   or validate_files(settings, resource, suite, [accepted]))
        failures = outcome.blocking_failures
        reason = "; ".join(f"{c.name} failed for {c.unexpected} of {c.checked} ({c.description})"
                           for c in failures)
        reason_zh = _("; ").join(_("{problem} ({unexpected} of {checked})", problem=c.problem,
                                   unexpected=c.unexpected, checked=c.checked)
                                 for c in failures)
        return not failures, reason, reason_zh

    return gate
