"""An append resource is judged on the newest row of each key: a record a later month corrects
no longer counts against the department."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalog import resource
from catalog.identifiers import id_check_char
from quality import run_quality
from tests.conftest import make_settings, open_registry
from tests.pipelines.helpers import deliver, ingest

FIRST17 = ("44130219800101001", "44130219850505002", "44130219900909003")


def _death(certificate: str, first17: str, *, valid: bool = True) -> str:
    check = id_check_char(first17)
    if not valid:
        check = "0" if check != "0" else "1"
    return json.dumps({"certificate_no": certificate, "id_number": first17 + check,
                       "name": "王芳", "gender": "女", "death_date": "2026-10-03",
                       "place": "医院", "district_code": "441302"}, ensure_ascii=False)


def _id_check(report):
    (check,) = [c for c in report.outcome.checks
                if c.item == "id_number" and c.rule == "id_valid"]
    return check


@pytest.mark.slow
def test_a_corrected_record_counts_only_in_its_newest_version(tmp_path: Path, monkeypatch):
    settings = make_settings(tmp_path / "home", tmp_path / "landing", monkeypatch)
    registry = open_registry(settings)
    deaths = resource("wj.deaths")
    first = [_death("C1", FIRST17[0], valid=False), _death("C2", FIRST17[1])]
    deliver(settings, deaths.code, "20261001T020000.jsonl", "\n".join(first).encode())
    ingest(settings, registry, deaths.code)
    report = run_quality(settings, registry, deaths)
    assert (report.outcome.rows, _id_check(report).unexpected) == (2, 1)

    second = [_death("C1", FIRST17[0]), _death("C3", FIRST17[2])]
    deliver(settings, deaths.code, "20261101T020000.jsonl", "\n".join(second).encode())
    ingest(settings, registry, deaths.code)
    report = run_quality(settings, registry, deaths)
    assert (report.outcome.rows, _id_check(report).unexpected) == (3, 0)
    assert _id_check(report).checked == 3
