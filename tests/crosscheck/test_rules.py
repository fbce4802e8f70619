"""Each rule's edges on hand-built rows (docs/crosscheck.md, read literally)."""

from __future__ import annotations

from tests.crosscheck.minilake import substitute, swap


def test_business_capital_exactly_10_is_flagged_below_is_not(city, run):
    rows = [("C1", "个体工商户", 10.0, "存续"), ("C2", "个体工商户", 9.99, "存续"),
            ("C3", "有限责任公司", 50.0, "存续"), ("C4", "有限责任公司", 50.0, "注销"),
            ("C5", "有限责任公司", 50.0, "吊销"), ("C6", "个体工商户", None, "存续")]
    for n, (case, kind, capital, status) in enumerate(rows):
        p = city.person(f"业主{n}")
        city.case(case, p)
        city.lake.add("sj.enterprises", {
            "uscc": f"92441302MA4UJ{n:04d}X", "name": f"商户{n}", "entity_type": kind,
            "legal_rep_name": p.name, "legal_rep_id_number": p.id_number,
            "registered_capital_wan": capital, "status": status})
    out = run(city)
    assert {c for c, r in out.pairs() if r == "business"} == {"C1", "C3", "C6"}
    assert out.of("C1", "business")[0]["reason"] == (
        "成员业主0是存续市场主体商户0（个体工商户，注册资本10.0万元）的法定代表人")


def test_income_strictly_greater_than_the_standard(city, run):
    at, above, two = city.person("甲"), city.person("乙"), city.person("丙")
    spouse = city.person("丁")
    city.case("AT", at)
    city.case("ABOVE", above)
    city.case("TWO", two, spouse)  # 2 persons: 2 × 1180 per month
    for period in ("202608", "202609", "202610"):
        city.insurance(at.id_number, at.name, period, 1180)
        city.insurance(above.id_number, above.name, period, 1180.01)
        city.insurance(two.id_number, two.name, period, 2000)
        city.insurance(spouse.id_number, spouse.name, period, 361)
    out = run(city)
    assert {c for c, r in out.pairs() if r == "income"} == {"ABOVE", "TWO"}
    [flag] = out.of("TWO", "income")
    assert flag["id_number"] == two.id_number  # household rule: the applicant's ID number
    assert flag["reason"] == ("家庭近3个月（202608至202610）月均收入2361.00元，按家庭人口数2人计"
                              "人均1180.50元，高于惠城区救助标准1180.00元")


def test_income_months_by_period_late_row_counts_older_periods_do_not(city, run):
    late, old = city.person("晚"), city.person("旧")
    city.case("LATE", late)
    city.case("OLD", old)
    city.insurance(late.id_number, late.name, "202608", 1200)
    city.insurance(late.id_number, late.name, "202609", 1200, batch="20261101T020000")
    city.insurance(late.id_number, late.name, "202610", 1200)
    for period in ("202605", "202606", "202607"):
        city.insurance(old.id_number, old.name, period, 9000)
    city.insurance(old.id_number, old.name, "202610", 9000, kind="医疗")
    out = run(city)
    assert out.result.reference_month == "202610"
    assert {c for c, r in out.pairs() if r == "income"} == {"LATE"}


def test_income_pensions_count_only_when_paid_and_exact_duplicates_once(city, run):
    paid, stopped, dup = city.person("领"), city.person("停"), city.person("重")
    for p in (paid, stopped, dup):
        city.case(f"P-{p.name}", p)
    city.lake.add("rs.pensions",
                  {"id_number": paid.id_number, "name": paid.name, "benefit_type": "企业职工养老",
                   "monthly_amount": 1180.01, "status": "正常发放"},
                  {"id_number": stopped.id_number, "name": stopped.name,
                   "benefit_type": "企业职工养老", "monthly_amount": 5000, "status": "暂停"})
    row = {"id_number": dup.id_number, "name": dup.name, "employer_uscc": "91441302MA4UJ1234X",
           "employer_name": "某公司", "insurance_type": "养老", "period": "202610",
           "contribution_base": 2000}
    city.lake.add("rs.social_insurance", row, dict(row))  # 2000 / 3 once; twice would be 1333
    out = run(city)
    assert {c for c, r in out.pairs() if r == "income"} == {"P-领"}


def test_vehicle_types_and_status(city, run):
    kinds = [("小型汽车", "正常", True), ("大型汽车", "正常", True), ("挂车", "正常", True),
             ("小型汽车", "注销", False), ("小型汽车", "转出", False), ("摩托车", "正常", False),
             ("残疾人专用车", "正常", False), ("低速车", "正常", False)]
    for n, (kind, status, _) in enumerate(kinds):
        p = city.person(f"车主{n}")
        city.case(f"V{n}", p)
        city.vehicle(f"粤L·{n:05d}", p.id_number, p.name, kind, status)
    out = run(city)
    assert {c for c, r in out.pairs() if r == "vehicle"} == {
        f"V{n}" for n, k in enumerate(kinds) if k[2]}
    assert out.of("V0", "vehicle")[0]["reason"] == "成员车主0名下有正常状态小型汽车（粤L·00000）"


