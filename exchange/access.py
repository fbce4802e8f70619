"""Who is calling and what they may touch: token validation and the one authorization check.

Every protected route goes through `authenticate` (a valid RFC 9068 token of a live client,
only known scopes) and `authorize` (role and scope for the action, and — for an order — that
the caller's department may see it). Another department's order is reported as absent (404),
never as forbidden, so its existence does not leak.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from authlib.oauth2.rfc6750.errors import InsufficientScopeError, InvalidTokenError
from authlib.oauth2.rfc9068 import JWTBearerTokenValidator
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import ColumnElement, bindparam, false, or_, select, true

from catalog import RESOURCES, HubSettings, Resource
from catalog.i18n import _
from exchange.errors import ApiError
from exchange.keys import KeyRing
from exchange.models import AuditEntry, ClientRecord, Order, OrderStatus
from exchange.roles import ACTIONS, SCOPES, Action, Role, role_may
from exchange.store import Store

__all__ = ["Caller", "TokenVerifier", "authorize", "may_review", "may_see_usage", "visible",
           "visible_orders", "visible_usage"]


@dataclass(frozen=True)
class Caller:
    """The authenticated client behind a request."""

    client_id: str
    department: str
    roles: tuple[str, ...]
    scopes: frozenset[str]
    district: str | None = None
    token_id: str = field(default="", compare=False)

    def has(self, role: Role) -> bool:
        return role.value in self.roles


def _unauthorized(message: str, error: str = "invalid_token") -> ApiError:
    return ApiError(401, "unauthorized", message,
                    headers={"WWW-Authenticate": f'Bearer error="{error}"'})


class _Validator(JWTBearerTokenValidator):
    def __init__(self, settings: HubSettings, keys: KeyRing) -> None:
        super().__init__(issuer=settings.api_issuer, resource_server=settings.api_audience)
        self._keys = keys
        self._kid: str | None = None

    def get_jwks(self) -> KeySet:
        return self._keys.public_keys(self._kid)

    def claims_of(self, token: str):
        try:
            header = jws.extract_compact(token.encode()).headers()
        except (JoseError, ValueError, UnicodeError):
            raise _unauthorized(_("The access token is malformed.")) from None
        # RFC 9068 §4: the resource server MUST check `typ` is at+jwt.
        if header.get("typ") not in ("at+jwt", "application/at+jwt"):
            raise _unauthorized(_("The access token is not an RFC 9068 JWT access token."))
        kid = header.get("kid")
        self._kid = kid if isinstance(kid, str) else None
        try:
            claims = self.authenticate_token(token)
            self.validate_token(claims, None, None)
        except (InvalidTokenError, InsufficientScopeError, JoseError, ValueError):
            raise _unauthorized(_("The access token is invalid or expired.")) from None
        return claims


# Built once: constructing a statement costs more than running it from the compiled cache.
_CLIENT = select(ClientRecord.client_id, ClientRecord.active, ClientRecord.credential_version,
                 ClientRecord.roles, ClientRecord.department, ClientRecord.district,
                 ).where(ClientRecord.client_id == bindparam("client_id"))


class TokenVerifier:
    """Bearer token → Caller, refusing tokens of revoked or rotated clients."""

    def __init__(self, settings: HubSettings, store: Store, keys: KeyRing) -> None:
        self._settings = settings
        self._store = store
        self._keys = keys

    def __call__(self, authorization: str | None) -> Caller:
        if not authorization or not authorization.startswith("Bearer "):
            raise _unauthorized(_("A bearer access token is required."), "invalid_request")
        token = authorization[len("Bearer "):].strip()
        if not token or len(token) > 8192:
            raise _unauthorized(_("The access token is malformed."))
        claims = _Validator(self._settings, self._keys).claims_of(token)
        scope = claims.get("scope") or ""
        scopes = frozenset(scope.split()) if isinstance(scope, str) else frozenset()
        roles = claims.get("roles")
        if not scopes or not scopes <= SCOPES:
            raise _unauthorized(_("The access token carries an unknown scope."))
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise _unauthorized(_("The access token carries no roles."))
        with self._store.registry.engine.connect() as c:  # one Core query: the hot path
            record = c.execute(_CLIENT, {"client_id": claims["client_id"]}).first()
        if record is None or not record.active:
            raise _unauthorized(_("The client is not active."))
        version = claims.get("cv")
        # An exact integer match, never a clock comparison: `iat` has whole seconds, and a
        # token issued in the second of a rotation would otherwise outlive it.
        if type(version) is not int or version != record.credential_version:
            raise _unauthorized(_("The access token was issued before the client's credentials "
                                "changed."))
        # Roles and department come from the registry, not the token: a role removed since the
        # token was issued is removed now.
        return Caller(client_id=record.client_id, department=record.department,
                      roles=tuple(r for r in roles if r in record.roles),
                      scopes=scopes, district=record.district, token_id=claims["jti"])


def _order_sides(caller: Caller) -> tuple[str, ...] | None:
    """Who may know an order exists: the sides of it (`Order` columns) the caller's department
    must be on — requesters and analysts their own department's orders, reviewers the orders
    for their department's resources; None: every order (auditors, the chief data officer).
    `visible` and `visible_orders` both read it, so a check and a list never differ."""
    if caller.has(Role.AUDITOR) or caller.has(Role.CDO):
        return None
    sides = ("department",) if caller.has(Role.REQUESTER) or caller.has(Role.ANALYST) else ()
    return (*sides, "provider") if caller.has(Role.REVIEWER) else sides


def visible(caller: Caller, order: Order) -> bool:
    """Whether the caller's department may know this order exists."""
    sides = _order_sides(caller)
    return sides is None or any(getattr(order, side) == caller.department for side in sides)


