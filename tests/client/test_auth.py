"""Tokens as the client gets them from a live hub: client credentials by secret (profile) or
by `private_key_jwt`, renewed before expiry and once after a refusal; bad credentials and bad
profiles are typed errors."""

from __future__ import annotations

import json
import time

import pytest
from hubclient import HubClient, HubClientError, Profile, ProfileError
from hubclient.errors import InsufficientScope, TokenRefused, Unauthorized
from joserfc.jwk import ECKey, RSAKey
from sqlalchemy import select

from exchange.clients import create_client
from exchange.models import AuditEntry
from tests.client.conftest import write_profile


def _tokens_issued(live, client_id: str) -> int:
    with live.hub.store.session() as s:
        return len(list(s.scalars(select(AuditEntry.seq).where(
            AuditEntry.route == "/oauth/token", AuditEntry.client_id == client_id,
            AuditEntry.status == 200))))


def test_profile_token_and_who_am_i(hub, live):
    assert hub.token is None  # fetched on first use
    assert hub.me() == {"client_id": "mz-system", "department": "mz", "roles": ["requester"],
                        "scopes": hub.me()["scopes"], "district": None}
    assert hub.token["token_type"] == "Bearer"
    assert hub.token["expires_at"] > time.time() + 60
    assert _tokens_issued(live, "mz-system") == 1


def test_the_token_is_renewed_before_expiry_and_after_a_refusal(hub, live):
    hub.me()
    first = hub.token["access_token"]
    hub.token["expires_at"] = int(time.time()) + 30  # within authlib's 60 s leeway
    hub.me()
    second = hub.token["access_token"]
    assert second != first
    hub.token["access_token"] = "not-a-jwt"  # refused by the hub: fetched again, once
    assert hub.me()["client_id"] == "mz-system"
    assert hub.token["access_token"] not in (first, second, "not-a-jwt")
    assert _tokens_issued(live, "mz-system") == 3


def test_a_token_given_from_elsewhere_is_used_not_renewed(live):
    with HubClient(str(live.http.base_url), token=live.token("auditor")) as client:
        assert client.me()["client_id"] == "hub-auditor"
    with HubClient(str(live.http.base_url), token="not-a-jwt") as client, \
            pytest.raises(Unauthorized) as caught:
        client.me()
    assert (caught.value.status, caught.value.code) == (401, "unauthorized")


@pytest.mark.parametrize("key", [RSAKey.generate_key(2048, parameters={"kid": "mz-key-1"}),
                                 ECKey.generate_key("P-256", parameters={"kid": "mz-key-2"})],
                         ids=["RS256", "ES256"])
def test_private_key_jwt(live, tmp_path, key):
    store = live.hub.store
    jwks = {"keys": [key.as_dict(private=False)]}
    create_client(store, "mz-signer", "signs its assertions", "mz", ["requester"],
                  auth_method="private_key_jwt", public_jwks=jwks)
    pem = tmp_path / "mz-signer.pem"
    pem.write_bytes(key.as_pem(private=True))
    profile = write_profile(tmp_path / "p", str(live.http.base_url), "mz-signer",
                            private_key_file=str(pem))
    with HubClient.from_profile(profile) as client:
        assert client.me()["client_id"] == "mz-signer"
    # A JWK file works as well; a key the hub does not know gets no token.
    jwk = tmp_path / "mz-signer.jwk"
    jwk.write_text(json.dumps(key.as_dict(private=True)))
    with HubClient(str(live.http.base_url), "mz-signer", private_key=jwk.read_text()) as c:
        assert c.me()["department"] == "mz"
    stranger = type(key).generate_key(*(("P-256",) if isinstance(key, ECKey) else (2048,)),
                                      parameters={"kid": "mz-key-1"})
    with HubClient(str(live.http.base_url), "mz-signer",
                   private_key=stranger.as_pem(private=True).decode()) as client, \
            pytest.raises(TokenRefused) as caught:
        client.me()
    assert caught.value.code == "invalid_client"  # 400: no HTTP authentication was used


def test_refused_credentials_and_scopes(live):
    client_id, _ = live.secrets["requester"]
    with HubClient(str(live.http.base_url), client_id, client_secret="wrong") as client, \
            pytest.raises(TokenRefused) as caught:
        client.me()
    assert (caught.value.status, caught.value.code) == (401, "invalid_client")
    _, secret = live.secrets["requester"]
    with HubClient(str(live.http.base_url), client_id, client_secret=secret,
                   scope="audit:read") as client, pytest.raises(TokenRefused) as caught:
        client.me()
    assert caught.value.code == "invalid_scope"
    with HubClient(str(live.http.base_url), client_id, client_secret=secret,
                   scope="catalog:read") as client, pytest.raises(InsufficientScope):
        client.list_orders()


@pytest.mark.parametrize(("content", "error"), [
    (None, "cannot read the profile"),
    ("{", "is not valid JSON"),
    ('{"endpoint": "http://h", "client_id": "x"}', "exactly one of client_secret"),
    ('{"endpoint": "http://h", "client_id": "x", "client_secret": "s", "private_key_file": "k"}',
     "exactly one of client_secret"),
    ('{"client_id": "x", "client_secret": "s"}', "needs 'endpoint'"),
    ('{"endpoint": "http://h", "client_id": "x", "secret": "s"}', "unknown profile settings"),
    ('{"endpoint": "http://h", "client_id": "x", "client_secret_file": "missing"}',
     "cannot read"),
])
def test_bad_profiles_say_what_is_wrong(tmp_path, content, error):
    path = tmp_path / "profile.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ProfileError, match=error):
        Profile.load(path)


def test_a_toml_profile_keeps_its_secret_out_of_repr(tmp_path):
    (tmp_path / "s").write_text("s3cret\n")
    path = tmp_path / "hub.toml"
    path.write_text('endpoint = "http://hub/"\nclient_id = "x"\nclient_secret_file = "s"\n')
    profile = Profile.load(path)
    assert (profile.endpoint, profile.client_secret) == ("http://hub", "s3cret")
    assert "s3cret" not in repr(profile)


@pytest.mark.parametrize("endpoint", ["http://hub.huizhou.example", "ftp://hub", "hub.example",
                                      "http://10.0.0.8:8000"])
def test_secrets_travel_over_https_only(endpoint):
    with pytest.raises(HubClientError, match="https://"):
        HubClient(endpoint, "mz-system", client_secret="s")


def test_https_and_loopback_endpoints_are_taken():
    for endpoint in ("https://hub.huizhou.example/", "http://127.0.0.1:8000", "http://[::1]:80",
                     "http://localhost:8000"):
        HubClient(endpoint, "mz-system", client_secret="s").close()
    HubClient("http://10.0.0.8", token="t", allow_insecure_http=True).close()
