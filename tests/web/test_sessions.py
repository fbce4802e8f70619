"""Sign-in, sessions and CSRF of the web app, through the real app and registry."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from catalog.registry import utcnow
from exchange.clients import create_client, revoke_client, set_password
from exchange.models import AuditEntry
from exchange.web.sessions import WebSession
from tests.web.conftest import PASSWORD, PEOPLE, make_web, parse

WRONG = "Wrong user name or password."


def _session_rows(web) -> list[WebSession]:
    with web.hub.store.session() as s:
        return list(s.scalars(select(WebSession)))


def test_sign_in_sets_a_strict_httponly_cookie_and_stores_only_its_hash(web):
    client, response = web.sign_in("cdo-wang", next_url="/stats")
    assert response.status_code == 303
    assert response.headers["location"] == "/stats"
    cookie = next(c for c in response.headers.get_list("set-cookie")
                  if c.startswith("hub_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # demo mode serves plain-HTTP localhost
    token = cookie.split(";")[0].split("=", 1)[1]
    rows = _session_rows(web)
    assert [r.token_hash for r in rows] == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in {r.token_hash for r in rows}
    page = client.get("/resources")
    assert page.status_code == 200
    assert "cdo-wang" in page.text and 'href="/queue"' in page.text
    again = client.get("/login?next=/queue")  # a signed-in visitor goes straight on
    assert again.status_code == 303 and again.headers["location"] == "/queue"


def test_cookies_are_secure_outside_demo_mode(ingested, tmp_path):
    web = make_web(ingested, tmp_path / "prod", mode="production",
                   secret_key="a-real-secret-for-this-test-only-0123456789")
    browser = TestClient(web.app, base_url="https://testserver", follow_redirects=False)
    form = browser.get("/login")
    assert "Secure" in form.headers["set-cookie"]  # the sign-in form's token
    _, response = web.sign_in("cdo-wang", client=browser)
    session = next(c for c in response.headers.get_list("set-cookie")
                   if c.startswith("hub_session="))
    assert "Secure" in session and "HttpOnly" in session


def test_wrong_password_unknown_user_and_systems_get_one_generic_refusal(web):
    create_client(web.hub.store, "mz-system", "民政系统", "mz", ["requester"])
    for name, password in (("cdo-wang", "not the password"), ("nobody-here", PASSWORD),
                           ("mz-system", PASSWORD), ("", "")):
        _, response = web.sign_in(name, password)
        assert response.status_code == 401
        assert parse(response.text).values.get("username") is None  # nothing echoed back
        assert WRONG in response.text
        assert "hub_session=" not in response.headers.get("set-cookie", "")
    assert _session_rows(web) == []


def test_repeated_failures_lock_the_name_then_it_expires(ingested, tmp_path):
    web = make_web(ingested, tmp_path / "lock", web_login_max_failures=3,
                   web_login_lockout_seconds=60)
    for _ in range(3):
        assert web.sign_in("auditor-li", "guess")[1].status_code == 401
    _, locked = web.sign_in("auditor-li")  # even the right password, while locked
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.text
    # A name that does not exist locks the same way: the lock tells nothing about names.
    for _ in range(3):
        web.sign_in("ghost", "guess")
    assert web.sign_in("ghost", "guess")[1].status_code == 429
    assert web.sign_in("cdo-wang")[1].status_code == 303  # other names are not affected
    from exchange.lockout import LoginFailure

    with web.hub.store.session() as s:  # the window passes
        s.execute(update(LoginFailure).values(at=utcnow() - timedelta(seconds=61)))
    assert web.sign_in("auditor-li")[1].status_code == 303


def test_sign_in_without_the_form_token_is_refused(web):
    client = web.anonymous()
    client.get("/login")
    response = client.post("/login", data={"username": "cdo-wang", "password": PASSWORD,
                                           "csrf": "forged", "next": "/"})
    assert response.status_code == 403
    assert "The sign-in form expired" in response.text
    bare = web.anonymous().post("/login", data={"username": "cdo-wang", "password": PASSWORD})
    assert bare.status_code == 403
    assert _session_rows(web) == []


def test_sign_in_never_redirects_off_site(web):
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"):
        _, response = web.sign_in("cdo-wang", next_url=target)
        assert response.headers["location"] == "/"


def test_post_without_the_session_csrf_token_changes_nothing(web):
    expected = web.submitted_revision("ga.vehicles")
    cdo = web.client("cdo")
    for token in ("", "x" * 43):
        response = cdo.post("/queue/entries/ga.vehicles/publish",
                            data={"reason": "同意", "csrf": token})
        assert response.status_code == 403
        assert "The form is out of date" in response.text
    from catalog import entries

    assert entries.pending(web.hub.store.registry, "ga.vehicles").changes["abstract"] == expected
    assert cdo.post("/logout", data={}).status_code == 403
    assert cdo.get("/resources").status_code == 200  # still signed in


def test_logout_ends_the_session_on_the_server(web):
    client = web.client("auditor")
    token = client.cookies["hub_session"]
    response = client.post("/logout", data={"csrf": web.csrf("auditor")})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert _session_rows(web) == []
    replay = web.anonymous()
    replay.cookies.set("hub_session", token)
    assert replay.get("/resources").status_code == 401


def test_idle_and_absolute_expiry(ingested, tmp_path):
    web = make_web(ingested, tmp_path / "expiry", web_session_idle_seconds=600,
                   web_session_max_seconds=3600)
    idle, busy = web.client("cdo"), web.client("auditor")
    with web.hub.store.session() as s:
        s.execute(update(WebSession).where(WebSession.client_id == "cdo-wang")
                  .values(last_seen_at=utcnow() - timedelta(seconds=601)))
        # Used a minute ago, but signed in more than the absolute limit ago.
        s.execute(update(WebSession).where(WebSession.client_id == "auditor-li")
                  .values(created_at=utcnow() - timedelta(seconds=3601),
                          last_seen_at=utcnow() - timedelta(seconds=60)))
    for client in (idle, busy):
        response = client.get("/resources")
        assert response.status_code == 401
        assert 'name="next" value="/resources"' in response.text
    assert _session_rows(web) == []


def test_use_keeps_a_session_alive(web):
    client = web.client("cdo")
    with web.hub.store.session() as s:
        s.execute(update(WebSession).values(last_seen_at=utcnow() - timedelta(seconds=1700)))
    assert client.get("/resources").status_code == 200
    seen = _session_rows(web)[0].last_seen_at
    assert utcnow() - seen.replace(tzinfo=utcnow().tzinfo) < timedelta(seconds=60)


def test_revoked_user_and_new_password_end_sessions(web):
    requester, auditor = web.client("requester"), web.client("auditor")
    revoke_client(web.hub.store, PEOPLE["requester"][0])
    assert requester.get("/resources").status_code == 401
    assert web.sign_in(PEOPLE["requester"][0])[1].status_code == 401
    set_password(web.hub.store, PEOPLE["auditor"][0], "a brand new passphrase")
    assert auditor.get("/resources").status_code == 401
    assert web.sign_in(PEOPLE["auditor"][0])[1].status_code == 401
    assert web.sign_in(PEOPLE["auditor"][0], "a brand new passphrase")[1].status_code == 303


def test_roles_are_read_from_the_registry_on_every_request(web):
    client = web.client("auditor")
    assert client.get("/stats").status_code == 200
    from exchange.models import ClientRecord

    with web.hub.store.session() as s:
        s.get(ClientRecord, PEOPLE["auditor"][0]).roles = ["requester"]
    assert client.get("/stats").status_code == 403


def test_pages_are_audited_with_the_person(web):
    web.client("cdo").get("/resources/ga.population")
    web.sign_in("cdo-wang", "wrong password")
    with web.hub.store.session() as s:
        rows = list(s.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
    page = [r for r in rows if r.route == "/resources/{code}"][-1]
    assert (page.client_id, page.department, page.roles) == ("cdo-wang", "hub", ["cdo"])
    assert page.decision == "allow" and page.detail["path"] == "/resources/ga.population"
    failed = [r for r in rows if r.route == "/login" and r.method == "POST"][-1]
    assert failed.status == 401 and failed.decision == "deny"
    assert failed.detail == {"user": "cdo-wang", "outcome": "refused"}
    assert web.hub.audit.verify()[1] == []
