"""The policy files: every sensitive catalog item is covered, display masks exist only where
they cannot be undone, and decisions follow the documented rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from catalog import RESOURCES, resource
from policies import Grant, Outcome, Principal, default_policy, load_policy
from policies.policy import RULES_DIR

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _grant(code, department="hub", purpose="统计分析", mode="query") -> Grant:
    return Grant(id="grt_t", resource_code=code, department=department,
                 items=tuple(i.name for i in resource(code).items), purpose=purpose,
                 legal_basis="x", mode=mode, valid_from=T0,
                 valid_until=T0 + timedelta(days=1), policy_version="t")


def test_every_sensitive_item_is_covered_by_an_explicit_rule() -> None:
    assert default_policy().uncovered_items() == []
    sensitive = [i for r in RESOURCES.values() for i in r.items if i.sensitivity.is_personal]
    assert len(sensitive) >= 30


@pytest.mark.parametrize("code", sorted(RESOURCES))
def test_no_personal_item_is_visible_to_another_department_by_default(code) -> None:
    principal = Principal("a", "hub", frozenset({"analyst"}))
    for decision in default_policy().decide(principal, _grant(code), resource(code)):
        item = resource(code).item(decision.item)
        if item.sensitivity.value in ("id_number", "name", "address", "birth_date"):
            assert decision.outcome in (Outcome.TOKEN, Outcome.DISPLAY), decision
        if item.sensitivity.value == "id_number":
            assert decision.outcome is Outcome.TOKEN


@pytest.mark.parametrize(("department", "purpose", "mode", "expected"), [
    ("mz", "社会救助核查", "verify", Outcome.VISIBLE),
    ("mz", "社会救助核查", "extract", Outcome.VISIBLE),
    ("mz", "社会救助核查", "query", Outcome.TOKEN),
    ("mz", "统计分析", "extract", Outcome.TOKEN),
    ("ga", "统计分析", "query", Outcome.VISIBLE),  # the provider's own data
    ("hub", "社会救助核查", "extract", Outcome.TOKEN),
])
def test_id_number_decision_matrix(department, purpose, mode, expected) -> None:
    principal = Principal("a", department, frozenset({"requester"}))
    grant = _grant("ga.population", department, purpose, mode)
    decision = default_policy().decide(principal, grant, resource("ga.population"))[0]
    assert (decision.item, decision.outcome) == ("id_number", expected)


def test_display_mask_for_id_numbers_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text(
        'version = "x"\n[modes]\nquery = ["analyst"]\n[[item_rules]]\nid = "leak"\n'
        'clause = "none"\nsensitivities = ["id_number"]\noutcome = "display"\n')
    with pytest.raises(ValidationError, match="no display mask exists for ga.population"):
        load_policy(tmp_path)


def test_version_changes_with_the_rules(tmp_path: Path) -> None:
    text = (RULES_DIR / "default.toml").read_text(encoding="utf-8")
    (tmp_path / "default.toml").write_text(text, encoding="utf-8")
    same = load_policy(tmp_path).version
    (tmp_path / "default.toml").write_text(text + "\n# edited\n", encoding="utf-8")
    assert same == default_policy().version
    assert load_policy(tmp_path).version != same
    assert same.startswith("2026.11.1+")


def test_every_rule_cites_a_clause() -> None:
    policy = default_policy()
    assert all(r.clause.strip() for r in (*policy.resource_rules, *policy.item_rules))
