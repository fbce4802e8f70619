"""Credentials over real HTTP (uvicorn): a rotation, password change or revocation refuses
every token and session issued before it, however close in time; one lockout for every door
that checks a person's password; people's passwords are never client secrets."""

from __future__ import annotations

from exchange.clients import create_client, set_password

GRANT = {"grant_type": "client_credentials"}
PASSWORD = "correct horse battery staple"


def _me(live, token: str) -> int:
    return live.http.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_token_issued_in_the_second_of_a_rotation_stops_working(live):
    """Rotation through the API, then at once (same second) the old token: refused, because
    the token's credential version is no longer the client's."""
    token = live.token("requester")
    assert _me(live, token) == 200
    rotated = live.http.post("/v1/clients/mz-system/rotate", headers=live.as_("admin"))
    assert rotated.status_code == 200, rotated.text
    assert _me(live, token) == 401
    old = live.http.post("/oauth/token", data=GRANT, auth=live.secrets["requester"])
    assert old.status_code == 401
    fresh = live.http.post("/oauth/token", data=GRANT,
                           auth=("mz-system", rotated.json()["client_secret"]))
    assert fresh.status_code == 200
    assert _me(live, fresh.json()["access_token"]) == 200
    # Revocation too, in the same second as the token.
    assert live.http.post("/v1/clients/mz-system/revoke",
                          headers=live.as_("admin")).status_code == 204
    assert _me(live, fresh.json()["access_token"]) == 401


def test_a_token_without_a_current_credential_version_is_refused(live):
    """The version is compared exactly: a token whose `cv` is missing, a string or another
    number (forged with the hub's own key, as an insider might) is refused."""
    from joserfc import jwt

    token = live.token("requester")
    decoded = jwt.decode(token, live.hub.keys.public_keys(None))
    claims, key = decoded.claims, live.hub.keys.signing_keys()
    header = {"alg": "RS256", "typ": "at+jwt", "kid": decoded.header["kid"]}
    for cv in (None, str(claims["cv"]), claims["cv"] + 1, claims["cv"] - 1, True):
        forged = {k: v for k, v in claims.items() if k != "cv"}
        if cv is not None:
            forged["cv"] = cv
        assert _me(live, jwt.encode(header, forged, key)) == 401, cv
    assert _me(live, jwt.encode(header, claims, key)) == 200


def _sign_in(live, http, user: str, password: str):
    from tests.web.conftest import parse

    csrf = parse(http.get("/login").text).values["csrf"]
    return http.post("/login", data={"username": user, "password": password, "csrf": csrf,
                                     "next": "/resources"}, follow_redirects=False)


def test_a_password_change_ends_the_web_sessions_signed_in_before(live):
    create_client(live.hub.store, "mz-wang", "王 (person)", "mz", ["requester"], kind="user",
                  password=PASSWORD)
    import httpx

    with httpx.Client(base_url=str(live.http.base_url)) as browser:
        assert _sign_in(live, browser, "mz-wang", PASSWORD).status_code == 303
        assert browser.get("/resources", follow_redirects=False).status_code == 200
        set_password(live.hub.store, "mz-wang", PASSWORD + " 2")
        assert browser.get("/resources", follow_redirects=False).status_code == 401


def test_a_persons_password_is_never_a_client_secret(live):
    create_client(live.hub.store, "mz-li", "李 (person)", "mz", ["requester"], kind="user",
                  password=PASSWORD)
    for auth, data in ((("mz-li", PASSWORD), GRANT),
                       (None, {**GRANT, "client_id": "mz-li", "client_secret": PASSWORD})):
        response = live.http.post("/oauth/token", data=data, auth=auth)
        assert response.status_code == 401, response.text
        assert response.json()["error"] == "invalid_client"


def test_guesses_at_the_token_endpoint_lock_the_web_sign_in(live):
    """The token endpoint and web sign-in share one lockout: guesses there count here."""
    create_client(live.hub.store, "mz-zhou", "周 (person)", "mz", ["requester"], kind="user",
                  password=PASSWORD)
    for n in range(live.settings.web_login_max_failures):
        guess = live.http.post("/oauth/token", data=GRANT, auth=("mz-zhou", f"guess {n}"))
        assert guess.status_code == 401
    import httpx

    with httpx.Client(base_url=str(live.http.base_url)) as browser:
        # The right password, but the name is locked.
        assert _sign_in(live, browser, "mz-zhou", PASSWORD).status_code == 429


def test_a_locked_person_gets_no_token(live):
    """Locked by failed web sign-ins, a person registered with signing keys gets no token."""
    from authlib.oauth2.rfc7523 import private_key_jwt_sign
    from joserfc.jwk import RSAKey

    from exchange.oauth import token_endpoint_url

    key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    create_client(live.hub.store, "mz-sun", "孙 (person)", "mz", ["requester"], kind="user",
                  auth_method="private_key_jwt",
                  public_jwks={"keys": [key.as_dict(private=False)]})

    def token():
        assertion = private_key_jwt_sign(key, "mz-sun", token_endpoint_url(live.settings))
        return live.http.post("/oauth/token", data={
            **GRANT, "client_assertion": assertion,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"})

    assert token().status_code == 200
    import httpx

    with httpx.Client(base_url=str(live.http.base_url)) as browser:
        for n in range(live.settings.web_login_max_failures):
            assert _sign_in(live, browser, "mz-sun", f"wrong password {n}").status_code == 401
        assert _sign_in(live, browser, "mz-sun", "wrong again").status_code == 429
    refused = token()
    assert refused.status_code in (400, 401)
    assert refused.json()["error"] == "invalid_client"
