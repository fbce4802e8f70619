"""The main pages in headless Chromium in both languages: a browser set to Chinese (zh-CN, no
cookie) gets Chinese pages, one set to English (en-US) English ones, each with its `lang` and
headings; every page is saved as a full-page screenshot in the test's temporary directory
(`<tmp>/screenshots/<lang>-<page>.png`, named in the test's output). docs/screenshots/ holds one
pair of them (the resource directory) as examples.

A CJK font must be installed (`make chromium` installs Debian's fonts-noto-cjk), or Chromium
draws every Chinese character as a box.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.live import serving
from tests.web.conftest import PASSWORD, PEOPLE, Web, make_web
from tests.web.test_browser import ARGS, CHROMIUM

pytestmark = pytest.mark.slow

# (page, path, what identifies it in Chinese, in English): a heading the page must show.
PAGES = [
    ("open-data", "/open", ("h1", "开放数据"), ("h1", "Open data")),
    ("resources", "/resources", ("h1", "资源目录"), ("h1", "Resource directory")),
    ("resource", "/resources/ga.population", ("#items h2", "数据项"), ("#items h2", "Data items")),
    ("queue", "/queue", ("h1", "复核待办"), ("h1", "Review queue")),
    ("stats", "/stats", ("h1", "平台统计"), ("h1", "Platform statistics")),
]
LANGUAGES = {"zh-CN": ("zh-Hans", "登录", "用户名", "密码"),
             "en-US": ("en", "Sign in", "User name", "Password")}


def test_a_cjk_font_is_installed():
    """Chromium finds its fonts through fontconfig: without a Chinese one, boxes."""
    families = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True,
                              check=True).stdout
    assert "Noto Sans CJK SC" in families, "no CJK font: run `make chromium`"


@pytest.fixture(scope="module")
def site(ingested, tmp_path_factory) -> Iterator[tuple[Web, str]]:
    web = make_web(ingested, tmp_path_factory.mktemp("browser-languages"))
    web.submitted_revision("ga.vehicles")  # the queue shows a revision to review
    web.finding("resource:wj.deaths")  # and a finding to acknowledge
    with serving(web.app) as url:
        yield web, url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), "Debian's chromium is missing: run `make chromium`"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


def _signed_in(browser: Browser, base: str, locale: str) -> Page:
    """A new browser set to `locale`, no cookie, signed in as the chief data officer through
    the sign-in form in that language."""
    lang, sign_in, user_name, password = LANGUAGES[locale]
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(base + "/login")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("h1")).to_have_text(sign_in)
    page.get_by_label(user_name).fill(PEOPLE["cdo"][0])
    page.get_by_label(password).fill(PASSWORD)
    page.get_by_role("button", name=sign_in).click()
    expect(page).to_have_url(base + "/resources")
    return page


@pytest.mark.parametrize("locale", list(LANGUAGES))
def test_the_main_pages_in_each_language(site, browser, shots, locale):
    _, base = site
    lang = LANGUAGES[locale][0]
    page = _signed_in(browser, base, locale)
    assert not [c for c in page.context.cookies() if c["name"] == "hub_lang"]
    for name, path, zh, en in PAGES:
        selector, heading = zh if lang == "zh-Hans" else en
        page.goto(base + path)
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(page.locator(selector).first).to_have_text(heading)
        page.wait_for_function("() => [...document.images].every(i => i.complete)")
        page.screenshot(path=str(shots / f"{lang}-{name}.png"), full_page=True)
    # The page's first font is the CJK one fontconfig has (see the font test).
    font = page.locator("body").evaluate("e => getComputedStyle(e).fontFamily")
    assert font.startswith('"Noto Sans CJK SC"')
    # Signed out, the sign-in page is in the same language too.
    page.get_by_role("button", name="退出登录" if lang == "zh-Hans" else "Sign out").click()
    expect(page.locator("h1")).to_have_text(LANGUAGES[locale][1])
    page.screenshot(path=str(shots / f"{lang}-sign-in.png"), full_page=True)
    print(f"screenshots: {shots}")
    page.context.close()
    assert sorted(p.name for p in shots.glob(f"{lang}-*.png")) == sorted(
        [f"{lang}-{n}.png" for n, *_ in PAGES] + [f"{lang}-sign-in.png"])


def test_the_switch_changes_the_language_and_stays_on_the_page(site, browser):
    _, base = site
    page = _signed_in(browser, base, "zh-CN")
    page.goto(base + "/resources/ga.population")
    page.get_by_role("navigation", name="语言").get_by_role("link", name="English").click()
    expect(page).to_have_url(base + "/resources/ga.population")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#items h2")).to_have_text("Data items")
    cookie = next(c for c in page.context.cookies() if c["name"] == "hub_lang")
    assert cookie["value"] == "en" and cookie["sameSite"] == "Lax"
    page.goto(base + "/queue")  # the choice holds on every page
    expect(page.locator("h1")).to_have_text("Review queue")
    page.get_by_role("navigation", name="Language").get_by_role("link", name="中文").click()
    expect(page.locator("h1")).to_have_text("复核待办")
    page.context.close()