def test_namesakes_are_never_linked(city, run):
    p = city.person("张伟", born="19800101")
    namesake = city.person("张伟", born="19800101")  # same name, birth date and district
    city.case("N1", p)
    city.vehicle("粤L·N0001", namesake.id_number, namesake.name)
    city.lake.add("wj.deaths", {"certificate_no": "D1", "id_number": namesake.id_number,
                                "name": namesake.name})
    assert run(city).pairs() == set()


def test_typos_repaired_only_with_one_candidate_and_the_same_name(city, run):
    a, b, c, d = (city.person(n) for n in ("王芳", "李娜", "陈静", "刘洋"))
    for case, p in (("T1", a), ("T2", b), ("T3", c), ("T4", d)):
        city.case(case, p)
    city.vehicle("粤L·T0001", substitute(a.id_number), a.name)  # repairable substitution
    city.vehicle("粤L·T0002", swap(b.id_number, 7), "李 娜")  # repairable swap, spaced name
    city.vehicle("粤L·T0003", substitute(c.id_number), "陈国")  # the one candidate's name differs
    city.vehicle("粤L·T0004", _two_off(d.id_number), d.name)  # two edits off
    out = run(city)
    assert {c for c, r in out.pairs() if r == "vehicle"} == {"T1", "T2"}
    reported = {(i["resource_code"], i["record_key"]): (i["department"], i["issue"])
                for i in out.issues}
    assert reported[("ga.vehicles", "粤L·T0003")] == ("ga", "name_mismatch")
    assert reported[("ga.vehicles", "粤L·T0004")] == ("ga", "no_candidate")
    assert ("ga.vehicles", "粤L·T0001") not in reported


def test_a_typo_with_two_candidates_is_not_repaired(city, run):
    first = city.person("周杰")
    typo = substitute(first.id_number, 12)
    # A second resident whose valid ID is one other substitution away from the same typo.
    second_id = next(typo[:15] + d + typo[16:] for d in "0123456789"
                     if (typo[:15] + d + typo[16:])[:17] != typo[:17]
                     and _valid(typo[:15] + d + typo[16:]))
    city.lake.add("ga.population", {"id_number": second_id, "name": "周杰", "gender": "男",
                                    "household_id": "1", "district_code": "441302",
                                    "status": "正常"})
    city.case("AMB", first)
    city.vehicle("粤L·A0001", typo, "周杰")
    out = run(city)
    assert out.pairs() == set()
    assert [i["issue"] for i in out.issues if i["record_key"] == "粤L·A0001"] == ["ambiguous"]


def _two_off(id_number: str) -> str:
    """Two digits changed and the check character wrong."""
    return next(t for a in range(6, 16) for b in range(a + 2, 17)
                if not _valid(t := substitute(substitute(id_number, a), b)))


def _valid(id_number: str) -> bool:
    from catalog.identifiers import is_valid_id

    return is_valid_id(id_number)


def test_real_estate_counts_certificates_across_the_household(city, run):
    h1, w1 = city.person("夫一"), city.person("妻一")
    h2, w2 = city.person("夫二"), city.person("妻二")
    h3, h4, h5 = city.person("三"), city.person("四"), city.person("五")
    city.case("SPOUSES", h1, w1)
    city.case("TWO_HOMES", h2, w2)
    city.case("PARKING", h3)
    city.case("SHOP", h4)
    city.case("CANCELLED", h5)

    def cert(no, owner, use="住宅", co=(), status="现势"):
        city.lake.add("zr.real_estate", {
            "certificate_no": no, "owner_id_number": owner.id_number, "owner_name": owner.name,
            "co_owner_id_numbers": [c.id_number for c in co], "property_use": use,
            "status": status})

    cert("R1", h1, co=(w1,))  # spouses co-own one home: not flagged
    cert("R2", h2)
    cert("R3", w2)  # two members with one home each: flagged
    cert("R4", h3)
    cert("R5", h3, use="车位")
    cert("R6", h4, use="商业")
    cert("R7", h5)
    cert("R8", h5, status="注销")
    out = run(city)
    assert {c for c, r in out.pairs() if r == "real_estate"} == {"TWO_HOMES", "SHOP"}
    [flag] = out.of("TWO_HOMES", "real_estate")
    assert flag["id_number"] == h2.id_number
    assert '"key":"R2"' in flag["evidence"] and '"key":"R3"' in flag["evidence"]


