"""The review loop, quarantined evidence, linkage issues and policy configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog import RESOURCES
from catalog.analystdb import rebuild_analyst_db
from catalog.lake import connect
from catalog.reviews import FlagKey, ReviewError, review_flag, review_stats
from policies.crosscheck_config import CROSSCHECK_POLICY, load_crosscheck_config


def _publish_and_review(settings, registry, key: FlagKey, decision: str, note: str = "已核实"):
    rebuild_analyst_db(settings, registry, list(RESOURCES.values()))
    with connect(settings, settings.analyst_db, read_only=True) as con:
        return review_flag(registry, con, key, decision, note, "民政复核员")


def test_a_dismissed_flag_is_not_raised_again_until_its_evidence_changes(
        city, run, xc_settings):
    owner, buyer = city.person("车主"), city.person("买主")
    city.case("D1", owner)
    city.case("C1", buyer)
    city.vehicle("粤L·00001", owner.id_number, owner.name)
    city.vehicle("粤L·00002", buyer.id_number, buyer.name)
    registry = city.lake.build()
    first = run(city, registry=registry)
    assert {f["review_status"] for f in first.flags} == {"new"}
    dismissed = FlagKey("D1", "vehicle", owner.id_number)
    _publish_and_review(xc_settings, registry, dismissed, "dismissed", "车辆已于上月过户")
    _publish_and_review(xc_settings, registry, FlagKey("C1", "vehicle", buyer.id_number),
                        "confirmed")

    second = run(city, registry=registry)
    assert second.pairs() == {("C1", "vehicle")}
    assert second.flags[0]["review_status"] == "confirmed"
    assert second.result.suppressed == {"vehicle": 1}
    assert review_stats(registry)["vehicle"] == {"raised": 1, "suppressed": 1, "confirmed": 1,
                                                 "dismissed": 1}

    for plate, person in (("粤L·00001", owner), ("粤L·00002", buyer), ("粤L·00003", owner)):
        city.lake.add("ga.vehicles", {"plate_number": plate, "owner_id_number": person.id_number,
                                      "owner_name": person.name, "vehicle_type": "小型汽车",
                                      "status": "正常"}, batch="20261201T020000")
    third = run(city, registry=city.lake.build(registry))  # a new car: raised again
    [flag] = third.of("D1", "vehicle")
    assert flag["review_status"] == "changed"
    assert "粤L·00003" in flag["reason"]


def test_a_review_needs_a_current_flag_a_decision_and_a_note(city, run, xc_settings):
    p = city.person("某")
    city.case("R1", p)
    city.vehicle("粤L·00009", p.id_number, p.name)
    registry = city.lake.build()
    run(city, registry=registry)
    key = FlagKey("R1", "vehicle", p.id_number)
    with pytest.raises(ReviewError) as missing:
        _publish_and_review(xc_settings, registry, FlagKey("R1", "income", p.id_number),
                            "dismissed")
    assert (missing.value.code, missing.value.message) == (
        "not_found", "no such flag in the current cross-check")
    with pytest.raises(ReviewError) as bad:
        _publish_and_review(xc_settings, registry, key, "maybe")
    assert bad.value.message == "decision must be confirmed or dismissed"
    with pytest.raises(ReviewError) as empty:
        _publish_and_review(xc_settings, registry, key, "dismissed", "  ")
    assert empty.value.message == "a note of 1 to 2000 characters is required"


def test_quarantined_rows_are_evidence_when_no_rule_reads_what_failed(city, run):
    dead, car = city.person("亡者"), city.person("车主")
    city.case("Q1", dead)
    city.case("Q2", car)
    city.lake.quarantine("wj.deaths", "invalid_date:death_date", {
        "certificate_no": "Q0001", "id_number": dead.id_number, "name": dead.name,
        "death_date": "2026-02-30"})
    city.lake.quarantine("ga.vehicles", "missing_required:status", {
        "plate_number": "粤L·Q0002", "owner_id_number": car.id_number, "owner_name": car.name,
        "vehicle_type": "小型汽车", "status": ""})  # status decides the rule: not evidence
    out = run(city)
    assert out.pairs() == {("Q1", "deceased")}
    assert out.of("Q1", "deceased")[0]["reason"] == (
        "成员亡者有死亡医学证明（编号Q0001，死亡日期不详）")
    assert out.result.salvaged == {"wj.deaths": 1}

    policy = load_crosscheck_config().model_copy(update={"sources": load_crosscheck_config()
                                                          .sources.model_copy(
                                                              update={"salvage_quarantined":
                                                                      False})})
    assert run(city, config=policy).pairs() == set()


def test_unlinked_records_are_reported_to_their_departments(city, run):
    p = city.person("某某")
    city.case("U1", p)
    city.vehicle("粤L·U0001", substitute_twice(p.id_number), p.name)
    city.lake.add("zr.real_estate", {
        "certificate_no": "Z1", "owner_id_number": p.id_number, "owner_name": p.name,
        "co_owner_id_numbers": ["441302197001011230"], "property_use": "住宅",
        "status": "现势"})
    out = run(city)
    got = sorted((i["department"], i["resource_code"], i["record_key"], i["issue"])
                 for i in out.issues)
    assert got == [("ga", "ga.vehicles", "粤L·U0001", "no_candidate"),
                   ("zr", "zr.real_estate", "Z1", "co_owner_invalid")]
    assert out.result.unlinked == {"ga.vehicles": 1, "zr.real_estate": 1}


def substitute_twice(id_number: str) -> str:
    """Two digits changed and the check character wrong: no valid ID within one edit."""
    from catalog.identifiers import is_valid_id
    from tests.crosscheck.minilake import substitute

    return next(t for a in range(6, 16) for b in range(a + 2, 17)
                if not is_valid_id(t := substitute(substitute(id_number, a), b)))


def test_thresholds_come_from_the_policy_file(city, run, tmp_path: Path):
    p = city.person("收入")
    city.case("I1", p)
    for period in ("202608", "202609", "202610"):
        city.insurance(p.id_number, p.name, period, 1100)
    assert run(city).pairs() == set()
    # The policy's own standards replace the city profile's (惠城区 lowered to 1000).
    text = CROSSCHECK_POLICY.read_text(encoding="utf-8") + (
        "\n[standards]\n441302 = 1000\n441303 = 1180\n441322 = 1100\n441323 = 1100\n"
        "441324 = 1050\n")
    policy = tmp_path / "policy.toml"
    policy.write_text(text, encoding="utf-8")
    assert run(city, config=load_crosscheck_config(policy)).pairs() == {("I1", "income")}


def test_a_broken_policy_file_is_refused_with_the_offending_key(tmp_path: Path):
    text = CROSSCHECK_POLICY.read_text(encoding="utf-8").replace(
        "min_monthly_deposit_fen = 20000", "min_monthly_deposit_fen = -1")
    policy = tmp_path / "policy.toml"
    policy.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError) as error:
        load_crosscheck_config(policy)
    assert "provident_fund.min_monthly_deposit_fen" in str(error.value)
    assert str(policy) in str(error.value)
