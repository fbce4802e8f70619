"""Which language the hub speaks (catalog.i18n): Simplified Chinese unless told otherwise."""

from __future__ import annotations

import pytest

from catalog.i18n import _, language, lazy, negotiate, normalise, use


def test_chinese_is_the_default(monkeypatch):
    monkeypatch.delenv("HUB_LANGUAGE")
    assert language() == "zh_Hans"
    monkeypatch.setenv("HUB_LANGUAGE", "en-GB")
    assert language() == "en"


@pytest.mark.parametrize(("header", "expected"), [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh_Hans"),
    ("en-US,en;q=0.9", "en"),
    ("fr-FR, en;q=0.5, zh;q=0.7", "zh_Hans"),  # weights, not order
    ("zh-TW", "zh_Hans"),  # Traditional is not shipped; Simplified is nearer than English
    ("fr, de", "en"),  # nothing shipped: the configured language (the suite's: English)
    ("en;q=0, zh;q=0.1", "zh_Hans"),  # q=0 means "not this"
    ("", "en"), (None, "en"), ("*", "en"), (";;,q=x", "en"),
])
def test_the_browser_language_is_negotiated(header, expected):
    assert negotiate(header) == expected


def test_a_users_own_choice_wins_over_the_browser():
    assert negotiate("en-US", preference="zh") == "zh_Hans"
    assert negotiate("zh-CN", preference="en") == "en"
    assert negotiate("zh-CN", preference="klingon") == "zh_Hans"


def test_unknown_tags_are_not_languages():
    assert normalise("x-pirate") is None and normalise("") is None and normalise(None) is None


def test_the_context_language_is_the_one_used_and_placeholders_are_filled():
    with use("zh-CN"):
        assert language() == "zh_Hans"
        with use("en"):
            assert _("no resource {code}", code="mz.members") == "no resource mz.members"
        assert language() == "zh_Hans"
    text = lazy("no resource {code}", code="x")
    assert str(text) == "no resource x"
