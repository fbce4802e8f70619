"""A version already validated under the same suite keeps its verdicts (`quality.validated`):
the asset checks of a job run that changed nothing do not validate it again."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog import resource
from catalog.quality_scores import score_history
from quality import run_quality
from quality.context import gx_context
from tests.conftest import make_settings, open_registry
from tests.pipelines.helpers import MEMBERS_HEADER, deliver, ingest

pytestmark = pytest.mark.slow

VALID = "441302199001011231"  # GB 11643 check character 1
WRONG = "441302199001011234"


def _stored(settings) -> list[str]:
    return sorted(k.run_id.run_name for k in gx_context(settings).validation_results_store.list_keys())


def _id_valid(report):
    (check,) = [c for c in report.outcome.checks if c.rule == "id_valid"]
    return check.checked, check.unexpected


def test_an_unchanged_version_keeps_its_verdicts_and_a_new_one_is_validated(
        tmp_path: Path, monkeypatch):
    settings = make_settings(tmp_path / "home", tmp_path / "landing", monkeypatch)
    registry = open_registry(settings)
    members = resource("mz.members")
    deliver(settings, members.code, "20261001T020000.csv",
            f"{MEMBERS_HEADER}\nMZ2026000001,{WRONG},张三,本人\n".encode("gbk"))
    ingest(settings, registry, members.code)

    first = run_quality(settings, registry, members, run_id="run1", reuse=True)
    again = run_quality(settings, registry, members, run_id="run2", reuse=True)
    assert _stored(settings) == ["mz.members-run1"]  # GX ran once
    assert again.outcome == first.outcome and _id_valid(again) == (1, 1)
    assert again.feedback == first.feedback and all(p.exists() for p in again.feedback)
    # Each run still records its scores.
    assert {s.run_id for s in score_history(registry, members.code)} == {"run1", "run2"}
    # Asked for a validation, the hub validates.
    run_quality(settings, registry, members, run_id="run3")
    assert _stored(settings) == ["mz.members-run1", "mz.members-run3"]

    deliver(settings, members.code, "20261101T020000.csv",
            f"{MEMBERS_HEADER}\nMZ2026000001,{VALID},张三,本人\n".encode("gbk"))
    ingest(settings, registry, members.code)
    newer = run_quality(settings, registry, members, run_id="run4", reuse=True)
    assert "mz.members-run4" in _stored(settings)
    assert _id_valid(newer) == (1, 0)


def test_the_key_count_the_suite_is_given_is_what_the_rows_hold(tmp_path: Path, monkeypatch):
    """`counted_key_duplicates` reads the pass counts of a snapshot's batch and the publication's
    decision for an append resource's batches; GX's own GROUP BY agrees."""
    from catalog.current import current_rows
    from quality.folded import counted_key_duplicates
    from quality.runner import validate_files
    from quality.service import current_files
    from quality.suites import build_suite

    settings = make_settings(tmp_path / "home", tmp_path / "landing", monkeypatch)
    registry = open_registry(settings)
    members = resource("mz.members")
    deliver(settings, members.code, "20261001T020000.csv",
            f"{MEMBERS_HEADER}\nMZ2026000001,{WRONG},张三,本人\n"
            f"MZ2026000001,{VALID},李四,配偶\n".encode("gbk"))
    ingest(settings, registry, members.code)
    _, files = current_files(registry, members)
    checked = current_rows(settings, members, files)
    counted = counted_key_duplicates(settings, members, files, checked)
    assert counted == 0
    outcome = validate_files(settings, members, build_suite(members), checked)
    (unique,) = [c for c in outcome.checks if c.rule == "key_unique"]
    assert unique.unexpected == counted