def visible_orders(caller: Caller) -> ColumnElement[bool]:
    """`visible` as a SQL condition on `Order`, for lists."""
    sides = _order_sides(caller)
    if sides is None:
        return true()
    return or_(false(), *(getattr(Order, side) == caller.department for side in sides))


def may_review(caller: Caller, order: Order, stage: OrderStatus | None = None) -> bool:
    """Who decides an order: the chief data officer or the provider's reviewers. At the
    compliance stage, the chief data officer alone; at the provider stage, the provider's
    reviewers, and the chief data officer once it is escalated. `stage` None: whichever
    stage (revocation, and the check `authorize` makes before a stage is looked at)."""
    cdo = caller.has(Role.CDO)
    provider = caller.has(Role.REVIEWER) and caller.department == order.provider
    if stage is OrderStatus.COMPLIANCE_REVIEW:
        return cdo
    if stage is OrderStatus.PROVIDER_REVIEW:
        return provider or (cdo and bool(order.escalated))
    return cdo or provider


def may_see_usage(caller: Caller, resource: Resource) -> bool:
    """Who used a resource is for the chief data officer, auditors and the provider's
    reviewers (the roles allowed usage.read; a reviewer only for its own department's)."""
    if not role_may(caller.roles, Action.USAGE_READ):
        return False
    return (caller.has(Role.CDO) or caller.has(Role.AUDITOR)
            or caller.department == resource.provider.code)


def visible_usage(caller: Caller) -> ColumnElement[bool]:
    """`may_see_usage` as a SQL condition on `AuditEntry`, for the usage list."""
    return AuditEntry.resource_code.in_(
        sorted(code for code, r in RESOURCES.items() if may_see_usage(caller, r)))


def authorize(caller: Caller, action: Action, order: Order | None = None) -> None:
    """The one authorization check: role, token scope, then the object's department."""
    if not role_may(caller.roles, action):
        raise ApiError(403, "forbidden", _("Your roles do not allow {action}.",
                                           action=action.value))
    if ACTIONS[action] not in caller.scopes:
        raise ApiError(403, "insufficient_scope",
                       _("The access token lacks the scope {scope}.", scope=ACTIONS[action]),
                       headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", '
                                                    f'scope="{ACTIONS[action]}"'})
    if order is None:
        return
    if not visible(caller, order):
        raise ApiError(404, "not_found", _("No such order."))
    uses = action in (Action.DATA_EXTRACT, Action.DATA_QUERY, Action.DATA_VERIFY,
                      Action.ORDER_CANCEL)
    if uses and caller.department != order.department:
        raise ApiError(404, "not_found", _("No such order."))
    if action is Action.ORDER_REVIEW or action is Action.ORDER_REVOKE:
        if not may_review(caller, order):
            raise ApiError(403, "forbidden", _("Only the provider's reviewers or the chief data "
                                             "officer review this order."))
