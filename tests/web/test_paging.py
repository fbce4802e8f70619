"""Every list is paged (issue 17): the web directory a page at a time, with the search and
filters kept across pages."""

from __future__ import annotations

import html
import re

import pytest

from catalog import RESOURCES
from exchange.web import pages
from tests.web.test_pages import _codes


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(pages, "PAGE_SIZE", 5)  # twelve resources: three pages


def _next(text: str) -> str | None:
    if 'rel="next"' not in text:
        return None
    return html.unescape(text.split('rel="next" href="', 1)[1].split('"', 1)[0])


def test_the_directory_is_shown_a_page_at_a_time(shared_web, small_pages):
    client = shared_web.client("requester")
    first = client.get("/resources")
    assert first.status_code == 200
    assert _codes(first.text) == sorted(RESOURCES)[:5]
    assert f"{len(RESOURCES)} of {len(RESOURCES)} resources" in first.text
    assert "1–5 of 12 (page 1 of 3)" in first.text and 'rel="prev"' not in first.text
    seen, url = [], "/resources"
    while url:
        response = client.get(url)
        seen += _codes(response.text)
        url = _next(response.text)
    assert seen == sorted(RESOURCES)
    last = client.get("/resources?page=3")
    assert "11–12 of 12 (page 3 of 3)" in last.text and 'rel="prev"' in last.text


def test_filters_are_kept_from_page_to_page(shared_web, small_pages):
    client = shared_web.client("requester")
    expected = sorted(c for c, r in RESOURCES.items() if r.sharing.value == "有条件共享")
    assert len(expected) > 5
    first = client.get("/resources?sharing=有条件共享")
    assert f"{len(expected)} of {len(RESOURCES)} resources" in first.text
    following = _next(first.text)
    assert "sharing=" in following and "page=2" in following
    assert _codes(first.text) + _codes(client.get(following).text) == expected[:10]


@pytest.mark.parametrize("page", ["0", "x", "-1", "1.5", "99999999"])
def test_a_bad_page_number_is_refused(shared_web, page):
    response = shared_web.client("requester").get(f"/resources?page={page}")
    assert response.status_code == 400
    assert "Page: a whole number from 1." in response.text and "Traceback" not in response.text


def test_a_page_past_the_end_is_empty_not_an_error(shared_web):
    response = shared_web.client("requester").get("/resources?page=9")
    assert response.status_code == 200 and _codes(response.text) == []
    assert "No resource matches." in response.text


def test_statistics_show_the_largest_resources_and_the_rest_as_one_bar(shared_web, monkeypatch):
    from exchange.web import figures

    monkeypatch.setattr(figures, "TOP", 3)
    registry = shared_web.hub.store.registry
    rows = {c: p.rows if (p := registry.current_publication(c)) else 0 for c in RESOURCES}
    largest = sorted(rows, key=lambda c: (-rows[c], c))[:3]
    html_text = shared_web.client("auditor").get("/stats").text
    records = html_text[html_text.index('id="figure-records"'):]
    records = records[:records.index("</table>")]
    for code in largest:
        assert re.search(rf'{re.escape(code)}</a></th>\s*<td>{rows[code]}</td>', records), code
    rest = sum(n for c, n in rows.items() if c not in largest)
    assert re.search(rf'other {len(RESOURCES) - 3} resources</th>\s*<td>{rest}</td>', records)
    assert f"<dt>Records held</dt><dd>{sum(rows.values())}</dd>" in html_text
