"""The web app's permission matrix: every role × every page and action → the exact status, with
cookie sessions and CSRF tokens — and a guard that no route escapes a matrix.

The API's matrix (`tests/exchange/test_permissions.py`) guards the routes in the OpenAPI
schema; the guard here covers every other route the app serves (pages, charts, static files),
so a new route of either kind without a row fails one of the two.
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount

from catalog import entries
from exchange.web.review import ENTRY_ACTIONS
from tests.web.conftest import PEOPLE, parse

ROLES = (*PEOPLE, "anon")
SIGNED_IN = {r: 200 for r in PEOPLE}
HUB_READERS = {"cdo": 200, "auditor": 200}


@pytest.fixture(scope="module")
def objects(shared_web):
    """What the read-only pages show: an order of civil affairs for a public-security resource."""
    return {"code": "ga.vehicles", "order": shared_web.order().id, "open": "sj.enterprises"}


def _fresh(web, kind: str | None) -> dict:
    registry = web.hub.store.registry
    if kind == "revision":
        web.submitted_revision("ga.vehicles")
    elif kind == "finding":
        return {"finding": web.finding()}
    elif kind in ("published", "retired"):  # wj.deaths, so the order's resource stays orderable
        status = entries.entry_status(registry, "wj.deaths").value
        if status != kind:
            change = entries.republish if kind == "published" else entries.retire
            change(registry, "wj.deaths", web.actor("cdo"), "matrix setup")
    return {}


# (method, path, form fields, fresh object, {role: status}); roles not listed get 403, anon 401.
ROUTES = [
    ("GET", "/", None, None, {r: 303 for r in PEOPLE}),
    ("GET", "/resources", None, None, SIGNED_IN),
    ("GET", "/resources/{code}", None, None, SIGNED_IN),
    ("GET", "/resources/{code}/charts/quality.svg", None, None, SIGNED_IN),
    # Use of ga.vehicles: the CDO, auditors and public security's (the provider's) reviewer.
    ("GET", "/resources/{code}/charts/usage.svg", None, None, {**HUB_READERS, "reviewer": 200}),
    # Civil affairs' order: its own people, the provider's reviewer, the CDO, auditors; to
    # another department it does not exist.
    ("GET", "/orders/{order}", None, None,
     {"cdo": 200, "auditor": 200, "reviewer": 200, "requester": 200, "analyst": 200,
      "other": 404}),
    ("GET", "/queue", None, None, HUB_READERS),
    ("POST", "/queue/entries/{code}/publish", {"reason": "文本已核对"}, "revision", {"cdo": 303}),
    ("POST", "/queue/entries/{code}/return", {"reason": "请补充说明"}, "revision", {"cdo": 303}),
    ("POST", "/queue/entries/wj.deaths/retire", {"reason": "停止共享"}, "published",
     {"cdo": 303}),
    ("POST", "/queue/entries/wj.deaths/republish", {"reason": "恢复共享"}, "retired",
     {"cdo": 303}),
    ("POST", "/queue/findings/{finding}/acknowledge", {"note": "已知悉，限期整改"}, "finding",
     {"cdo": 303}),
    # Registration by upload: a provider's data officer (the reviewer here); the form sent
    # without a file is refused once allowed (422), the upload itself is in test_register.py.
    ("GET", "/register", None, None, {"reviewer": 200}),
    ("POST", "/register", {}, None, {"reviewer": 422}),
    ("GET", "/stats", None, None, HUB_READERS),
    ("GET", "/stats/charts/{chart}.svg", None, None, HUB_READERS),
    ("POST", "/logout", {}, None, {r: 303 for r in PEOPLE}),
    # Open data is public; sj.enterprises is open (有条件开放, its legal representative withheld).
    ("GET", "/open", None, None, {**SIGNED_IN, "anon": 200}),
    ("GET", "/open/{open}", None, None, {**SIGNED_IN, "anon": 200}),
    ("GET", "/static/hub.css", None, None, {**SIGNED_IN, "anon": 200}),
]
# Sign-in itself is public (its own tests are in test_pages.py), and so is the language switch
# (test_language.py).
PUBLIC = {("GET", "/login"), ("POST", "/login"), ("GET", "/language")}

CASES = [(m, p, form, fresh, role, expected.get(role, 401 if role == "anon" else 403))
         for m, p, form, fresh, expected in ROUTES for role in ROLES]


@pytest.mark.parametrize(("method", "path", "form", "fresh", "role", "status"), CASES,
                         ids=[f"{c[4]}-{c[0]}-{c[1]}" for c in CASES])
def test_web_permission_matrix(shared_web, objects, method, path, form, fresh, role, status):
    values = {**objects, "chart": "orders", **_fresh(shared_web, fresh)}
    url = path.format(**values)
    if role == "anon":
        client, data = shared_web.anonymous(), form
    elif path == "/logout":  # a session of its own, so the shared one stays signed in
        client, _ = shared_web.sign_in(PEOPLE[role][0])
        data = {**form, "csrf": parse(client.get("/resources").text).values["csrf"]}
    else:
        client = shared_web.client(role)
        data = None if form is None else {**form, "csrf": shared_web.csrf(role)}
    response = client.request(method, url, data=data)
    assert response.status_code == status, response.text[-500:]
    if status == 401:  # the sign-in form stands in for the page
        assert 'action="/login"' in response.text
    if status in (403, 404):
        assert "error-message" in response.text and "Traceback" not in response.text
    if status < 400 and not url.startswith("/static"):
        assert response.headers["content-security-policy"].startswith(
            "default-src 'self'" if not url.endswith(".svg") else "default-src 'none'")


def _shape(path: str) -> str:
    """Parameters by position, and the named charts and entry actions as the one route each."""
    path = re.sub(r"\{[^}]+\}", "{}", path)
    path = re.sub(r"/charts/[a-z-]+\.svg$", "/charts/{}.svg", path)
    path = re.sub(r"/queue/entries/[^/]+/[a-z]+$", "/queue/entries/{}/{}", path)
    return re.sub(r"^/static/.*", "/static/{}", path)


def test_every_web_route_is_in_the_matrix(shared_web):
    """Every route outside the OpenAPI schema (which the API's matrix guards) is listed here,
    and so is every action on a catalog entry."""
    app = shared_web.app
    from exchange.apidocs import ASSETS, DOCS

    framework = {app.openapi_url, DOCS, f"{DOCS}/oauth2-redirect"}  # the API's own docs
    served = set()
    for route in iter_route_contexts(app.routes):
        if isinstance(route.route, Mount) and route.path == ASSETS:
            continue
        if isinstance(route.route, Mount):
            served.add(("GET", _shape(route.path + "/{path}")))
        elif not route.include_in_schema and route.path not in framework:
            served |= {(m, _shape(route.path)) for m in route.methods - {"HEAD"}}
    listed = {(m, _shape(p)) for m, p, *_ in ROUTES} | PUBLIC
    assert served == listed
    actions = {p.rsplit("/", 1)[1] for _, p, *_ in ROUTES if p.startswith("/queue/entries/")}
    assert actions == set(ENTRY_ACTIONS)
