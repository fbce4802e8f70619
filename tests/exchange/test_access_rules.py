"""The access rules of `exchange.access`, each against its own other half: the Python check an
order's page uses and the SQL condition a list uses agree for every combination of roles,
departments and orders (the permission matrices test the doors; this, that the halves of one
rule cannot drift apart)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from catalog import CLIENT_ROLES, RESOURCES
from exchange.access import (
    Caller,
    may_review,
    may_see_usage,
    visible,
    visible_orders,
    visible_usage,
)
from exchange.models import AuditEntry, ExchangeBase, Order, OrderStatus

DEPARTMENTS = ("mz", "ga", "hub", "sj")
ROLE_SETS = [combo for n in range(1, len(CLIENT_ROLES) + 1)
             for combo in itertools.combinations([r.value for r in CLIENT_ROLES], n)]


def _use(seq: int, code: str) -> AuditEntry:
    return AuditEntry(seq=seq, at=datetime(2026, 1, 1, tzinfo=UTC), client_id="mz-system",
                      department="mz", roles=["requester"], method="POST", route="/v1/sql",
                      order_id="ord_00", resource_code=code, items=[], decision="allow",
                      status=200, detail={}, prev_hash="", hash="")


def _order(n: int, department: str, provider: str) -> Order:
    return Order(id=f"ord_{n:02d}", department=department, requested_by=f"{department}-system",
                 resource_code="ga.vehicles", provider=provider, mode="verify", items=[],
                 purpose="治安管理", legal_basis="", row_scope={}, valid_from=date(2026, 1, 1),
                 valid_until=date(2026, 12, 31), quota_calls=1,
                 status=OrderStatus.COMPLIANCE_REVIEW)


@pytest.fixture(scope="module")
def session():
    """Every (department, provider) pair of orders and a use of every resource, in a database
    of the exchange's tables."""
    engine = create_engine("sqlite://")
    ExchangeBase.metadata.create_all(engine)
    with Session(engine) as s:
        s.add_all(_order(n, d, p)
                  for n, (d, p) in enumerate(itertools.product(DEPARTMENTS, repeat=2)))
        s.add_all(_use(n, code) for n, code in enumerate(sorted(RESOURCES), start=1))
        s.commit()
        yield s
    engine.dispose()


@pytest.mark.parametrize("department", DEPARTMENTS)
def test_an_orders_check_and_its_list_filter_agree(session, department):
    orders = list(session.scalars(select(Order).order_by(Order.id)))
    for roles in ROLE_SETS:
        caller = Caller(f"{department}-x", department, roles, frozenset())
        listed = list(session.scalars(select(Order.id).where(visible_orders(caller))
                                      .order_by(Order.id)))
        assert listed == [o.id for o in orders if visible(caller, o)], roles


def test_who_sees_which_orders():
    """The rule itself, by role: its own department's, its resources', or every order."""
    mine, theirs, other = _order(0, "mz", "ga"), _order(1, "ga", "mz"), _order(2, "ga", "sj")
    seen = {role: [visible(Caller("x", "mz", (role,), frozenset()), o)
                   for o in (mine, theirs, other)] for role in CLIENT_ROLES}
    assert seen == {"requester": [True, False, False], "analyst": [True, False, False],
                    "reviewer": [False, True, False], "cdo": [True, True, True],
                    "auditor": [True, True, True], "admin": [False, False, False]}


@pytest.mark.parametrize("department", DEPARTMENTS)
def test_a_resources_usage_check_and_the_usage_filter_agree(session, department):
    for roles in ROLE_SETS:
        caller = Caller(f"{department}-x", department, roles, frozenset())
        listed = list(session.scalars(select(AuditEntry.resource_code)
                                      .where(visible_usage(caller)).order_by(AuditEntry.seq)))
        assert listed == [c for c in sorted(RESOURCES) if may_see_usage(caller, RESOURCES[c])]


def test_who_sees_a_resources_usage():
    """The chief data officer and auditors every resource's; a reviewer its department's."""
    vehicles = RESOURCES["ga.vehicles"]
    seen = {role: [may_see_usage(Caller("x", d, (role,), frozenset()), vehicles)
                   for d in ("ga", "mz")] for role in CLIENT_ROLES}
    assert seen == {"requester": [False, False], "analyst": [False, False],
                    "reviewer": [True, False], "cdo": [True, True], "auditor": [True, True],
                    "admin": [False, False]}


def test_who_decides_at_which_stage():
    """The compliance check is the chief data officer's; the provider stage its reviewers',
    and the chief data officer's once escalated; either decides when no stage is named."""
    cdo, reviewer = Caller("c", "hub", ("cdo",), frozenset()), Caller("r", "ga", ("reviewer",),
                                                                      frozenset())
    stranger = Caller("s", "mz", ("reviewer", "requester"), frozenset())
    order, escalated = _order(0, "mz", "ga"), _order(1, "mz", "ga")
    escalated.escalated = True
    stages = (OrderStatus.COMPLIANCE_REVIEW, OrderStatus.PROVIDER_REVIEW, None)
    decides = {name: [[may_review(who, o, stage) for stage in stages] for o in (order, escalated)]
               for name, who in (("cdo", cdo), ("reviewer", reviewer), ("stranger", stranger))}
    assert decides == {"cdo": [[True, False, True], [True, True, True]],
                       "reviewer": [[False, True, True], [False, True, True]],
                       "stranger": [[False, False, False], [False, False, False]]}
