"""Extracts and verification through the same engine: tokens join within a grant and not
across grants; verification answers yes/no within the grant's filters."""

from __future__ import annotations

import pytest

from policies import GrantMode, PolicyError, Principal, extract, grant_key, plan, token, verify
from tests.policies.conftest import DISTRICT, provision

MZ = Principal("mz-1", "mz", frozenset({"requester"}))


def test_extract_is_masked_filtered_and_joinable_within_a_grant(settings, store, raw) -> None:
    one = provision(store, "ga.population", ["id_number", "name", "district_code"],
                    mode="extract", department="mz", row_filter={"district_code": [DISTRICT]})
    other = provision(store, "ga.population", ["id_number"], mode="extract", department="mz")
    first, again = extract(settings, one).read_all(), extract(settings, one).read_all()
    assert first.column("id_number").to_pylist() == again.column("id_number").to_pylist()
    key = grant_key(settings.secret_key.get_secret_value(), one.id)
    expected = sorted(token(key, r["id_number"]) for r in raw["ga.population"].to_pylist()
                      if r["district_code"] == DISTRICT)
    assert sorted(first.column("id_number").to_pylist()) == expected
    assert set(first.column("district_code").to_pylist()) == {DISTRICT}
    assert all(n.endswith("*") for n in first.column("name").to_pylist())
    across = set(extract(settings, other).read_all().column("id_number").to_pylist())
    assert across.isdisjoint(first.column("id_number").to_pylist())
    assert "name_orig" not in first.column_names and "gender" not in first.column_names


def test_assistance_check_extract_shows_id_numbers(settings, store, raw) -> None:
    grant = provision(store, "ga.population", ["id_number", "name"], mode="extract",
                      department="mz", purpose="社会救助核查")
    table = extract(settings, grant, principal=MZ).read_all()
    assert sorted(table.column("id_number").to_pylist()) == sorted(
        raw["ga.population"].column("id_number").to_pylist())


def test_extract_of_a_grant_without_tokenised_items(settings, store, raw) -> None:
    """No item is tokenised, so no key may be bound (binding unused parameters failed)."""
    grant = provision(store, "ga.population", ["gender", "district_code"], mode="extract",
                      department="mz")
    table = extract(settings, grant).read_all()
    shown = [c for c in table.column_names if c in ("gender", "district_code", "id_number")]
    assert shown == ["gender", "district_code"]
    assert table.num_rows == raw["ga.population"].num_rows


def test_modes_are_not_interchangeable(settings, store) -> None:
    grant = provision(store, "ga.population", ["gender"], mode="query", department="mz")
    with pytest.raises(PolicyError) as caught:
        extract(settings, grant)
    assert caught.value.to_dict() == {"error": {
        "code": "denied", "message": "a query grant cannot be used for extract"}}
    extract_grant = provision(store, "ga.population", ["gender"], mode="extract",
                              department="mz")
    with pytest.raises(PolicyError) as caught:
        plan(MZ, [extract_grant], "SELECT gender FROM ga_population", settings=settings)
    assert caught.value.code == "no_grant"


def test_verify_answers_yes_or_no_only(settings, store, raw) -> None:
    grant = provision(store, "ga.population", ["id_number", "name"], mode=GrantMode.VERIFY,
                      department="rs", row_filter={"district_code": [DISTRICT]})
    rows = raw["ga.population"].to_pylist()
    inside = next(r for r in rows if r["district_code"] == DISTRICT)
    outside = next(r for r in rows if r["district_code"] != DISTRICT)
    records = [{"id_number": inside["id_number"], "name": inside["name"]},
               {"id_number": inside["id_number"], "name": "某某某"},
               {"id_number": outside["id_number"], "name": outside["name"]}]
    assert verify(settings, grant, records) == [True, False, False]
    with pytest.raises(PolicyError) as caught:
        verify(settings, grant, [{"address": "x"}])
    assert caught.value.code == "invalid_query"


def test_revoked_grant_stops_extracts(settings, store) -> None:
    grant = provision(store, "ga.population", ["gender"], mode="extract", department="mz")
    store.revoke_grant(grant.id, "order revoked")
    with pytest.raises(PolicyError) as caught:
        extract(settings, store.get_grant(grant.id))
    assert caught.value.code == "grant_inactive"


def test_plan_records_decisions_and_no_key(settings, analyst, grants) -> None:
    governed = plan(analyst, grants, "SELECT name FROM ga_population", settings=settings)
    decisions = {d.item: (d.outcome.value, d.rule) for d in governed.decisions["ga.population"]}
    assert decisions["id_number"] == ("token", "id-number-token")
    assert decisions["name"] == ("display", "name-display")
    assert decisions["ethnicity"] == ("absent", "not-granted")
    assert governed.grant_ids == (grants[0].id,)
    key = grant_key(settings.secret_key.get_secret_value(), grants[0].id)
    assert key.hex() not in governed.sql and "key" not in repr(governed)
