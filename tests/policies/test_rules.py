"""Rewrite rules as input/expected SQL pairs (fixtures/rewrite.sql): title, input, expected
rewritten SQL or `ERROR <code>`, blocks separated by blank lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from catalog import HubSettings
from policies import Grant, PolicyError, Principal, plan

FIXTURES = Path(__file__).parent / "fixtures" / "rewrite.sql"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _grant(code: str, items: list[str], mode: str = "query") -> Grant:
    return Grant(id=f"grt_{code.replace('.', '_')}", resource_code=code, department="hub",
                 items=tuple(items), purpose="统计分析", legal_basis="x", mode=mode,
                 valid_from=T0, valid_until=T0 + timedelta(days=3650), policy_version="test")


GRANTS = [
    _grant("ga.population", ["district_code", "name", "id_number", "gender",
                              "birth_date"]),
    _grant("wj.deaths", ["id_number", "death_date", "district_code"]),
    _grant("sj.enterprises", ["uscc", "entity_type", "district_code"], mode="aggregate"),
    _grant("ga.vehicles", ["vehicle_type"]),
]
PRINCIPAL = Principal("a", "hub", frozenset({"analyst"}), "441302")


def _cases() -> list[tuple[str, str, str]]:
    blocks = FIXTURES.read_text(encoding="utf-8").strip().split("\n\n")
    return [tuple(block.strip().splitlines()) for block in blocks]


@pytest.mark.parametrize(("title", "sql", "expected"), _cases(), ids=lambda v: v[:60])
def test_rewrite_pair(title: str, sql: str, expected: str, tmp_path: Path) -> None:
    settings = HubSettings(home=tmp_path)
    if expected.startswith("ERROR "):
        with pytest.raises(PolicyError) as caught:
            plan(PRINCIPAL, GRANTS, sql, settings=settings)
        assert caught.value.code == expected.removeprefix("ERROR ")
    else:
        assert plan(PRINCIPAL, GRANTS, sql, settings=settings).sql == expected


def test_fixture_file_has_both_kinds() -> None:
    kinds = {expected.startswith("ERROR") for _t, _s, expected in _cases()}
    assert kinds == {True, False}
