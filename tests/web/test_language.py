"""The web app and the API speak the request's language (exchange.language), over real HTTP:
the person's own choice (the switch's `hub_lang` cookie) beats the browser's Accept-Language,
which beats HUB_LANGUAGE (the suite's: English); with neither header nor HUB_LANGUAGE, Chinese.
Error codes and the JSON shape are the same in every language."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.live import serving
from tests.web.conftest import PASSWORD, PEOPLE, Web, make_web, parse

ZH = {"accept-language": "zh-CN,zh;q=0.9,en;q=0.8"}
EN = {"accept-language": "en-US,en;q=0.9"}


@pytest.fixture(scope="module")
def site(ingested, tmp_path_factory) -> Iterator[tuple[Web, str]]:
    web = make_web(ingested, tmp_path_factory.mktemp("language"))
    with serving(web.app) as url:
        yield web, url


def _client(base: str, headers: dict[str, str] | None = None) -> httpx.Client:
    return httpx.Client(base_url=base, headers=headers or {}, follow_redirects=False)


def _lang(html: str) -> str:
    return re.search(r'<html lang="([^"]+)">', html).group(1)


def _h1(html: str) -> str:
    inner = re.search(r"<h1>(.*?)</h1>", html, re.DOTALL).group(1)
    return re.sub(r"<[^>]+>", "", inner).strip()


def _sign_in(client: httpx.Client, role: str = "cdo") -> None:
    token = parse(client.get("/login").text).values["csrf"]
    done = client.post("/login", data={"username": PEOPLE[role][0], "password": PASSWORD,
                                       "csrf": token, "next": "/resources"})
    assert done.status_code == 303, done.text


def test_a_chinese_browser_gets_chinese_pages(site):
    _, base = site
    with _client(base, ZH) as client:
        login = client.get("/login")
        assert login.headers["content-language"] == "zh-Hans"
        assert "Accept-Language" in login.headers["vary"]
        assert _lang(login.text) == "zh-Hans" and _h1(login.text) == "登录"
        assert "用户名" in login.text and "User name" not in login.text
        _sign_in(client)
        page = client.get("/resources")
        assert _lang(page.text) == "zh-Hans" and _h1(page.text) == "资源目录"
        assert "<title>资源目录 · " in page.text
        assert re.search(r'<p id="result-count">\d+ 个资源中有 \d+ 个</p>', page.text)
        assert _h1(client.get("/queue").text) == "复核待办"
        assert _h1(client.get("/stats").text) == "平台统计"
        resource = client.get("/resources/ga.population").text
        assert "<h2>数据项</h2>" in resource and "<h2>血缘</h2>" in resource
        # A refusal of the web app is a page in Chinese, with its status.
        missing = client.get("/resources/no.such")
        assert missing.status_code == 404 and _h1(missing.text) == "未找到"
        assert "资源目录中没有此资源。" in missing.text


def test_an_english_browser_gets_english_pages(site):
    _, base = site
    with _client(base, EN) as client:
        login = client.get("/login")
        assert login.headers["content-language"] == "en"
        assert _lang(login.text) == "en" and _h1(login.text) == "Sign in"
        _sign_in(client)
        page = client.get("/resources")
        assert _h1(page.text) == "Resource directory"
        assert "资源登记" not in client.get("/register").text  # one language per page


def test_every_page_offers_both_languages_by_their_own_names(site):
    _, base = site
    with _client(base, ZH) as client:
        html = client.get("/open").text
    switch = html[html.index('id="languages"'):html.index("</nav>", html.index('id="languages"'))]
    assert '<strong lang="zh-Hans">中文</strong>' in switch
    assert re.search(r'<a href="/language\?to=en&amp;next=%2Fopen"[^>]*>English</a>', switch)


def test_api_errors_speak_the_request_language_with_the_same_codes(site):
    _, base = site
    asks = [("GET", "/v1/orders"),  # no token: 401 from the API's access check
            ("GET", "/v1/no-such-route"),  # Starlette's own 404
            ("DELETE", "/v1/resources")]  # and its 405
    for method, path in asks:
        with _client(base, ZH) as zh, _client(base, EN) as en:
            chinese, english = zh.request(method, path), en.request(method, path)
        assert chinese.status_code == english.status_code, path
        assert chinese.headers["content-language"] == "zh-Hans", path
        zh_error, en_error = chinese.json()["error"], english.json()["error"]
        assert set(zh_error) == set(en_error) and zh_error["code"] == en_error["code"], path
        assert re.search(r"[\u4e00-\u9fff]", zh_error["message"]), zh_error
        assert not re.search(r"[\u4e00-\u9fff]", en_error["message"]), en_error
    with _client(base, ZH) as client:
        refused = client.get("/v1/orders")
    assert refused.json() == {"error": {"code": "unauthorized",
                                        "message": "需要 Bearer 访问令牌。"}}


def test_an_api_caller_gets_a_chinese_refusal_from_its_own_token(site):
    web, base = site
    from exchange.clients import create_client

    issued = create_client(web.hub.store, "lang-probe", "语言测试系统", "mz", ["requester"])
    token = httpx.post(f"{base}/oauth/token", data={"grant_type": "client_credentials"},
                       auth=(issued.client_id, issued.secret)).json()["access_token"]
    auth = {"authorization": f"Bearer {token}"}
    with _client(base, {**ZH, **auth}) as zh, _client(base, {**EN, **auth}) as en:
        chinese, english = zh.get("/v1/orders/nope"), en.get("/v1/orders/nope")
    assert chinese.status_code == english.status_code == 404
    assert chinese.json() == {"error": {"code": "not_found", "message": "没有此数据申请。"}}
    assert english.json() == {"error": {"code": "not_found", "message": "No such order."}}
    # The schema's refusal keeps its fields (pydantic's own words stay as they are).
    with _client(base, {**ZH, **auth}) as zh, _client(base, {**EN, **auth}) as en:
        chinese, english = zh.post("/v1/orders", json={}), en.post("/v1/orders", json={})
    assert chinese.status_code == english.status_code == 422
    assert chinese.json()["error"]["code"] == english.json()["error"]["code"] == "invalid_request"
    assert chinese.json()["error"]["message"] == "请求不符合接口规范。"
    assert chinese.json()["error"]["fields"] == english.json()["error"]["fields"] != []


def test_the_switch_sets_a_preference_that_beats_the_browser(site):
    _, base = site
    with _client(base, ZH) as client:
        switched = client.get("/language", params={"to": "en", "next": "/open?x=1"})
        assert switched.status_code == 303 and switched.headers["location"] == "/open?x=1"
        cookie = switched.headers["set-cookie"]
        assert cookie.startswith("hub_lang=en;") and "SameSite=lax" in cookie
        assert "Path=/" in cookie
        page = client.get("/login")  # the cookie now rides along with zh-CN
        assert page.headers["content-language"] == "en" and _h1(page.text) == "Sign in"
        # And back: Chinese although the browser says English.
        client.headers.update(EN)
        client.get("/language", params={"to": "zh-Hans", "next": "/login"})
        assert _h1(client.get("/login").text) == "登录"
        # An unknown language forgets the choice: the browser decides again.
        forgot = client.get("/language", params={"to": "tlh", "next": "/login"})
        assert 'hub_lang=""' in forgot.headers["set-cookie"] or "Max-Age=0" in \
            forgot.headers["set-cookie"]
        assert _h1(client.get("/login").text) == "Sign in"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil",
                                    "javascript:alert(1)"])
def test_the_switch_never_leaves_the_site(site, target):
    _, base = site
    with _client(base) as client:
        switched = client.get("/language", params={"to": "en", "next": target})
    assert switched.status_code == 303 and switched.headers["location"] == "/"


def test_the_cookie_preference_also_holds_for_the_api(site):
    _, base = site
    with _client(base, EN) as client:
        client.cookies.set("hub_lang", "zh-Hans")
        refused = client.get("/v1/orders")
    assert refused.headers["content-language"] == "zh-Hans"
    assert refused.json()["error"]["message"] == "需要 Bearer 访问令牌。"


def test_no_header_and_no_hub_language_is_chinese(site, monkeypatch):
    _, base = site
    monkeypatch.delenv("HUB_LANGUAGE", raising=False)
    with _client(base) as client:
        page = client.get("/login")
        refused = client.get("/v1/orders")
    assert page.headers["content-language"] == "zh-Hans" and _lang(page.text) == "zh-Hans"
    assert refused.json()["error"]["message"] == "需要 Bearer 访问令牌。"
    monkeypatch.setenv("HUB_LANGUAGE", "en")
    with _client(base) as client:
        assert _h1(client.get("/login").text) == "Sign in"


def test_unknown_languages_fall_back_to_the_configured_one(site):
    _, base = site
    with _client(base, {"accept-language": "fr-FR, de;q=0.5"}) as client:
        client.cookies.set("hub_lang", "klingon")
        page = client.get("/login")
    assert page.headers["content-language"] == "en"  # the suite's HUB_LANGUAGE


def test_a_form_refusal_keeps_its_csrf_rule_in_chinese(site):
    _, base = site
    with _client(base, ZH) as client:
        _sign_in(client)
        refused = client.post("/queue/findings/1/acknowledge", data={"note": "x", "csrf": "no"})
    assert refused.status_code == 403
    assert "表单已过期或并非由本站提交：请刷新页面后重试。" in refused.text
