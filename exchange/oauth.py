"""The hub as its own OAuth2 authorization server for machine clients (authlib).

Client-credentials grant (RFC 6749 §4.4); client authentication by secret (basic or post) or
by signed JWT assertion (`private_key_jwt`, RFC 7523); JWT access tokens per RFC 9068 with
`iss`, `aud`, `exp`, `client_id`, `scope`, `roles`, `department`, and `cv`, the client's
credential version (`exchange.access` refuses a token whose version is no longer current). A request for a scope the
client may not hold is refused (`invalid_scope`), never answered with a narrower token.

People (`kind == "user"`) sign in to the web app with a password; a person's secret is never
accepted here as a client secret, and every such try counts toward the person's lockout
(`exchange.lockout`, shared with web sign-in). A locked person gets no token by any method.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Request
from authlib.oauth2.rfc6749.errors import InvalidClientError, InvalidScopeError
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from joserfc.jwk import KeySet
from sqlalchemy.exc import IntegrityError

from catalog import HubSettings
from catalog.i18n import _
from exchange.clients import verify_secret
from exchange.keys import ALGORITHM, KeyRing
from exchange.lockout import Lockout, dummy_hash
from exchange.models import ClientRecord, UsedAssertion
from exchange.roles import SCOPES, allowed_scopes
from exchange.store import Store

__all__ = ["HubAuthorizationServer", "TokenRequest", "token_endpoint_url"]


def token_endpoint_url(settings: HubSettings) -> str:
    return settings.api_issuer.rstrip("/") + "/oauth/token"


class OAuthClient(ClientMixin):
    """authlib's view of a registered client."""

    def __init__(self, record: ClientRecord, lockout: Lockout) -> None:
        self.record = record
        self._lockout = lockout

    def get_client_id(self) -> str:
        return self.record.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        allowed = allowed_scopes(self.record.roles)
        if not scope:
            return list_to_scope(sorted(allowed))
        requested = set(scope_to_list(scope))
        return list_to_scope(sorted(requested)) if requested <= allowed else None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        person = self.record.kind == "user"
        # A person's secret is their password: checked at web sign-in only. The dummy hash
        # costs the same as a real check, so timing does not tell people from systems.
        good = verify_secret(client_secret, dummy_hash() if person else self.record.secret_hash)
        if person or not good:
            self._lockout.fail(self.record.client_id)
        return good and not person

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.record.auth_method == "private_key_jwt":
            return method == "private_key_jwt"
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"


class TokenRequest(OAuth2Request):
    """A token request as authlib sees it: the parsed form, headers and the public URL."""

    def __init__(self, uri: str, headers: dict[str, str], form: dict[str, str]) -> None:
        super().__init__("POST", uri, headers=headers)
        self._form = form
        self.payload = BasicOAuth2Payload(form)

    @property
    def form(self) -> dict[str, str]:
        return self._form

    @property
    def args(self) -> dict[str, str]:
        return {}


class _ClientCredentials(ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"]


class _TokenGenerator(JWTBearerTokenGenerator):
    def __init__(self, settings: HubSettings, keys: KeyRing) -> None:
        super().__init__(issuer=settings.api_issuer, alg=ALGORITHM,
                         expires_generator=settings.token_ttl_seconds)
        self._settings = settings
        self._keys = keys

    def get_jwks(self) -> KeySet:
        return self._keys.signing_keys()

    def get_audiences(self, client, user, scope) -> str:
        return self._settings.api_audience

    def get_extra_claims(self, client, grant_type, user, scope) -> dict:
        record = client.record
        claims = {"roles": list(record.roles), "department": record.department,
                  "cv": record.credential_version}
        if record.district:
            claims["district"] = record.district
        return claims


class _ClientAssertion(JWTBearerClientAssertion):
    """`private_key_jwt`: the assertion is signed by a key in the client's registered JWKS."""

    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(self, settings: HubSettings, store: Store) -> None:
        super().__init__(validate_jti=True, leeway=30)
        self._settings = settings
        self._store = store

    def get_audiences(self) -> list[str]:
        return [token_endpoint_url(self._settings), self._settings.api_issuer]

    def resolve_client_public_key(self, client: OAuthClient) -> KeySet:
        if not client.record.public_jwks:
            raise InvalidClientError(description=_("The client has no registered keys."))
        return KeySet.import_key_set(client.record.public_jwks)

    def validate_jti(self, claims: dict, jti: str) -> bool:
        exp = claims.get("exp")
        if not isinstance(jti, str) or len(jti) > 200 or not isinstance(exp, int | float):
            return False
        if exp - time.time() > 3600:  # long-lived assertions could be replayed later
            return False
        try:
            with self._store.session() as s:
                s.add(UsedAssertion(jti=f"{claims['sub']}:{jti}"[:200], client_id=claims["sub"],
                                    expires_at=datetime.fromtimestamp(exp, UTC)))
        except IntegrityError:
            return False
        return True


class HubAuthorizationServer(AuthorizationServer):
    """The token endpoint's logic; `handle_response` returns (status, body, headers)."""

    def __init__(self, settings: HubSettings, store: Store, keys: KeyRing) -> None:
        super().__init__(scopes_supported=sorted(SCOPES))
        self._store = store
        self._lockout = Lockout(settings, store)
        self.register_grant(_ClientCredentials)
        self.register_token_generator("default", _TokenGenerator(settings, keys))
        self.register_client_auth_method("private_key_jwt", _ClientAssertion(settings, store))

    def query_client(self, client_id: str) -> OAuthClient | None:
        if not isinstance(client_id, str) or len(client_id) > 64:
            return None
        with self._store.session() as s:
            record = s.get(ClientRecord, client_id)
        if record is None or not record.active:
            self._lockout.fail(client_id)  # counted like web sign-in: names known or not
            return None
        if record.kind == "user" and self._lockout.locked(client_id):
            return None
        return OAuthClient(record, self._lockout)

    def save_token(self, token: dict, request: OAuth2Request) -> None:
        """JWT access tokens are self-contained: nothing to store (issuance is audited)."""

    def send_signal(self, name: str, *args, **kwargs) -> None:
        """No signal receivers: token issuance is recorded by the audit log."""

    def create_oauth2_request(self, request: TokenRequest) -> TokenRequest:
        return request

    def handle_response(self, status: int, body: dict, headers: list) -> tuple[int, dict, list]:
        return status, body, headers

    def validate_requested_scope(self, scope: str | None) -> None:
        if scope is not None and (not scope_to_list(scope)
                                  or not set(scope_to_list(scope)) <= SCOPES):
            raise InvalidScopeError()
