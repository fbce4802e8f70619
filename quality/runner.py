"""Run a suite through GX's SQL engine on DuckDB over lake Parquet files, and read the results.

The data never leaves DuckDB: GX sends one bundled aggregate query for the counts and small
`LIMIT` queries for samples. Samples carry the resource key and lineage (`_batch_id`,
`_record_no`), so a failing check names records a department can find.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import great_expectations as gx
import sqlglot
import sqlglot.expressions as exp
from great_expectations.checkpoint import UpdateDataDocsAction
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context import AbstractDataContext

from catalog import HubSettings, Resource
from catalog.lake import connect
from catalog.originals import shown_originals
from quality.context import gx_context
from quality.gxduckdb import DuckDBDatasource
from quality.tagging import describe_check, is_blocking

__all__ = ["CheckOutcome", "ValidationOutcome", "index_columns", "source_query", "validate_files"]

SAMPLE_SIZE = 20
LINEAGE_INDEX = ("_batch_id", "_file", "_record_no")


@dataclass(frozen=True)
class CheckOutcome:
    """One expectation's verdict: how many values it judged, how many failed, a few examples."""

    name: str
    rule: str
    item: str | None
    dimension: str
    blocking: bool
    success: bool
    checked: int
    unexpected: int
    description: str
    problem: str = ""  # what is wrong with a value failing it (feedback), see `quality.tagging`
    samples: list[dict] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)  # every failing row (COMPLETE runs only)
    error: str | None = None


@dataclass
class ValidationOutcome:
    resource_code: str
    suite_name: str
    rows: int
    checks: list[CheckOutcome]
    run_name: str | None = None

    @property
    def blocking_failures(self) -> list[CheckOutcome]:
        return [c for c in self.checks if c.blocking and not c.success]

    @property
    def warnings(self) -> list[CheckOutcome]:
        return [c for c in self.checks if not c.blocking and not c.success]


def index_columns(resource: Resource, extra: list[str] | None = None) -> list[str]:
    """Columns that identify a failing row: the key, the lineage, and any `extra` wanted."""
    columns = [*resource.key, *LINEAGE_INDEX]
    return columns + [c for c in extra or [] if c not in columns]


def source_query(files: list[Path], shown: dict[str, str] | None = None) -> str:
    """SQL over exactly these Parquet files; `shown` gives columns read through an expression
    (originals stored only where they differ, `catalog.originals`)."""
    scan = exp.ReadParquet(expressions=[
        exp.Array(expressions=[exp.Literal.string(str(f)) for f in files]),
        exp.EQ(this=exp.column("union_by_name"), expression=exp.true()),
    ])
    star = exp.Star(replace=[sqlglot.parse_one(sql, read="duckdb").as_(column, quoted=True)
                             for column, sql in (shown or {}).items()] or None)
    return exp.select(star).from_(exp.Table(this=scan)).sql(dialect="duckdb")


def _restored(settings: HubSettings, resource: Resource, files: list[Path]) -> dict[str, str]:
    """The originals these files store only where they differ, restored (any file the lake
    wrote has them; a file that holds no original has nothing to restore)."""
    shown = shown_originals(resource)
    if not shown:
        return {}
    with connect(settings) as con:
        present = {r[0] for r in con.execute(f"DESCRIBE {source_query(files)}").fetchall()}
    return {c: sql for c, sql in shown.items() if c in present and c[:-len("_orig")] in present}


def _connect_args(settings: HubSettings) -> dict:
    return {"config": {"autoinstall_known_extensions": False,
                       "autoload_known_extensions": False,
                       "threads": settings.duckdb_threads,
                       "memory_limit": settings.duckdb_memory_limit}}


def _check(result, rows: int) -> CheckOutcome:
    config = result.expectation_config
    name, rule, item, dimension = describe_check(config)
    info = result.result or {}
    error = (result.exception_info or {}).get("exception_message") if not result.success else None
    if "unexpected_count" in info:
        checked = int(info.get("element_count", rows)) - int(info.get("missing_count") or 0)
        unexpected = int(info["unexpected_count"] or 0)  # None when every value is missing
        samples = info.get("partial_unexpected_index_list") or [
            v if isinstance(v, dict) else {"value": v}
            for v in info.get("partial_unexpected_list") or []]
    else:  # table-level and column-exists expectations judge one thing
        checked, unexpected, samples = 1, int(not result.success), []
    if error:
        unexpected = max(unexpected, 1)
    return CheckOutcome(name=name, rule=rule, item=item, dimension=dimension,
                        blocking=is_blocking(config), success=bool(result.success),
                        checked=checked, unexpected=unexpected,
                        description=config.description or config.type,
                        problem=(config.meta or {}).get("problem") or config.description or "",
                        samples=[_plain(s) for s in samples[:SAMPLE_SIZE]],
                        rows=[_plain(r) for r in info.get("unexpected_index_list") or []],
                        error=error)


def _plain(sample: dict) -> dict:
    return {k: v if isinstance(v, int | float | str | bool | None) else str(v)
            for k, v in sample.items()}


def validate_files(
    settings: HubSettings, resource: Resource, suite: gx.ExpectationSuite, files: list[Path],
    *, context: AbstractDataContext | None = None,
    run_name: str | None = None, every_failure: list[str] | None = None,
) -> ValidationOutcome:
    """Validate the rows of these files with `suite`. With a context that keeps reports (see
    `quality.context.gx_context`) the result is stored and its Data Docs page built.

    `every_failure` asks for all failing rows (GX's COMPLETE format) with these extra columns,
    for feedback files; otherwise each check reports counts and `SAMPLE_SIZE` examples."""
    keep = context is not None
    context = context or gx_context(None)
    datasource: DuckDBDatasource = context.data_sources.add_or_update_duckdb(
        name=f"lake_{resource.table}", connection_string="duckdb:///:memory:",
        kwargs={"connect_args": _connect_args(settings)})
    try:
        asset = datasource.add_query_asset(
            name=resource.table, query=source_query(files, _restored(settings, resource, files)))
        batch = asset.add_batch_definition_whole_table("rows")
        suite = context.suites.add_or_update(suite)
        definition = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=suite.name, data=batch, suite=suite))
        result_format = {
            "result_format": "SUMMARY" if every_failure is None else "COMPLETE",
            "partial_unexpected_count": SAMPLE_SIZE,
            "unexpected_index_column_names": index_columns(resource, every_failure)}
        checkpoint = context.checkpoints.add_or_update(gx.Checkpoint(
            name=suite.name, validation_definitions=[definition], result_format=result_format,
            actions=[UpdateDataDocsAction(name="data_docs")] if keep else []))
        run = checkpoint.run(run_id=RunIdentifier(run_name=run_name))
        (validation,) = run.run_results.values()
        rows = _row_count(validation)
        checks = [_check(r, rows) for r in validation.results]
    finally:
        datasource.close()
    return ValidationOutcome(resource_code=resource.code, suite_name=suite.name, rows=rows,
                             checks=checks, run_name=run_name)


def _row_count(validation) -> int:
    for result in validation.results:
        if "element_count" in (result.result or {}):
            return int(result.result["element_count"])
    return 0
