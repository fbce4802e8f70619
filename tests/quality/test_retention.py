"""Stored validation results and their Data Docs pages are kept for the newest runs only, so a
quality run does not slow down as months of runs accumulate; the catalog keeps every score."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog import resource
from catalog.quality_scores import score_history
from quality import run_quality
from quality.context import gx_context
from quality.paths import data_docs_index, quality_home
from tests.conftest import make_settings, open_registry
from tests.pipelines.helpers import MEMBERS_HEADER, deliver, ingest

pytestmark = pytest.mark.slow


def _pages(settings) -> list[Path]:
    return sorted((quality_home(settings) / "docs" / "validations").rglob("*.html"))


def test_only_the_newest_results_and_pages_are_kept(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("HUB_QUALITY_RESULTS_KEPT", "3")
    settings = make_settings(tmp_path / "home", tmp_path / "landing", monkeypatch)
    registry = open_registry(settings)
    members = resource("mz.members")
    deliver(settings, members.code, "20261101T020000.csv",
            f"{MEMBERS_HEADER}\nMZ2026000001,441302199001011234,张三,本人\n".encode("gbk"))
    ingest(settings, registry, members.code)

    run_ids = [f"run{n}" for n in range(5)]
    for run_id in run_ids:
        run_quality(settings, registry, members, run_id=run_id)

    stored = gx_context(settings).validation_results_store.list_keys()
    assert sorted(k.run_id.run_name for k in stored) == [f"mz.members-{r}" for r in run_ids[-3:]]
    pages = _pages(settings)
    assert len(pages) == 3
    assert not any("run0" in str(p) or "run1" in str(p) for p in pages)
    index = data_docs_index(settings).read_text()
    assert "mz.members-run4" in index and "mz.members-run0" not in index
    # Every run's scores stay in the catalog.
    assert {s.run_id for s in score_history(registry, members.code)} == set(run_ids)
