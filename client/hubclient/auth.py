"""OAuth2 for the client (authlib's httpx integration): the client-credentials grant, the hub's
only grant, with the client authenticated by its secret (HTTP Basic) or by a JWT assertion
signed with its private key (`private_key_jwt`, RFC 7523).

The access token (an RFC 9068 JWT, 15 minutes by default) is fetched on first use and fetched
again by authlib a minute before it expires; the client also fetches a new one once when the
hub refuses a token it still thought valid (keys rotated, credentials re-issued).
"""

from __future__ import annotations

import json
import warnings

import httpx
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from joserfc import jwk
from joserfc.errors import JoseError

with warnings.catch_warnings():
    # authlib 1.9 would rather drive the `httpx2` fork; the hub pins httpx, which it still
    # fully supports (the warning is about a future authlib release).
    warnings.filterwarnings("ignore", message="The httpx module is deprecated")
    from authlib.integrations.httpx_client import OAuth2Client

from hubclient.errors import HubClientError, ProfileError, error_from_response

__all__ = ["TOKEN_PATH", "oauth_client", "private_key_auth"]

TOKEN_PATH = "/oauth/token"
_ALGORITHMS = {"RSA": "RS256", "EC": "ES256"}  # what the hub's token endpoint accepts


def _token_errors(response: httpx.Response) -> httpx.Response:
    """authlib's compliance hook: a refused token request becomes a typed exception."""
    if response.status_code != 200:
        response.read()
        raise error_from_response(response)
    return response


def oauth_client(*, client_id: str | None, credential: object, auth_method: str | None,
                 scope: str | None, token: dict | None, **http: object) -> OAuth2Client:
    """An httpx client that fetches and renews its own tokens (`http`: httpx's arguments)."""
    client = OAuth2Client(client_id=client_id, client_secret=credential,
                          token_endpoint_auth_method=auth_method, scope=scope, token=token,
                          token_endpoint=TOKEN_PATH, grant_type="client_credentials", **http)
    client.register_compliance_hook("access_token_response", _token_errors)
    return client


def _import(text: str) -> jwk.Key:
    if text.lstrip().startswith("{"):
        try:
            return jwk.import_key(json.loads(text))
        except (ValueError, TypeError, JoseError) as exc:
            raise ProfileError(f"the private key is not a usable JWK: {exc}") from None
    for key_type in ("RSA", "EC"):
        try:
            return jwk.import_key(text, key_type)
        except (ValueError, TypeError, JoseError):
            continue
    raise ProfileError("the private key is neither an RSA nor an EC private key (PEM or JWK)")


def private_key_auth(private_key: str, audience: str) -> tuple[object, PrivateKeyJWT]:
    """The key (as authlib's client secret) and the `private_key_jwt` method signing with it;
    `audience` is the token endpoint's URL as the hub names it (its metadata)."""
    key = _import(private_key)
    if not key.is_private or key.key_type not in _ALGORITHMS:
        raise ProfileError("private_key_jwt needs an RSA or EC private key")
    if key.key_type == "EC" and key.as_dict().get("crv") != "P-256":
        raise HubClientError("EC keys must be on P-256 (ES256)")
    headers = {"kid": key.kid} if key.kid else None
    return key, PrivateKeyJWT(audience, headers=headers, alg=_ALGORITHMS[key.key_type])
