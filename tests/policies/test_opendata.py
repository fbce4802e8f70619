"""The open-data rules: only open resources, only their non-personal general items, through the
same engine as every extract; the `open` mode is nobody's grant and nobody else's role."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from catalog import RESOURCES, Grade, OpenAttribute, resource
from policies import PUBLIC, GrantMode, Outcome, PolicyError, Principal, default_policy, extract
from policies.binding import bind_grant
from policies.opendata import open_extract, open_grant, open_items
from tests.policies.conftest import provision

ENTERPRISE_PUBLISHED = ["uscc", "name", "entity_type", "registered_capital_wan", "status",
                        "established_date", "district_code"]


def test_enterprises_open_without_the_legal_representative():
    published, withheld = open_items("sj.enterprises")
    assert [d.item for d in published] == ENTERPRISE_PUBLISHED
    assert {d.outcome for d in published} == {Outcome.VISIBLE}
    assert [(d.item, d.rule) for d in withheld] == [
        ("legal_rep_name", "open-data-legal-representative"),
        ("legal_rep_id_number", "open-data-legal-representative")]


@pytest.mark.parametrize("code", sorted(c for c, r in RESOURCES.items()
                                        if r.open is OpenAttribute.NOT_OPEN))
def test_resources_that_are_not_open_are_refused(code):
    with pytest.raises(PolicyError) as info:
        open_items(code)
    assert (info.value.code, info.value.status) == ("denied", 403)
    assert "open-data-not-open" in info.value.message


def test_unknown_resources_are_refused():
    with pytest.raises(PolicyError, match="no such open resource"):
        open_items("xx.nothing")


@pytest.mark.parametrize("code", sorted(RESOURCES))
@pytest.mark.parametrize("attribute", [OpenAttribute.OPEN, OpenAttribute.CONDITIONAL])
def test_no_personal_important_or_core_item_is_ever_open(code, attribute):
    """Were any resource declared open, the open rules would still let out only non-personal
    items of the general grade."""
    opened = resource(code).model_copy(update={"open": attribute})
    policy = default_policy()
    allowed, rule = policy.resource_decision(PUBLIC, open_grant(code), opened)
    assert (allowed, rule) == (True, "open-data")
    for decision in policy.decide(PUBLIC, open_grant(code), opened):
        item = opened.item(decision.item)
        visible = item.sensitivity.value == "none" and item.grade is Grade.GENERAL
        assert decision.outcome is (Outcome.VISIBLE if visible else Outcome.ABSENT), decision


def test_open_extract_reads_every_published_row_masked(settings, raw):
    with open_extract(settings, "sj.enterprises") as reader:
        table = reader.read_all()
    source = raw["sj.enterprises"]
    assert table.num_rows == source.num_rows
    assert not {c for c in table.column_names if c.startswith("legal_rep")}
    assert set(table.column_names) >= set(ENTERPRISE_PUBLISHED)
    assert sorted(table.column("uscc").to_pylist()) == sorted(source.column("uscc").to_pylist())


def test_open_extract_of_a_resource_that_is_not_open_is_refused(settings):
    with pytest.raises(PolicyError) as info:
        open_extract(settings, "ga.population")
    assert info.value.code == "denied"


def test_no_grant_can_be_provisioned_in_the_open_mode(store):
    with pytest.raises(PolicyError) as info:
        provision(store, "sj.enterprises", ["uscc"], mode="open", department="public")
    assert info.value.code == "invalid_grant"
    assert "open" not in info.value.message.split("[")[1]


def test_the_public_uses_no_other_grant(store, settings):
    with pytest.raises(PolicyError) as refused:  # no grant is ever stored for the public
        provision(store, "sj.enterprises", ["uscc"], mode="extract", department="public",
                  valid_until=datetime.now(UTC) + timedelta(days=1))
    assert refused.value.code == "invalid_grant"
    grant = provision(store, "sj.enterprises", ["uscc"], mode="extract", department="sj",
                      valid_until=datetime.now(UTC) + timedelta(days=1))
    with pytest.raises(PolicyError) as info:  # nor uses another department's
        extract(settings, grant, principal=PUBLIC)
    assert info.value.code == "no_grant"


@pytest.mark.parametrize("role", ["requester", "analyst", "cdo", "auditor", "admin"])
def test_no_other_role_reads_in_the_open_mode(role):
    principal = Principal("someone", "public", frozenset({role}))
    with pytest.raises(PolicyError) as info:
        bind_grant(principal, open_grant("sj.enterprises"), resource("sj.enterprises"),
                   default_policy())
    assert info.value.code == "role_not_allowed"


def test_open_rules_do_not_count_as_covering_personal_items():
    """The open rules name every item; the check that each personal item has an explicit
    general rule must not be satisfied by them."""
    policy = default_policy()
    assert policy.uncovered_items() == []
    general = policy.model_copy(update={"item_rules": tuple(
        r for r in policy.item_rules if r.modes != frozenset({GrantMode.OPEN}))})
    assert general.uncovered_items() == []
    only_open = policy.model_copy(update={"item_rules": tuple(
        r for r in policy.item_rules if r.modes == frozenset({GrantMode.OPEN}))})
    assert len(only_open.uncovered_items()) >= 30
