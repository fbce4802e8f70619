"""The catalog web app end to end in headless Chromium (Debian's `chromium`, driven by
Playwright; nothing is downloaded): the real app served by uvicorn on a free localhost port,
over the session's ingested city.

`make test` installs Chromium first (`make chromium`); without it this test fails, it does not
skip, so CI cannot pass without having run it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect, sync_playwright

from catalog import entries
from tests.live import serving
from tests.web.conftest import PASSWORD, PEOPLE, Web, make_web

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
# No network, no updates, no first-run work: the browser talks to the test server only.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def site(ingested, tmp_path_factory) -> Iterator[tuple[Web, str]]:
    """The hub's app served by uvicorn in a thread; (the Web helper, its base URL)."""
    web = make_web(ingested, tmp_path_factory.mktemp("browser"))
    with serving(web.app) as url:
        yield web, url


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator[BrowserContext]:
    assert CHROMIUM.exists(), "Debian's chromium is missing: run `make chromium`"
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tmp_path_factory.mktemp("chromium-profile"), executable_path=str(CHROMIUM),
            headless=True, args=ARGS, locale="en-US")  # these tests read the English pages;
        yield context                                    # test_browser_languages.py both
        context.close()


@pytest.fixture
def page(browser: BrowserContext, tmp_path: Path) -> Iterator[Page]:
    """A fresh tab with no cookies; fails the test on any CSP violation or failed request."""
    browser.clear_cookies()
    tab = browser.new_page()
    problems: list[str] = []
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    # A request the next navigation cancels (net::ERR_ABORTED, e.g. the stylesheet of a page
    # left at once on a loaded machine) is not a failure of the hub.
    tab.on("requestfailed", lambda r: None if "ERR_ABORTED" in (r.failure or "")
           else problems.append(f"failed: {r.url} ({r.failure})"))
    yield tab
    tab.screenshot(path=str(tmp_path / "last.png"), full_page=True)
    tab.close()
    # A refused sign-in answers 401/403 and Chromium logs those statuses; nothing else may err.
    assert [p for p in problems if "status of 40" not in p] == []


def _sign_in(page: Page, base: str, role: str, password: str = PASSWORD,
             path: str = "/resources") -> None:
    page.goto(base + path)
    page.get_by_label("User name").fill(PEOPLE[role][0])
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def _charts_loaded(page: Page) -> list[int]:
    """The natural width of every chart image, once all have loaded or failed: 0 if one did
    not load as an image."""
    page.wait_for_function("() => [...document.querySelectorAll('figure.chart img')]"
                           ".every(i => i.complete)")
    return page.eval_on_selector_all("figure.chart img",
                                     "imgs => imgs.map(i => i.naturalWidth)")


def test_a_wrong_password_is_refused(site, page):
    _, base = site
    _sign_in(page, base, "cdo", password="not the password")
    expect(page.locator("#login-message")).to_have_text("Wrong user name or password.")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert not [c for c in page.context.cookies() if c["name"] == "hub_session"]


