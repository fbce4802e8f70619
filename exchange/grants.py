"""The bridge to the policy engine's grant store (`policies`): provision, revoke, check.

Metering is the order's (exchange.metering), so grants are provisioned without a call quota
of their own: one use is counted once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from catalog.i18n import _
from exchange.access import Caller
from exchange.errors import ApiError
from exchange.models import Order
from exchange.workdays import BEIJING
from policies import GrantStore, Principal

__all__ = ["ensure_usable", "principal", "provision", "revoke"]


def principal(caller: Caller) -> Principal:
    """The caller as the policy engine sees it."""
    return Principal(subject=caller.client_id, department=caller.department,
                     roles=frozenset(caller.roles), district=caller.district)


def _start_of(day: date) -> datetime:
    """00:00 Beijing time of `day`, in UTC (the grant store keeps UTC)."""
    return datetime.combine(day, time(0), BEIJING).astimezone(UTC)


def provision(store: GrantStore, session: Session, order: Order, actor: str) -> tuple[str, str]:
    """A grant exactly as the order was approved: (grant id, policy version). It is inserted
    in `session`, the approval's own transaction: both commit, or neither."""
    districts = order.row_scope.get("district_codes") or []
    grant = store.provision_grant(
        resource_code=order.resource_code, department=order.department,
        items=list(order.items), purpose=order.purpose, legal_basis=order.legal_basis,
        mode=order.mode, row_filter={"district_code": districts} if districts else None,
        valid_from=_start_of(order.valid_from),
        valid_until=_start_of(order.valid_until + timedelta(days=1)),
        order_id=order.id, created_by=actor, session=session,
    )
    return grant.id, grant.policy_version


def revoke(store: GrantStore, grant_id: str, reason: str) -> None:
    store.revoke_grant(grant_id, reason)


def ensure_usable(store: GrantStore, grant_id: str | None):
    """The order's grant, if the policy store still holds it usable; refuses otherwise."""
    grant = store.get_grant(grant_id) if grant_id else None
    if grant is None or not grant.is_usable():
        raise ApiError(403, "grant_inactive", _("The order's grant is revoked, expired or not "
                                              "yet valid."))
    return grant