def test_provident_fund_boundaries(city, run):
    rows = [("F1", 20000, "202610", "正常", True), ("F2", 80000, "202608", "正常", True),
            ("F3", 80000, "202607", "正常", False), ("F4", 19999, "202610", "正常", False),
            ("F5", 80000, "202610", "封存", False)]
    for n, (case, fen, month, status, _) in enumerate(rows):
        p = city.person(f"缴存{n}")
        city.case(case, p)
        city.lake.add("gjj.deposits", {
            "account_no": f"A{n}", "id_number": p.id_number, "name": p.name,
            "monthly_deposit_fen": fen, "last_deposit_month": month, "status": status})
    out = run(city)
    assert {c for c, r in out.pairs() if r == "provident_fund"} == {
        r[0] for r in rows if r[4]}


def test_deceased_by_certificate_or_population_and_stopped_cases_never(city, run):
    cert, _dead, moved, typo = (city.person(n) for n in ("证", "亡", "迁", "误"))
    dead_p = city.person("注", register=False, status="注销", cancel_reason="死亡")
    moved_p = city.person("出", register=False, status="注销", cancel_reason="迁出")
    city.register(dead_p)
    city.register(moved_p)
    stopped = city.person("停")
    city.case("CERT", cert)
    city.case("POP", dead_p)
    city.case("MOVED", moved_p, moved)
    city.case("TYPO", typo)
    city.case("STOPPED", stopped, status="停保")
    city.lake.add("wj.deaths",
                  {"certificate_no": "D1", "id_number": cert.id_number, "name": cert.name},
                  {"certificate_no": "D2", "id_number": substitute(typo.id_number),
                   "name": typo.name},
                  {"certificate_no": "D3", "id_number": stopped.id_number, "name": stopped.name})
    out = run(city)
    assert {c for c, r in out.pairs() if r == "deceased"} == {"CERT", "POP", "TYPO"}
    assert "MOVED" not in {c for c, _ in out.pairs()}  # moved out: present, not dead
    assert not any(c == "STOPPED" for c, _ in out.pairs())


def test_duplicate_case_only_between_active_cases(city, run):
    shared, other, lone = city.person("共"), city.person("另"), city.person("独")
    city.case("A", shared)
    city.case("B", other, shared)
    city.case("S", lone, shared, status="停保")
    out = run(city)
    assert {c for c, r in out.pairs() if r == "duplicate_case"} == {"A", "B"}
    assert out.of("B", "duplicate_case")[0]["id_number"] == shared.id_number


def test_identity(city, run):
    ok, repaired, _absent, renamed, variant = (city.person(n) for n in (
        "正常", "修复", "缺失", "改名", "陳靜"))
    unrepairable = city.person("错号")
    stranger = city.person("外地", register=False)
    city.case("OK", ok)
    city.case("REPAIRED", (swap(repaired.id_number, 8), repaired.name))
    city.case("ABSENT", stranger)
    city.case("RENAMED", (renamed.id_number, "改国"))
    city.case("VARIANT", (variant.id_number, "陈 静"))  # traditional vs simplified, a space
    city.case("UNREPAIRABLE", (_two_off(unrepairable.id_number), "错号"))
    moved = city.person("迁走", register=False, status="注销", cancel_reason="迁出")
    city.register(moved)
    city.case("CANCELLED", moved)
    out = run(city)
    assert {c for c, r in out.pairs() if r == "identity"} == {"ABSENT", "RENAMED", "UNREPAIRABLE"}
    assert out.of("RENAMED", "identity")[0]["reason"] == "成员改国姓名与户籍登记姓名改名不一致"
    assert out.of("ABSENT", "identity")[0]["reason"] == (
        f"成员外地身份证号{stranger.id_number}在户籍人口库中不存在")


def test_append_resources_read_only_the_latest_row_per_key(city, run):
    # The household-focused sources restrict rows before or after the latest-row-per-key
    # window depending on whether the person's ID is part of the key; both must match
    # `published`: a corrected certificate names someone else, a revised base replaces the old.
    fixed, revised = city.person("更"), city.person("修")
    city.case("FIXED", fixed)
    city.case("REVISED", revised)
    other = city.person("他")
    city.lake.add("wj.deaths", {"certificate_no": "D9", "id_number": fixed.id_number,
                                "name": fixed.name}, batch="20261001T020000")
    city.lake.add("wj.deaths", {"certificate_no": "D9", "id_number": other.id_number,
                                "name": other.name})
    for period in ("202608", "202609", "202610"):
        city.insurance(revised.id_number, revised.name, period, 9000, batch="20261001T020000")
        city.insurance(revised.id_number, revised.name, period, 1000, batch="20261101T020000")
    out = run(city)
    assert not {c for c, _ in out.pairs()} & {"FIXED", "REVISED"}
