"""Binding: which grant a query's read of each resource uses, and what that read may see.

One grant per resource read (several candidates are ambiguous: the caller names one). The
policy decides each item; the grant's row filter and a district officer's district restrict
rows. A district officer cannot read a resource that has no district to restrict by.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from catalog import ItemType, Resource
from catalog.i18n import _
from policies.errors import PolicyError
from policies.grants import Grant, GrantMode
from policies.policy import Decision, Outcome, Policy
from policies.principal import Principal

__all__ = ["GATEWAY_MODES", "Binding", "bind", "bind_grant"]

GATEWAY_MODES = frozenset({GrantMode.QUERY, GrantMode.AGGREGATE})
DISTRICT_ITEM = "district_code"


@dataclass(frozen=True)
class Binding:
    """One resource read under one grant: item decisions, row filters, the token key's name."""

    resource: Resource
    grant: Grant
    decisions: tuple[Decision, ...]
    row_filter: tuple[tuple[str, tuple[str, ...]], ...]
    resource_rule: str
    key_name: str

    @property
    def aggregate(self) -> bool:
        return self.grant.mode is GrantMode.AGGREGATE

    def outcome(self, item: str) -> Outcome:
        return next(d.outcome for d in self.decisions if d.item == item)

    def exposed_items(self) -> tuple[str, ...]:
        return tuple(d.item for d in self.decisions if d.outcome is not Outcome.ABSENT)

    def person_column(self) -> str:
        """The column counted for the minimum group size: the person each row is about."""
        ids = [i for i in self.resource.items if i.type is ItemType.ID_NUMBER]
        keyed = [i for i in ids if i.key]
        return (keyed or ids)[0].name if ids else self.resource.key[0]


def bind(principal: Principal, grants: Iterable[Grant], resources: Sequence[Resource],
         policy: Policy, at: datetime, grant_ids: Sequence[str] | None = None) -> list[Binding]:
    """A binding per resource the query reads, or a `PolicyError` saying why not."""
    grants = list(grants)
    bindings = []
    for index, resource in enumerate(resources):
        candidates = [g for g in grants if g.resource_code == resource.code
                      and g.mode in GATEWAY_MODES and g.covers(principal.department,
                                                               principal.subject)
                      and (grant_ids is None or g.id in grant_ids)]
        usable = [g for g in candidates if g.is_usable(at)]
        if not usable:
            raise _unusable(candidates, resource, at)
        if len(usable) > 1:
            raise PolicyError("ambiguous_grant", _("{n} grants cover {code}; name the one to use",
                                                   n=len(usable), code=resource.code))
        bindings.append(bind_grant(principal, usable[0], resource, policy, f"hub_k{index}"))
    return bindings


def _unusable(candidates: list[Grant], resource: Resource, at: datetime) -> PolicyError:
    if not candidates:
        return PolicyError("no_grant", _("no active query grant covers {code}",
                                         code=resource.code))
    if any(g.call_quota is not None and g.calls_used >= g.call_quota for g in candidates):
        return PolicyError("quota_exhausted")
    return PolicyError("grant_inactive", _("the grant for {code} is not in force",
                                             code=resource.code))


def bind_grant(principal: Principal, grant: Grant, resource: Resource, policy: Policy,
               key_name: str = "hub_k0") -> Binding:
    """The binding of one grant the caller already chose (extracts, verification)."""
    if not principal.roles & policy.roles_for(grant.mode):
        raise PolicyError("role_not_allowed", _("the caller's roles may not use {mode} grants",
                                                mode=grant.mode))
    allowed, rule = policy.resource_decision(principal, grant, resource)
    if not allowed:
        raise PolicyError("denied", _("policy rule {rule} refuses {code}", rule=rule,
                                      code=resource.code))
    filters = dict(grant.row_filter)
    if principal.district is not None:
        if DISTRICT_ITEM not in {i.name for i in resource.items}:
            raise PolicyError("denied", _("{code} has no district to restrict a district "
                                          "officer's rows to", code=resource.code))
        granted = filters.get(DISTRICT_ITEM)
        filters[DISTRICT_ITEM] = tuple(v for v in (granted or (principal.district,))
                                       if v == principal.district)
    return Binding(resource=resource, grant=grant,
                   decisions=tuple(policy.decide(principal, grant, resource)),
                   row_filter=tuple(sorted(filters.items())), resource_rule=rule,
                   key_name=key_name)
