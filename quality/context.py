"""The Great Expectations data context of a hub home, and where quality reports live.

Suites, validation results and checkpoints are stored as files under `<home>/quality/gx`; the
Data Docs site (HTML, one page per validation run plus the suites) under `<home>/quality/docs`.
The context itself is ephemeral: datasources are made per run and never written to a
`great_expectations.yml`, so concurrent runs do not rewrite each other's configuration.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager

import great_expectations as gx
from great_expectations.data_context import AbstractDataContext
from great_expectations.data_context.types.base import (
    DataContextConfig,
    FilesystemStoreBackendDefaults,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)

from catalog import HubSettings
from quality import docs_speed
from quality.gxduckdb import install
from quality.paths import quality_home

__all__ = ["gx_context", "prune_results", "quality_lock"]

DOCS_SITE = "hub_data_docs"


def gx_context(settings: HubSettings | None) -> AbstractDataContext:
    """The hub's context with file stores and Data Docs (settings given), or a throwaway one in
    memory (None: the quality gate and the benchmark, which keep no reports)."""
    install()
    docs_speed.install()
    quiet = ProgressBarsConfig(globally=False)
    if settings is None:
        config = DataContextConfig(store_backend_defaults=InMemoryStoreBackendDefaults(),
                                   analytics_enabled=False, progress_bars=quiet)
        return gx.get_context(project_config=config, mode="ephemeral")
    root = quality_home(settings)
    docs = {DOCS_SITE: {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                          "base_directory": str(root / "docs")},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }}
    config = DataContextConfig(
        store_backend_defaults=FilesystemStoreBackendDefaults(root_directory=str(root / "gx")),
        data_docs_sites=docs, analytics_enabled=False, progress_bars=quiet,
    )
    return gx.get_context(project_config=config, mode="ephemeral")


def prune_results(context: AbstractDataContext, suite_name: str, keep: int) -> int:
    """Remove a suite's stored validation results but the newest `keep - 1`, before a run stores
    one more; returns how many were removed.

    GX renders the Data Docs index from every stored result on each run (about 10 ms a result
    here), so an unbounded history would slow every run down month by month. The index build
    also drops the pages of removed results. The catalog keeps every run's scores."""
    store = context.validation_results_store
    mine = sorted((k for k in store.list_keys() if k.expectation_suite_identifier.name == suite_name),
                  key=lambda k: k.run_id.run_time)
    old = mine[: max(len(mine) - (keep - 1), 0)]
    for key in old:
        store.remove_key(key)
    return len(old)


@contextmanager
def quality_lock(settings: HubSettings) -> Iterator[None]:
    """One quality run at a time per hub home, whichever process runs it (the Data Docs index
    and the stores are shared files)."""
    root = quality_home(settings)
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
