"""The planted doubtful cases and decoys, one function per scenario and rule of docs/crosscheck.md.

Each scenario takes fresh cases from the Planter (so nothing else in them can fire), writes the
records that make the rule fire (or nearly fire), and states what the truth must say.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np

from .cases import Member, Planter
from .names import simplified_to_traditional
from .tables import INSURANCE_BATCHES
from .world import DEAD, MOVED

__all__ = ["SCENARIOS", "plant_all"]

M, M1, M2, M3 = "202610", "202609", "202608", "202607"
_LATE_BATCH = INSURANCE_BATCHES[M]


def _deceased(pl: Planter) -> None:
    case = pl.take_case()
    p = pl.member(case, applicant=True)
    pl.death(pl.idn(p), pl.name(p), p)
    pl.expect(case, "deceased", "death_certificate", True)

    case = pl.take_case()
    p = pl.member(case, applicant=True)
    w = pl.world
    w.status[p] = DEAD
    w.cancel[p] = np.datetime64("2026-10-12") if pl.rng.random() < 0.5 else np.datetime64("2025-06-03")
    pl.expect(case, "deceased", "population_cancelled", True)

    case = pl.take_case()
    p = pl.member(case, applicant=True)
    pl.death(pl.typo(pl.idn(p), "substitution"), pl.name(p), p)
    pl.expect(case, "deceased", "death_certificate_typo", True)

    case = pl.take_case()
    q = pl.namesake(pl.member(case, applicant=True))
    w.status[q] = DEAD
    w.cancel[q] = np.datetime64("2025-03-20")
    pl.death(pl.idn(q), pl.name(q), q, dt.date(2025, 3, 18))
    pl.expect(case, "deceased", "namesake", False)

    case = pl.take_case(min_members=2)
    p = pl.member(case)
    w.status[p] = MOVED
    w.cancel[p] = np.datetime64("2024-03-15")
    pl.expect(case, "deceased", "moved_out", False)
    pl.expect(case, "identity", "cancelled_present", False)


def _duplicate_case(pl: Planter) -> None:
    a, b = pl.take_case(min_members=2), pl.take_case()
    p = pl.member(a)
    b.members.append(Member(p, "其他"))
    pl.expect(a, "duplicate_case", "shared_member", True)
    pl.expect(b, "duplicate_case", "shared_member", True)

    a, c = pl.take_case(min_members=2), pl.take_case(status="停保")
    c.members.append(Member(pl.member(a), "其他"))
    pl.expect(a, "duplicate_case", "other_case_stopped", False)
    pl.expect(c, "duplicate_case", "stopped_case", False)

    a = pl.take_case()
    d = pl.take_case(district=a.district)  # a stranger, p's namesake, is declared in d
    d.members.append(Member(pl.namesake(pl.member(a, applicant=True)), "其他"))
    pl.expect(a, "duplicate_case", "namesake", False)
    pl.expect(d, "duplicate_case", "namesake", False)


def _income(pl: Planter) -> None:
    def insured(p: int, base: float, periods=(M2, M1, M), kind: str = "养老") -> None:
        for period in periods:
            pl.insurance(p, kind, period, base)

    case = pl.take_case()
    p = pl.member(case, applicant=True)
    insured(p, round(pl.standard(case) * 1.3))
    pl.insurance(p, "医疗", M, round(pl.standard(case) * 1.3))
    pl.expect(case, "income", "insurance", True)

    case = pl.take_case()  # crosses only with the M-1 row delivered late, in the batch of M
    p = pl.member(case, applicant=True)
    base = round(pl.standard(case) * 1.2)
    pl.insurance(p, "养老", M2, base)
    pl.insurance(p, "养老", M1, base, batch=_LATE_BATCH)
    pl.insurance(p, "养老", M, base)
    pl.expect(case, "income", "late_row", True)

    case = pl.take_case()
    pl.pension(pl.oldest(case), pl.standard(case) * 1.25)
    pl.expect(case, "income", "pension", True)

    case = pl.take_case()
    insured(pl.member(case, applicant=True), round(pl.standard(case) * 0.6))
    pl.pension(pl.oldest(case), pl.standard(case) * 0.6)
    pl.expect(case, "income", "insurance_plus_pension", True)

    case = pl.take_case()  # exactly the standard is not "strictly greater"
    insured(pl.member(case, applicant=True), pl.standard(case))
    pl.expect(case, "income", "at_threshold", False)

    case = pl.take_case()  # income only before M-2 (back payments in the first batch)
    insured(pl.member(case, applicant=True), pl.standard(case) * 3, periods=("202605", "202606", M3))
    pl.expect(case, "income", "old_periods", False)

    for status, kind in (("暂停", "pension_suspended"), ("终止", "pension_terminated")):
        case = pl.take_case()
        pl.pension(pl.oldest(case), pl.standard(case) * 1.5, status=status)
        pl.expect(case, "income", kind, False)

    case = pl.take_case()
    p = pl.member(case, applicant=True)
    for kind in ("医疗", "失业", "工伤"):
        insured(p, pl.standard(case) * 3, kind=kind)
    pl.expect(case, "income", "non_pension_insurance", False)

    case = pl.take_case()
    insured(pl.namesake(pl.member(case, applicant=True)), pl.standard(case) * 3)
    pl.expect(case, "income", "namesake", False)


def _vehicle(pl: Planter) -> None:
    for vehicle_type, kind in (("小型汽车", "car"), ("大型汽车", "truck")):
        case = pl.take_case()
        p = pl.member(case, applicant=True)
        pl.vehicle(pl.idn(p), pl.name(p), vehicle_type)
        pl.expect(case, "vehicle", kind, True)

    case = pl.take_case()
    p = pl.member(case, applicant=True)
    pl.vehicle(pl.typo(pl.idn(p), "swap"), pl.name(p), "小型汽车")
    pl.expect(case, "vehicle", "repaired_typo", True)

    case = pl.take_case()  # civil affairs mistyped the member; the car still counts
    p = pl.member(case, applicant=True)
    pl.member_row(case, p).id_override = pl.typo(pl.idn(p), "substitution")
    pl.vehicle(pl.idn(p), pl.name(p), "小型汽车")
    pl.expect(case, "vehicle", "member_typo_repaired", True)
    pl.expect(case, "identity", "repairable_typo", False)

    for vehicle_type, status, kind in (
        ("小型汽车", "注销", "deregistered"), ("小型汽车", "转出", "transferred"), ("摩托车", "正常", "motorcycle"),
        ("残疾人专用车", "正常", "disabled_vehicle"), ("低速车", "正常", "low_speed"),
    ):
        case = pl.take_case()
        p = pl.member(case, applicant=True)
        pl.vehicle(pl.idn(p), pl.name(p), vehicle_type, status)
        pl.expect(case, "vehicle", kind, False)

    case = pl.take_case()
    q = pl.namesake(pl.member(case, applicant=True))
    pl.vehicle(pl.idn(q), pl.name(q), "小型汽车")
    pl.expect(case, "vehicle", "namesake", False)

    case = pl.take_case()  # one digit off but another person's name: not repairable, not linked
    p = pl.member(case, applicant=True)
    pl.vehicle(pl.typo(pl.idn(p), "substitution"), pl.other_name(p), "小型汽车")
    pl.expect(case, "vehicle", "unrepairable_typo", False)


def _real_estate(pl: Planter) -> None:
    case = pl.take_case(min_members=2)
    p = pl.member(case, applicant=True)
    pl.estate(p, "住宅")
    pl.estate(pl.member(case, applicant=True, exclude=(p,)), "住宅")
    pl.expect(case, "real_estate", "two_members_housing", True)

    case = pl.take_case()
    p = pl.member(case, applicant=True)
    pl.estate(p, "住宅")
    pl.estate(p, "住宅")
    pl.expect(case, "real_estate", "two_housing", True)

    for use, kind in (("商业", "commercial"), ("工业", "industrial")):
        case = pl.take_case()
        pl.estate(pl.member(case, applicant=True), use)
        pl.expect(case, "real_estate", kind, True)

    case = pl.take_case()  # co-owner of an office owned by a stranger
    p = pl.member(case, applicant=True)
    pl.estate(pl.namesake(p), "办公", co_owners=(p,))
    pl.expect(case, "real_estate", "co_owned_office", True)

    case = pl.take_case(spouse=True)
    head, spouse = case.members[0].person, case.members[1].person
    pl.estate(head, "住宅", co_owners=(spouse,))
    pl.expect(case, "real_estate", "spouses_co_own", False)

    case = pl.take_case()
    p = pl.member(case, applicant=True)
    pl.estate(p, "住宅")
    pl.estate(p, "住宅", status="注销")
    pl.expect(case, "real_estate", "cancelled_certificate", False)

    case = pl.take_case()
    p = pl.member(case, applicant=True)
    pl.estate(p, "住宅")
    pl.estate(p, "车位")
    pl.expect(case, "real_estate", "housing_and_parking", False)

    case = pl.take_case()
    q = pl.namesake(pl.member(case, applicant=True))
    pl.estate(q, "住宅")
    pl.estate(q, "商业")
    pl.expect(case, "real_estate", "namesake", False)


def _business(pl: Planter) -> None:
    for entity_type, capital, status, kind, positive in (
        ("个体工商户", 10.0, "存续", "capital_10", True), ("有限责任公司", 50.0, "存续", "company", True),
        ("个体工商户", 9.99, "存续", "capital_9_99", False), ("有限责任公司", 50.0, "注销", "cancelled", False),
        ("有限责任公司", 50.0, "吊销", "revoked", False),
    ):
        case = pl.take_case()
        p = pl.member(case, applicant=True)
        pl.enterprise(pl.idn(p), pl.name(p), entity_type, capital, status, case.district)
        pl.expect(case, "business", kind, positive)

    case = pl.take_case()
    p = pl.member(case, applicant=True)
    pl.enterprise(pl.typo(pl.idn(p), "substitution"), pl.name(p), "有限责任公司", 100.0, "存续", case.district)
    pl.expect(case, "business", "repaired_typo", True)

    case = pl.take_case()
    q = pl.namesake(pl.member(case, applicant=True))
    pl.enterprise(pl.idn(q), pl.name(q), "有限责任公司", 200.0, "存续", case.district)
    pl.expect(case, "business", "namesake", False)


def _provident_fund(pl: Planter) -> None:
    for fen, month, status, kind, positive in (
        (20000, M, "正常", "boundary_20000", True), (80000, M2, "正常", "recent", True),
        (80000, M3, "正常", "deposit_too_old", False), (19999, M, "正常", "below_20000", False),
        (80000, M, "封存", "sealed", False),
    ):
        case = pl.take_case()
        pl.deposit(pl.member(case, applicant=True), fen, month, status)
        pl.expect(case, "provident_fund", kind, positive)

    case = pl.take_case()
    pl.deposit(pl.namesake(pl.member(case, applicant=True)), 90000, M)
    pl.expect(case, "provident_fund", "namesake", False)


def _identity(pl: Planter) -> None:
    case = pl.take_case()
    p = pl.member(case, adult=False, applicant=True)
    pl.member_row(case, p).id_override = pl.typo(pl.idn(p), "double")
    pl.expect(case, "identity", "unrepairable_id", True)

    case = pl.take_case()
    case.members.append(Member(-1, "其他", id_override=pl.world.new_foreign_id(pl.rng), name_override="林秀英"))
    pl.expect(case, "identity", "absent", True)

    case = pl.take_case()
    p = pl.member(case, adult=False, applicant=True)
    pl.member_row(case, p).name_override = pl.other_name(p)
    pl.expect(case, "identity", "name_differs", True)

    case = pl.take_case()
    p = pl.member(case, adult=False, applicant=True)
    row = pl.member_row(case, p)
    row.id_override, row.name_override = pl.typo(pl.idn(p), "substitution"), pl.other_name(p)
    pl.expect(case, "identity", "typo_name_differs", True)

    for typo, kind in (("substitution", "repairable_substitution"), ("swap", "repairable_swap")):
        case = pl.take_case()
        p = pl.member(case, adult=False, applicant=True)
        pl.member_row(case, p).id_override = pl.typo(pl.idn(p), typo)
        pl.expect(case, "identity", kind, False)

    case = pl.take_case()
    p = pl.member(case, adult=False, applicant=True)
    pl.member_row(case, p).name_override = _variant(pl.name(p))
    pl.expect(case, "identity", "name_variant", False)


def _variant(name: str) -> str:
    """The name as civil affairs may have typed it: traditional characters, or a full-width space."""
    table = simplified_to_traditional()
    traditional = "".join(table.get(c, c) for c in name)
    if traditional != name:
        try:
            traditional.encode("gbk")
            return traditional
        except UnicodeEncodeError:
            pass
    return name[0] + "\u3000" + name[1:]


def _stopped(pl: Planter) -> None:
    """A stopped case (停保) is never flagged, whatever its members hold."""
    case = pl.take_case(status="停保")
    p = pl.member(case, applicant=True)
    pl.vehicle(pl.idn(p), pl.name(p), "小型汽车")
    pl.death(pl.idn(p), pl.name(p), p)
    pl.expect(case, "vehicle", "stopped_case", False)
    pl.expect(case, "deceased", "stopped_case", False)


SCENARIOS: tuple[Callable[[Planter], None], ...] = (
    _deceased, _duplicate_case, _income, _vehicle, _real_estate, _business, _provident_fund, _identity, _stopped,
)


def plant_all(pl: Planter, copies: int, namesake_pairs: int) -> None:
    """Every scenario `copies` times, then extra namesake pairs among ordinary residents."""
    for _ in range(copies):
        for scenario in SCENARIOS:
            scenario(pl)
    for _ in range(namesake_pairs):
        pl.namesake(pl.resident())
