"""One cross-check run: read the published resources, link, judge, write and publish the flags.

The flags Parquet (and the linkage issues beside it) are written in staging, promoted
atomically, and only then listed in the registry as a new version of `mz.crosscheck_flags`,
so readers see the previous run's flags until this one is complete.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from catalog import BatchRecord, BatchStatus, HubError, HubSettings, Publication, Registry, resource
from catalog.i18n import _
from catalog.iceberg import sync_after_publication
from catalog.lake import Lake, connect
from catalog.registry import utcnow
from catalog.resources import CROSSCHECK_FLAGS
from catalog.reviews import CrosscheckRun, latest_reviews, record_run
from catalog.sqlfunctions import register_functions, unregister_functions
from pipelines.crosscheck.household import create_households, months_back, reference_month
from pipelines.crosscheck.linkage import create_linkage
from pipelines.crosscheck.output import (
    FLAG_COLUMNS,
    ISSUE_COLUMNS,
    apply_reviews,
    create_issues,
    find_flags,
)
from pipelines.crosscheck.rules import RuleContext
from pipelines.crosscheck.sources import create_sources
from pipelines.spark_connection import SparkConnection
from policies.crosscheck_config import CrosscheckConfig, load_crosscheck_config

if TYPE_CHECKING:
    from pipelines.spark_engine import SparkEngine

__all__ = ["CrosscheckError", "CrosscheckResult", "new_run_id", "run_crosscheck"]

REQUIRED = ("ga.population", "mz.recipients", "mz.members")


class CrosscheckError(HubError):
    """The cross-check cannot run (e.g. nothing published yet); the message says why."""

    code, status = "not_ready", 409


@dataclass
class CrosscheckResult:
    """What a run did, for asset metadata, the CLI and the benchmark."""

    run_id: str
    reference_month: str | None
    rows: int
    raised: dict[str, int]
    suppressed: dict[str, int]
    unlinked: dict[str, int]
    salvaged: dict[str, int]
    inputs: dict[str, int | None]
    flags_path: str
    issues_path: str
    version: int
    seconds: dict[str, float] = field(default_factory=dict)


def new_run_id(dagster_run_id: str = "") -> str:
    """Sortable run id: UTC time plus a unique suffix (the Dagster run id's start, if any)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"{stamp}-{(dagster_run_id or uuid.uuid4().hex)[:8]}"


def _reviews(registry: Registry) -> list[dict]:
    return [{"case_no": k.case_no, "rule": k.rule, "id_number": k.id_number,
             "decision": r.decision, "fingerprint": r.fingerprint}
            for k, r in latest_reviews(registry).items()]


def _compute(con: duckdb.DuckDBPyConnection | SparkConnection, settings: HubSettings, registry: Registry,
             config: CrosscheckConfig, run_id: str, out: Path) -> dict:
    """Every step of the run on one connection; writes flags.parquet and issues.parquet."""
    timings: dict[str, float] = {}
    started = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal started
        now = time.perf_counter()
        timings[step] = round(now - started, 3)
        started = now

    con.execute("ATTACH ? AS hub (READ_ONLY)", [str(settings.analyst_db)])
    infos = create_sources(con, config.sources.salvage_quarantined)
    missing = [code for code in REQUIRED if infos[code].version is None]
    if missing:
        raise CrosscheckError(_("cannot cross-check before {resources} is published",
                                resources=", ".join(missing)))
    lap("sources")
    create_linkage(con)
    lap("linkage")
    create_households(con, config, infos)
    month = reference_month(con, list(infos["rs.social_insurance"].batch_ids))
    ctx = RuleContext(config, months_back(month, config.income.months),
                      months_back(month, config.provident_fund.months))
    found = find_flags(con, config, ctx)
    lap("rules")
    suppressed = apply_reviews(con, config, _reviews(registry), run_id, month)
    unlinked = create_issues(con, run_id)
    flags_file, issues_file = out / "flags.parquet", out / "linkage_issues.parquet"
    con.execute(f"COPY (SELECT _batch_id, {', '.join(FLAG_COLUMNS)} FROM flags "
                f"ORDER BY case_no, rule, id_number) TO "
                f"'{flags_file}' (FORMAT parquet, COMPRESSION zstd)")
    con.execute(f"COPY (SELECT {', '.join(ISSUE_COLUMNS)} FROM issues "
                f"ORDER BY resource_code, batch_id, record_no) TO "
                f"'{issues_file}' (FORMAT parquet, COMPRESSION zstd)")
    raised = dict(con.execute("SELECT rule, count(*) FROM flags GROUP BY rule "
                              "ORDER BY rule").fetchall())
    lap("output")
    return {"month": month, "found": found, "raised": raised, "suppressed": suppressed,
            "unlinked": unlinked, "timings": timings,
            "salvaged": {c: i.salvaged for c, i in infos.items() if i.salvaged},
            "inputs": {c: i.version for c, i in infos.items()}}


def _publish(registry: Registry, run_id: str, flags_file: Path, rows: int) -> int:
    """List the promoted flags file as the new current version of mz.crosscheck_flags."""
    digest = hashlib.sha256(flags_file.read_bytes()).hexdigest()
    with registry.session() as s:
        current = (s.query(Publication).filter_by(resource_code=CROSSCHECK_FLAGS)
                   .order_by(Publication.version.desc()).first())
        version = (current.version + 1) if current else 1
        s.add(BatchRecord(
            resource_code=CROSSCHECK_FLAGS, batch_id=run_id, files=[], sha256=digest,
            size_bytes=flags_file.stat().st_size, delivered_at=utcnow(),
            status=BatchStatus.PUBLISHED, rows_in=rows, rows_accepted=rows,
            accepted_path=str(flags_file), standardised_at=utcnow()))
        s.add(Publication(resource_code=CROSSCHECK_FLAGS, version=version, batch_ids=[run_id],
                          rows=rows, run_id=run_id))
    return version


def _on_engine(settings: HubSettings, registry: Registry, config: CrosscheckConfig,
               run_id: str, out: Path, engine: SparkEngine | None) -> dict:
    """`_compute` on a DuckDB connection, or with `engine` its same SQL on Spark."""
    if engine is not None:
        spark = SparkConnection(engine, settings)
        try:
            return _compute(spark, settings, registry, config, run_id, out)
        finally:
            spark.close()
    con = connect(settings)
    try:
        register_functions(con)
        try:
            return _compute(con, settings, registry, config, run_id, out)
        finally:
            unregister_functions(con)
    finally:
        con.close()


def run_crosscheck(settings: HubSettings, registry: Registry, run_id: str | None = None,
                   config: CrosscheckConfig | None = None,
                   engine: SparkEngine | None = None) -> CrosscheckResult:
    """Cross-check every active case against the published resources and publish the flags;
    with a Spark `engine` every step's SQL runs on Spark (`pipelines.spark_connection`).

    The caller refreshes the analysts' database afterwards (`published.mz_crosscheck_flags`).
    """
    config = config or load_crosscheck_config()
    run_id = run_id or new_run_id()
    if not settings.analyst_db.exists():
        raise CrosscheckError(_("nothing is published yet: materialise the resources first"))
    lake = Lake(settings)
    with lake.staging() as staged:
        done = _on_engine(settings, registry, config, run_id, staged, engine)
        final = lake.promote(staged, lake.batch_dir("standardised", resource(CROSSCHECK_FLAGS).table, run_id))
    flags_file, issues_file = final / "flags.parquet", final / "linkage_issues.parquet"
    rows = sum(done["raised"].values())
    version = _publish(registry, run_id, flags_file, rows)
    sync_after_publication(settings, registry, resource(CROSSCHECK_FLAGS))  # never raises
    record_run(registry, CrosscheckRun(
        run_id=run_id, reference_month=done["month"], policy_version=config.version,
        flags_path=str(flags_file), issues_path=str(issues_file), rows=rows,
        raised=done["raised"], suppressed=done["suppressed"], unlinked=done["unlinked"],
        inputs=done["inputs"]))
    return CrosscheckResult(
        run_id=run_id, reference_month=done["month"], rows=rows, raised=done["raised"],
        suppressed=done["suppressed"], unlinked=done["unlinked"], salvaged=done["salvaged"],
        inputs=done["inputs"], flags_path=str(flags_file), issues_path=str(issues_file),
        version=version, seconds=done["timings"])
