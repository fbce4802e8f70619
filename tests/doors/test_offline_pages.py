"""Every page the hub serves renders complete with the network cut, from assets it ships: the
API's Swagger UI (/docs), the catalog web app, and the GX Data Docs pages (opened as files).
Headless Chromium (Debian's) with every request that is not to the test server or a local
file aborted and recorded: none may be made, and each page must show its content styled."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect, sync_playwright

from tests.live import serving
from tests.web.conftest import make_web
from tests.web.test_browser import ARGS, CHROMIUM

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def base_url(ingested, tmp_path_factory) -> Iterator[str]:
    web = make_web(ingested, tmp_path_factory.mktemp("offline"))
    with serving(web.app) as url:
        yield url


@pytest.fixture(scope="module")
def offline(base_url, tmp_path_factory) -> Iterator[tuple[BrowserContext, list[str]]]:
    """A browser that reaches the test server and local files only; what else it asked for."""
    assert CHROMIUM.exists(), "Debian's chromium is missing: run `make chromium`"
    left: list[str] = []

    def only_local(route: Route) -> None:
        url = route.request.url
        if url.startswith((base_url + "/", "file://", "data:", "blob:")):
            route.continue_()
        else:
            left.append(url)
            route.abort("internetdisconnected")

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tmp_path_factory.mktemp("offline-profile"), executable_path=str(CHROMIUM),
            headless=True, args=ARGS, locale="en-US")
        context.route("**/*", only_local)
        yield context, left
        context.close()


@pytest.fixture
def page(offline) -> Iterator[Page]:
    context, left = offline
    left.clear()
    tab = context.new_page()
    failed: list[str] = []
    tab.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})"))
    tab.on("pageerror", lambda e: failed.append(f"script error: {e}"))
    yield tab
    tab.close()
    assert left == [], "requests left the machine"
    assert failed == []


def test_swagger_ui_renders_every_operation_offline(base_url, page):
    page.goto(base_url + "/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("惠州 Data-Sharing Hub API")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    expect(page.locator(".opblock-summary-path[data-path='/v1/orders']").first).to_be_visible()
    assert operations.count() >= 30
    # styled by the shipped swagger-ui.css: a GET operation's block is blue-tinted
    colour = page.locator(".opblock-get").first.evaluate(
        "e => getComputedStyle(e).backgroundColor")
    assert colour != "rgba(0, 0, 0, 0)"


def test_the_web_apps_pages_render_offline(base_url, page):
    page.goto(base_url + "/login")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def _docs(ingested) -> Path:
    return ingested.home / "quality" / "docs"


def test_data_docs_render_styled_offline(ingested, page):
    index = _docs(ingested) / "index.html"
    page.goto(index.as_uri())
    expect(page.locator("nav.navbar.sticky-top")).to_be_visible()
    rows = page.locator("table tbody tr")
    expect(rows.first).to_be_visible()  # bootstrap-table drew the list of runs
    assert rows.count() > 0
    # Bootstrap's stylesheet is applied: its navbar is a flex box, its body font its stack
    assert page.locator("nav.navbar.sticky-top").evaluate("e => getComputedStyle(e).display") == "flex"
    assert "apple-system" in page.evaluate("getComputedStyle(document.body).fontFamily") or \
        "Roboto" in page.evaluate("getComputedStyle(document.body).fontFamily")
    logo = page.locator("nav.navbar img").first
    assert logo.evaluate("i => i.complete && i.naturalWidth > 0")

    link = page.locator("table tbody tr a").first.get_attribute("href")
    page.goto((index.parent / link).resolve().as_uri() if link and "://" not in link else link)
    expect(page.locator("nav.navbar.sticky-top")).to_be_visible()
    expect(page.locator(".card").first).to_be_visible()


def test_no_data_docs_page_names_an_outside_address_it_would_load(ingested):
    pages = list(_docs(ingested).rglob("*.html"))
    assert pages
    loaded = ('src="http', "href=\"https://cdn", "href=\"https://unpkg", "href=\"https://max",
              "href=\"https://stackpath", "href=\"https://cdnjs")
    assert [str(p) for p in pages if any(s in p.read_text() for s in loaded)] == []


def test_the_check_sees_a_page_that_would_reach_outside(offline, tmp_path):
    """The guard itself: a page naming a CDN, as GX writes them, is caught."""
    context, left = offline
    left.clear()
    page = tmp_path / "cdn.html"
    page.write_text('<link rel="stylesheet" '
                    'href="https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css">'
                    "<p>x</p>")
    tab = context.new_page()
    tab.goto(page.as_uri())
    tab.close()
    assert left == ["https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css"]
    left.clear()
