"""The authorization server and token validation: real tokens, every claim checked."""

from __future__ import annotations

import time

from authlib.oauth2.rfc7523 import private_key_jwt_sign
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from exchange.clients import create_client, revoke_client, rotate_secret
from exchange.oauth import token_endpoint_url

GRANT = {"grant_type": "client_credentials"}


def _token(api, data=None, auth=None):
    return api.http.post("/oauth/token", data={**GRANT, **(data or {})},
                         auth=auth or api.secrets["requester"])


def _me(api, token: str):
    return api.http.get("/v1/me", headers={"Authorization": f"Bearer {token}"})


def test_wrong_secret_and_unknown_client_are_refused(api):
    wrong = _token(api, auth=("mz-system", "not-the-secret"))
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    assert _token(api, auth=("nobody", "x")).status_code == 401


def test_scope_beyond_the_roles_is_refused_not_narrowed(api):
    response = _token(api, {"scope": "orders:write audit:read"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"
    assert _token(api, {"scope": "orders:write made:up"}).json()["error"] == "invalid_scope"


def test_secret_post_authentication(api):
    client_id, secret = api.secrets["requester"]
    response = api.http.post("/oauth/token", data={**GRANT, "client_id": client_id,
                                                   "client_secret": secret})
    assert response.status_code == 200


def _forge(api, claims: dict, key=None, header=None) -> str:
    hub = api.http.app.state.hub
    signing = key or hub.keys.signing_keys()
    now = int(time.time())
    base = {"iss": api.settings.api_issuer, "aud": api.settings.api_audience, "exp": now + 60,
            "iat": now, "jti": "x", "sub": "mz-system", "client_id": "mz-system",
            "scope": "catalog:read", "roles": ["requester"], "cv": 1}
    return jwt.encode(header or {"alg": "RS256", "typ": "at+jwt"},
                      {k: v for k, v in {**base, **claims}.items() if v is not None}, signing)


def test_every_claim_is_validated(api):
    assert _me(api, _forge(api, {})).status_code == 200
    for bad in ({"exp": int(time.time()) - 5}, {"exp": None}, {"aud": "someone-else"},
                {"aud": None}, {"iss": "https://evil.example"}, {"iss": None},
                {"client_id": None}, {"scope": "catalog:read admin:everything"},
                {"client_id": "ghost"}, {"cv": None}, {"cv": 2}):
        response = _me(api, _forge(api, bad))
        assert response.status_code == 401, bad
        assert response.json()["error"]["code"] == "unauthorized"


def test_foreign_keys_none_alg_and_wrong_typ_are_refused(api):
    foreign = KeySet([RSAKey.generate_key(2048, parameters={"kid": "evil"})])
    assert _me(api, _forge(api, {}, key=foreign)).status_code == 401
    hmac_key = OctKey.import_key(b"k" * 32)
    assert _me(api, _forge(api, {}, key=hmac_key, header={"alg": "HS256",
                                                           "typ": "at+jwt"})).status_code == 401
    assert _me(api, _forge(api, {}, header={"alg": "RS256", "typ": "JWT"})).status_code == 401
    header, payload, _sig = _forge(api, {}).split(".")
    assert _me(api, f"{header}.{payload}.").status_code == 401
    assert _me(api, "not.a.jwt").status_code == 401


def test_revocation_and_rotation_refuse_live_tokens(api):
    store = api.http.app.state.hub.store
    token = api.token("requester")
    assert _me(api, token).status_code == 200
    issued = rotate_secret(store, "mz-system")
    assert _me(api, token).status_code == 401
    assert _token(api, auth=("mz-system", issued.secret)).status_code == 200
    revoke_client(store, "mz-system")
    assert _token(api, auth=("mz-system", issued.secret)).status_code == 401


def test_key_rotation_keeps_old_tokens_valid_and_serves_public_keys_only(api):
    old = api.token("requester")
    kid = api.http.app.state.hub.keys.rotate()
    jwks = api.http.get("/.well-known/jwks.json").json()
    assert len(jwks["keys"]) == 2
    assert all("d" not in k and "p" not in k for k in jwks["keys"])
    assert _me(api, old).status_code == 200
    fresh = _token(api).json()["access_token"]
    assert jwt.decode(fresh, KeySet.import_key_set(jwks)).header["kid"] == kid


def test_private_key_jwt_client_authentication(api):
    key = RSAKey.generate_key(2048, parameters={"kid": "mz-key-1"})
    store = api.http.app.state.hub.store
    create_client(store, "mz-signer", "民政 signer", "mz", ["requester"],
                  auth_method="private_key_jwt",
                  public_jwks={"keys": [key.as_dict(private=False)]})
    url = token_endpoint_url(api.settings)
    assertion = private_key_jwt_sign(key, "mz-signer", url)
    form = {**GRANT, "client_assertion_type":
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion}
    assert api.http.post("/oauth/token", data=form).status_code == 200
    replay = api.http.post("/oauth/token", data=form)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_client"
    other = RSAKey.generate_key(2048)
    forged = {**form, "client_assertion": private_key_jwt_sign(other, "mz-signer", url)}
    assert api.http.post("/oauth/token", data=forged).json()["error"] == "invalid_client"
