"""Fixtures of the catalog web app: the session's ingested city with a private registry, one
signed-in person per role (real passwords, real sessions), and what the pages act on."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from catalog import HubSettings, entries, findings
from exchange import create_app
from exchange.access import Caller
from exchange.clients import create_client
from exchange.orders import place
from exchange.roles import allowed_scopes
from exchange.schemas import OrderCreate
from tests.exchange.conftest import api_settings

PASSWORD = "correct horse battery staple"
# One person per role. The reviewer is public security's (公安, provider of ga.*) data officer;
# the requester and analyst work for civil affairs (民政); `other` is another department's.
PEOPLE = {
    "cdo": ("cdo-wang", "hub", "cdo"),
    "auditor": ("auditor-li", "hub", "auditor"),
    "reviewer": ("ga-officer", "ga", "reviewer"),
    "requester": ("mz-zhang", "mz", "requester"),
    "analyst": ("mz-chen", "mz", "analyst"),
    "admin": ("admin-zhao", "hub", "admin"),
    "other": ("rs-liu", "rs", "requester"),
}
_counter = itertools.count(1)


class _Inputs(HTMLParser):
    """The named inputs of a page (hidden form tokens) and its links."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") and attrs.get("value") is not None:
            self.values.setdefault(attrs["name"], attrs["value"])
        if tag in ("a", "img") and (attrs.get("href") or attrs.get("src")):
            self.links.append(attrs.get("href") or attrs.get("src"))


def parse(html: str) -> _Inputs:
    parser = _Inputs()
    parser.feed(html)
    return parser


@dataclass
class Web:
    """The app with one person per role; `client(role)` is a signed-in browser-like client."""

    app: object
    settings: HubSettings
    _clients: dict[str, TestClient] = field(default_factory=dict)

    @property
    def hub(self):
        return self.app.state.hub

    def anonymous(self) -> TestClient:
        return TestClient(self.app, raise_server_exceptions=False, follow_redirects=False)

    def sign_in(self, user_name: str, password: str = PASSWORD, client: TestClient | None = None,
                next_url: str = "/resources"):
        client = client or self.anonymous()
        form = client.get("/login")
        token = parse(form.text).values["csrf"]
        response = client.post("/login", data={"username": user_name, "password": password,
                                               "csrf": token, "next": next_url})
        return client, response

    def client(self, role: str) -> TestClient:
        if role not in self._clients:
            client, response = self.sign_in(PEOPLE[role][0])
            assert response.status_code == 303, response.text
            self._clients[role] = client
        return self._clients[role]

    def csrf(self, role: str) -> str:
        return parse(self.client(role).get("/resources").text).values["csrf"]

    def caller(self, role: str) -> Caller:
        user_name, department, role_name = PEOPLE[role]
        return Caller(user_name, department, (role_name,), allowed_scopes((role_name,)))

    def actor(self, role: str) -> entries.Actor:
        user_name, department, role_name = PEOPLE[role]
        return entries.Actor(user_name, department, frozenset({role_name}))

    def submitted_revision(self, code: str = "ga.vehicles") -> str:
        """A revision of the entry's abstract submitted by its provider's officer (the one
        waiting already, or a new one); returns the proposed abstract."""
        registry = self.hub.store.registry
        waiting = entries.pending(registry, code)
        if waiting is None or waiting.status != "submitted":
            text = f"登记信息（第{next(_counter)}次修订）：补充数据项说明。"
            entries.propose(registry, code, {"abstract": text}, self.actor("reviewer"))
            entries.submit(registry, code, self.actor("reviewer"))
            waiting = entries.pending(registry, code)
        return waiting.changes["abstract"]

    def finding(self, subject: str = "resource:ga.vehicles") -> int:
        """An open audit finding (as a scheduled audit would record it); returns its id."""
        n = next(_counter)
        found = findings.Finding(audit="freshness", severity=findings.Severity.HIGH,
                                 subject=f"{subject}#{n}", message=f"未按更新周期报送 ({n})")
        findings.record_report(self.hub.store.registry, "freshness", [found],
                               summary="planted for the web tests")
        return next(f.id for f in findings.findings(self.hub.store.registry, audit="freshness")
                    if f.subject == found.subject)

    def order(self, role: str = "requester", resource: str = "ga.vehicles",
              purpose: str = "社会救助核查"):
        body = OrderCreate(resource=resource, mode="verify", items=[], purpose=purpose,
                           legal_basis="《社会救助暂行办法》第十一条",
                           valid_until=date.today() + timedelta(days=30), quota_calls=10)
        return place(self.hub, self.caller(role), body)


def make_web(ingested: HubSettings, where: Path, **overrides) -> Web:
    settings = api_settings(ingested, where, **overrides)
    app = create_app(settings)
    for user_name, department, role in PEOPLE.values():
        create_client(app.state.hub.store, user_name, f"{user_name} (test person)", department,
                      [role], kind="user", password=PASSWORD)
    return Web(app, settings)


@pytest.fixture
def web(ingested: HubSettings, tmp_path: Path) -> Web:
    return make_web(ingested, tmp_path / "web")


@pytest.fixture(scope="module")
def shared_web(ingested: HubSettings, tmp_path_factory: pytest.TempPathFactory) -> Web:
    """One app for a module of read-mostly tests (the permission matrix)."""
    return make_web(ingested, tmp_path_factory.mktemp("web"))
