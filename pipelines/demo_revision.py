"""The demo's catalog review: 人社 (rs) improves its social-insurance entry and submits it, so
the chief data officer's queue has a real revision to decide after `hub demo`."""

from __future__ import annotations

from catalog import EntryStatus, Registry, Role
from catalog.city import current_city
from catalog.entries import Actor, EntryError, pending, propose, submit
from catalog.i18n import _

__all__ = ["DEMO_CODE", "DEMO_OFFICER", "submit_demo_revision"]

DEMO_CODE = "rs.social_insurance"
DEMO_OFFICER = Actor("rs-data-officer", "rs", frozenset({Role.REVIEWER.value}))


def _changes() -> dict:
    """The revision's fields; the abstract names the hub's city."""
    return {
        "abstract": f"{current_city().profile.name}参保人员按月、按险种（养老、医疗、失业、工伤）的"
                    "社会保险缴费记录，含缴费单位与缴费基数。缴费基数按本人上年度月平均工资核定，"
                    "可用于低保等救助的收入核定；每月初报送上月及以前补缴的记录。",
        "items": {
            "period": "费款所属期（YYYYMM），补缴记录为其所属月份而非缴费月份",
            "contribution_base": "月缴费基数（元），按本人上年度月平均工资核定，在本市缴费基数"
                                 "上下限之间",
        },
    }


def submit_demo_revision(registry: Registry) -> str:
    """Propose and submit the revision through the real life-cycle functions (an open draft is
    submitted as it is); a line saying what was done."""
    revision = pending(registry, DEMO_CODE)
    if revision is not None and revision.status == EntryStatus.SUBMITTED:
        return _("{code}: revision {id} is already submitted", code=DEMO_CODE, id=revision.id)
    if revision is None:
        try:
            revision = propose(registry, DEMO_CODE, _changes(), DEMO_OFFICER)
        except EntryError as exc:  # published by an earlier demo's reviewer: nothing to do
            return f"{DEMO_CODE}: {exc.message}"
    submit(registry, DEMO_CODE, DEMO_OFFICER, "摘要补充险种、缴费基数口径与报送时间")
    return _("{code}: revision {id} submitted by {officer} for review", code=DEMO_CODE,
             id=revision.id, officer=DEMO_OFFICER.name)
