"""The OAuth2 scopes each role may hold, and what each role may do (the permission table).

The roles themselves are `catalog.roles.Role` (re-exported here); every client role has a row.

A token's scopes narrow what its roles allow; a route needs both its action's scope and a role
granted that action. `exchange.access.authorize` is the one place that applies this table.
"""

from __future__ import annotations

import enum

from catalog.roles import CLIENT_ROLES, Role

__all__ = ["ACTIONS", "SCOPES", "Action", "Role", "allowed_scopes", "role_may"]


class Action(enum.StrEnum):
    CATALOG_READ = "catalog.read"
    ORDER_PLACE = "order.place"
    ORDER_READ = "order.read"
    ORDER_CANCEL = "order.cancel"
    ORDER_REVIEW = "order.review"
    ORDER_REVOKE = "order.revoke"
    DATA_EXTRACT = "data.extract"
    DATA_QUERY = "data.query"
    DATA_VERIFY = "data.verify"
    USAGE_READ = "usage.read"  # providers: who used their data for what
    AUDIT_READ = "audit.read"
    CLIENT_ADMIN = "client.admin"
    CROSSCHECK_READ = "crosscheck.read"  # cross-check flags (民政), linkage issues (own dept.)
    CROSSCHECK_REVIEW = "crosscheck.review"  # confirm or dismiss a cross-check flag
    CATALOG_PROPOSE = "catalog.propose"  # register resources, revise own entries (officers)
    CATALOG_REVIEW = "catalog.review"  # publish, return or retire catalog entries
    QUEUE_READ = "queue.read"  # the chief data officer's review queue, read-only
    FINDINGS_ACK = "findings.ack"  # acknowledge an audit finding, with a note
    STATS_READ = "stats.read"  # platform statistics
    NOTIFY_ADMIN = "notify.admin"  # notification subscriptions and their delivery log


# Each action is carried by one OAuth2 scope.
ACTIONS: dict[Action, str] = {
    Action.CATALOG_READ: "catalog:read",
    Action.ORDER_PLACE: "orders:write",
    Action.ORDER_CANCEL: "orders:write",
    Action.ORDER_READ: "orders:read",
    Action.ORDER_REVIEW: "orders:review",
    Action.ORDER_REVOKE: "orders:review",
    Action.DATA_EXTRACT: "data:extract",
    Action.DATA_QUERY: "data:query",
    Action.DATA_VERIFY: "data:verify",
    Action.USAGE_READ: "usage:read",
    Action.AUDIT_READ: "audit:read",
    Action.CLIENT_ADMIN: "clients:admin",
    Action.CROSSCHECK_READ: "crosscheck:read",
    Action.CROSSCHECK_REVIEW: "crosscheck:review",
    Action.CATALOG_PROPOSE: "catalog:propose",
    Action.CATALOG_REVIEW: "catalog:review",
    Action.QUEUE_READ: "queue:read",
    Action.FINDINGS_ACK: "findings:ack",
    Action.STATS_READ: "stats:read",
    Action.NOTIFY_ADMIN: "notify:admin",
}
SCOPES: frozenset[str] = frozenset(ACTIONS.values())

_USE = {Action.DATA_EXTRACT, Action.DATA_QUERY, Action.DATA_VERIFY}
PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.REQUESTER: frozenset({Action.CATALOG_READ, Action.ORDER_PLACE, Action.ORDER_READ,
                               Action.ORDER_CANCEL, *_USE, Action.CROSSCHECK_READ}),
    Role.ANALYST: frozenset({Action.CATALOG_READ, Action.ORDER_READ, *_USE}),
    Role.REVIEWER: frozenset({Action.CATALOG_READ, Action.ORDER_READ, Action.ORDER_REVIEW,
                              Action.ORDER_REVOKE, Action.USAGE_READ, Action.CROSSCHECK_READ,
                              Action.CROSSCHECK_REVIEW, Action.CATALOG_PROPOSE}),
    Role.CDO: frozenset({Action.CATALOG_READ, Action.ORDER_READ, Action.ORDER_REVIEW,
                         Action.ORDER_REVOKE, Action.USAGE_READ, Action.CROSSCHECK_READ,
                         Action.CATALOG_REVIEW, Action.QUEUE_READ, Action.FINDINGS_ACK,
                         Action.STATS_READ}),
    # Auditors see the queue and the figures; acting on them is the chief data officer's.
    Role.AUDITOR: frozenset({Action.CATALOG_READ, Action.ORDER_READ, Action.USAGE_READ,
                             Action.AUDIT_READ, Action.QUEUE_READ, Action.STATS_READ}),
    Role.ADMIN: frozenset({Action.CATALOG_READ, Action.CLIENT_ADMIN, Action.NOTIFY_ADMIN}),
}


_ROLE_NAMES = frozenset(r.value for r in CLIENT_ROLES)


def role_may(roles: list[str] | tuple[str, ...], action: Action) -> bool:
    return any(action in PERMISSIONS[Role(r)] for r in roles if r in _ROLE_NAMES)


def allowed_scopes(roles: list[str] | tuple[str, ...]) -> frozenset[str]:
    """The scopes a client with these roles may ask for."""
    return frozenset(ACTIONS[a] for r in roles for a in PERMISSIONS[Role(r)])
