"""The pipelines' and the policies' `hub` commands speak Chinese unless told otherwise: run as
a user runs them (a subprocess, clean environment), with HUB_LANGUAGE unset they print Chinese,
with HUB_LANGUAGE=en English; the gateway's refusals keep their codes in both; Chinese tables
stay aligned."""

from __future__ import annotations

import json

import pytest
from rich.cells import cell_len

from tests.doors.cli import run_hub

REFUSED = "SELECT * FROM read_csv('/etc/passwd')"


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    path = tmp_path_factory.mktemp("language") / "home"
    path.mkdir()
    made = run_hub("grants", "provision", "--resource", "mz.members", "--department", "mz",
                   "--items", "case_no,member_name", "--purpose", "救助核查",
                   "--legal-basis", "社会救助暂行办法", home=path)
    assert made.returncode == 0, made.stderr
    return path


@pytest.fixture(params=["default", "en"])
def language(request, monkeypatch):
    """The language the `hub` subprocess is told (`run_hub` passes on HUB_LANGUAGE if set)."""
    if request.param == "default":
        monkeypatch.delenv("HUB_LANGUAGE", raising=False)
    else:
        monkeypatch.setenv("HUB_LANGUAGE", "en")
    return request.param


def _ends(line: str) -> list[int]:
    """The display column where each space-separated cell of a table line ends."""
    ends, at = [], 0
    for cell in line.split():
        at = line.index(cell, at) + len(cell)
        ends.append(cell_len(line[:at]))
    return ends


def test_a_gateway_refusal_is_worded_in_the_language_and_keeps_its_code(home, language):
    done = run_hub("sql", REFUSED, "--subject", "analyst-1", "--department", "mz", home=home)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    error = json.loads(done.stderr.strip().splitlines()[-1])["error"]
    assert error == {"code": "file_access", "message": {
        "default": "不允许使用表函数", "en": "table functions are not allowed"}[language]}


def test_a_refusal_for_want_of_a_grant_too(home, language):
    done = run_hub("sql", "SELECT 1", "--subject", "analyst-2", "--department", "ga", home=home)
    error = json.loads(done.stderr.strip().splitlines()[-1])["error"]
    assert error == {"code": "no_grant", "message": {
        "default": "调用者没有有效的授权", "en": "the caller holds no active grant"}[language]}


def test_the_summary_table_is_worded_in_the_language_and_aligned(home, language):
    done = run_hub("summary", home=home)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    header = {"default": "数据资源 批次 已驳回 接收行数 入库 隔离 平衡",
              "en": "resource batches rejected rows in accepted quarantined balanced"}[language]
    assert " ".join(lines[0].split()) == header
    total = {"default": "合计", "en": "total"}[language]
    assert any(line.split()[:1] == [total] for line in lines)
    rows = [line for line in lines[2:] if line.startswith("mz.")]
    assert rows and all(line.split()[-1] == {"default": "是", "en": "yes"}[language]
                        for line in rows)
    # The numbers end in one display column under their (right-aligned) headers, Chinese
    # headers being two columns a character.
    if language == "en":
        return  # "rows in" holds a space: the header does not split into one cell a column
    for row in rows:
        assert _ends(row)[1:6] == _ends(lines[0])[1:6], (lines[0], row)


def test_audits_list_and_help_are_worded_in_the_language(home, language):
    listed = run_hub("audits", "list", home=home)
    assert listed.returncode == 0, listed.stderr
    header, *rows = listed.stdout.splitlines()
    expected = {"default": ("审计", "从未运行"), "en": ("audit", "never run")}[language]
    assert header.split()[0] == expected[0]
    assert any("gateway_bypass_attempts" in row and expected[1] in row for row in rows)
    helped = run_hub("audits", "--help", home=home)
    assert {"default": "定期审计：按严重程度列出审计发现的报告",
            "en": "Scheduled audits: reports with findings by severity"}[language] in helped.stdout


def test_grants_output_is_worded_in_the_language(home, language):
    done = run_hub("grants", "expire", home=home)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == {"default": "0 项授权已过期",
                                           "en": "0 grants expired"}[language]
