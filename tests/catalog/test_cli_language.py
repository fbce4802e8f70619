"""The `hub` command speaks Chinese unless told otherwise (HUB_LANGUAGE, `--language`): its
help (click's own words too), its tables, its errors and the audit findings it writes — run as
a user runs it, the installed script in a subprocess."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from tests.cli import clean_env, hub


def _default(**values) -> dict[str, str]:
    """A clean environment without HUB_LANGUAGE: the hub's own default."""
    env = clean_env(**values)
    env.pop("HUB_LANGUAGE", None)
    return env


def _cells(text: str) -> int:
    """Terminal cells `text` takes: Chinese characters are two wide."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _at(line: str, text: str) -> int:
    """The terminal column where `text` starts in `line`."""
    assert text in line, (text, line)
    return _cells(line[:line.index(text)])


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("language") / "home"
    made = hub("--home", path, "init", env=clean_env())
    assert made.returncode == 0, made.stderr
    return path


def test_help_is_chinese_by_default_click_words_too():
    shown = hub("--help", env=_default())
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("用法: hub [OPTIONS] COMMAND [ARGS]...")
    for words in ("城市数据共享平台（一网共享）", "选项:", "命令:", "平台目录（HUB_HOME）",
                  "显示此帮助信息并退出。", "资源目录"):
        assert words in shown.stdout, words
    assert "Show this message" not in shown.stdout and "Options:" not in shown.stdout
    for line in shown.stdout.splitlines():  # laid out by terminal cells, not characters
        assert _cells(line) <= 80, line


@pytest.mark.parametrize("how", ["environment", "option"])
def test_english_on_request(how):
    env = clean_env(language="en") if how == "environment" else _default()
    args = ("--help",) if how == "environment" else ("--language", "en", "--help")
    shown = hub(*args, env=env)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("Usage: hub [OPTIONS] COMMAND [ARGS]...")
    for words in ("The city's data-sharing hub", "Options:", "Commands:",
                  "The hub's home (HUB_HOME).", "Show this message and exit."):
        assert words in shown.stdout, words
    sub = " ".join(hub(*args[:-1], "catalog", "list", "--help", env=env).stdout.split())
    assert "Which page of the directory. [default: 1;" in sub


def test_catalog_list_is_chinese_with_its_columns_aligned(home):
    listed = hub("catalog", "list", env=_default(home=home))
    assert listed.returncode == 0, listed.stderr
    header, _rule, *rows = listed.stdout.splitlines()
    assert header.split() == ["代码", "名称", "提供部门", "共享属性", "版本", "行数", "更新情况"]
    entries = json.loads(hub("catalog", "list", "--json", env=_default(home=home)).stdout)
    assert len(rows) == len(entries) > 1
    n = len(entries)
    assert listed.stderr == f"数据资源第 1–{n} 个，共 {n} 个（第 1 页，共 1 页）\n"
    for line, entry in zip(rows, entries, strict=True):
        assert line.startswith(entry["code"] + " ")
        assert _at(line, " " + entry["name"] + " ") + 1 == _at(header, "名称")
        provider = entry["provider"]["short_name"]
        assert _at(line, f" {provider} ") + 1 == _at(header, "提供部门")
        assert _at(line, f" {entry['sharing']} ") + 1 == _at(header, "共享属性")
        assert line.endswith("从未报送")


@pytest.mark.parametrize("how", ["environment", "option"])
def test_catalog_list_in_english_on_request(home, how):
    env = clean_env(home=home, language="en") if how == "environment" else _default(home=home)
    args = ("catalog", "list") if how == "environment" else ("--language", "en", "catalog", "list")
    listed = hub(*args, env=env)
    assert listed.returncode == 0, listed.stderr
    assert listed.stderr.startswith("resources 1–") and "(page 1 of 1)" in listed.stderr
    assert listed.stdout.splitlines()[0].split() == [
        "code", "name", "provider", "sharing", "version", "rows", "freshness"]
    assert "never delivered" in listed.stdout


def test_errors_are_one_chinese_line_by_default(tmp_path):
    missing = hub("--home", tmp_path / "nowhere", "catalog", "list", env=_default())
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    (line,) = missing.stderr.splitlines()
    assert line.startswith("错误：") and "处没有平台" in line and "hub init" in line
    unknown = hub("catalog", "list", "--bogus", env=_default(home=tmp_path))
    assert unknown.returncode == 2 and "错误：没有选项 '--bogus'。" in unknown.stderr


def test_a_language_the_hub_does_not_speak_is_one_line_error(home):
    result = hub("catalog", "list", env=clean_env(home=home, language="fr"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert "HUB_LANGUAGE=fr" in line and "zh" in line and "en" in line
    option = hub("--language", "fr", "catalog", "list", env=clean_env(home=home))
    assert option.returncode == 2 and "'fr' is not one of 'zh', 'en'" in option.stderr


def test_an_audit_writes_its_findings_in_the_hubs_default_language(home):
    ran = hub("audits", "run", "freshness", "--fail-on", "never", env=_default(home=home))
    assert ran.returncode == 0, ran.stderr
    (report,) = sorted((home / "audits" / "freshness").glob("*.json"))
    written = json.loads(report.read_text(encoding="utf-8"))
    assert written["summary"].endswith("个未按更新周期更新")
    assert written["findings"] and all("自发布" in f["message"] and "以来没有接收过数据" in
                                       f["message"] for f in written["findings"])


def test_a_refusal_is_one_chinese_sentence_by_default(home):
    refused = hub("notify", "add-webhook", "ftp://127.0.0.1/x", "--department", "mz", "--event",
                  "order.placed", env=_default(home=home))
    assert refused.returncode == 1, refused.stdout
    assert refused.stderr.splitlines() == [
        "错误：Webhook 须为包含主机名、不含凭据的 http:// 或 https:// 地址。"]
    english = hub("--language", "en", "notify", "add-webhook", "ftp://127.0.0.1/x", "--department",
                  "mz", "--event", "order.placed", env=_default(home=home))
    assert english.stderr.splitlines() == [
        "Error: A webhook needs an http:// or https:// URL with a host and no credentials."]