def test_the_chief_data_officer_reviews_the_catalog(site, page, tmp_path):
    web, base = site
    proposed = web.submitted_revision("ga.vehicles")
    finding = web.finding("resource:wj.deaths")

    # Sign in: the page asked for comes up after the form.
    _sign_in(page, base, "cdo")
    expect(page).to_have_url(base + "/resources")
    expect(page.locator("#who")).to_contain_text("cdo-wang")
    cookie = next(c for c in page.context.cookies() if c["name"] == "hub_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"

    # Search the directory.
    page.get_by_label("Text").fill("户籍")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#result-count")).to_have_text(re.compile(r"^1 of \d+ resources$"))
    page.get_by_role("link", name="ga.population").click()

    # The resource: items with sensitivity and grade, quality with its chart, lineage.
    expect(page.locator("#resource-code")).to_have_text("ga.population")
    expect(page.locator("#item-id_number")).to_contain_text("公民身份号码")
    expect(page.locator("#item-id_number .personal")).to_have_text("id_number")
    expect(page.locator("#item-id_number")).to_contain_text("核心")
    expect(page.locator("#quality-scores tbody tr").first).to_be_visible()
    assert all(width > 0 for width in _charts_loaded(page))
    page.screenshot(path=str(tmp_path / "resource.png"), full_page=True)
    page.locator("#lineage").get_by_role("link", name="mz.crosscheck_flags").click()
    expect(page.locator("#resource-code")).to_have_text("mz.crosscheck_flags")

    # The review queue: publish the submitted revision with a reason.
    page.get_by_role("link", name="Review queue").click()
    card = page.locator("#revision-ga\\.vehicles")
    expect(card).to_contain_text(proposed)
    publish = card.locator("form[action$='/publish']")
    publish.get_by_label("Reason").fill("文本已核对，同意发布")
    publish.get_by_role("button", name="Publish").click()
    expect(page.locator("#done")).to_contain_text("The revision is published")
    expect(page.locator("#revision-ga\\.vehicles")).to_have_count(0)
    page.goto(base + "/resources?status=submitted")
    expect(page.locator("#result-count")).to_have_text(re.compile(r"^0 of "))
    page.goto(base + "/resources/ga.vehicles")
    expect(page.locator("#abstract")).to_have_text(proposed)
    expect(page.locator("#history")).to_contain_text("文本已核对，同意发布")

    # Retire an entry with a reason: its status changes in the directory.
    page.get_by_role("link", name="Review queue").click()
    row = page.locator("#entry-wj\\.deaths")
    row.get_by_role("textbox").fill("医疗机构改由省平台报送")
    row.get_by_role("button", name="Retire").click()
    expect(page.locator("#done")).to_contain_text("retired")
    page.goto(base + "/resources?status=retired")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page.locator("#results")).to_contain_text("wj.deaths")
    assert entries.entry_status(web.hub.store.registry, "wj.deaths").value == "retired"

    # Acknowledge an audit finding with a note.
    page.get_by_role("link", name="Review queue").click()
    article = page.locator(f"#finding-{finding}")
    article.get_by_label("Note").fill("已通知卫健局补报")
    article.get_by_role("button", name="Acknowledge").click()
    expect(page.locator("#done")).to_contain_text("acknowledged")
    expect(page.locator(f"#finding-{finding}")).to_have_count(0)

    # The statistics, every chart drawn and its numbers in a table.
    page.get_by_role("link", name="Statistics").click()
    expect(page.locator("figure.chart")).to_have_count(11)
    widths = _charts_loaded(page)
    assert len(widths) == 11 and all(w > 0 for w in widths)
    expect(page.locator("#figure-records table")).to_contain_text("ga.population")
    records = page.locator("#headline div", has_text="Records held").locator("dd")
    assert int(records.inner_text()) > 0
    page.screenshot(path=str(tmp_path / "stats.png"), full_page=True)

    # Sign out: the session is gone.
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.goto(base + "/queue")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_others_cannot_see_the_review_actions(site, page):
    web, base = site
    web.submitted_revision("ga.population")
    _sign_in(page, base, "requester")
    expect(page.locator("#who")).to_contain_text("mz-zhang")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Review queue")).to_have_count(0)
    expect(nav.get_by_role("link", name="Statistics")).to_have_count(0)
    page.goto(base + "/queue")
    expect(page.locator("h1")).to_have_text("Not allowed")
    expect(page.get_by_role("button", name="Publish")).to_have_count(0)
    page.goto(base + "/stats")
    expect(page.locator("h1")).to_have_text("Not allowed")
    # An auditor sees the queue, but no form to act with.
    page.get_by_role("button", name="Sign out").click()
    _sign_in(page, base, "auditor", path="/queue")
    expect(page.locator("#revision-ga\\.population")).to_be_visible()
    expect(page.locator("main form")).to_have_count(0)
