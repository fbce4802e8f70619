"""The hub's roles: the one definition every package derives its role names from.

It lives in `catalog` because the lowest layer already needs it (a provider's catalog data
officer is its reviewer, `catalog.entries`); `policies` checks principals against it and the
exchange builds its permission table, client forms and CLI choices from it.
"""

from __future__ import annotations

import enum

__all__ = ["CLIENT_ROLES", "Role"]


class Role(enum.StrEnum):
    REQUESTER = "requester"  # a department's requester: places and uses its own orders
    REVIEWER = "reviewer"  # a provider department's reviewer (and catalog data officer)
    CDO = "cdo"  # the chief data officer (数据局): compliance check, escalations, revocation
    ANALYST = "analyst"  # a department's analyst: uses its department's approved orders
    AUDITOR = "auditor"  # reads the audit log and every order, changes nothing
    ADMIN = "admin"  # manages clients and keys
    PUBLIC = "public"  # the anonymous reader of open data: no client or user is ever given it


# The roles a registered client or user may hold: every role but the anonymous one.
CLIENT_ROLES: tuple[Role, ...] = tuple(r for r in Role if r is not Role.PUBLIC)
