"""The exchange's `hub` commands speak Chinese unless HUB_LANGUAGE says otherwise: help, output
and tables (aligned by catalog.listing.echo_table), run as a user runs them."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from tests.cli import clean_env, hub


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli-language") / "home"
    path.mkdir()
    return path


def _env(home, language: str | None) -> dict[str, str]:
    env = clean_env(home=home)
    env.pop("HUB_LANGUAGE", None)
    if language:
        env["HUB_LANGUAGE"] = language
    return env


def test_help_and_output_are_chinese_by_default(home):
    helped = hub("clients", "--help", env=_env(home, None))
    assert helped.returncode == 0, helped.stderr
    assert "共享接口的 OAuth2 客户端和用户（密钥只显示一次）。" in helped.stdout
    assert "登记客户端或用户" in helped.stdout  # the list shows its first sentence
    empty = hub("clients", "list", env=_env(home, None))
    assert empty.returncode == 0 and empty.stdout == ""
    assert empty.stderr.strip().splitlines()[-1] == "没有客户端或用户"
    made = hub("clients", "create", "mz-check", "--name", "民政局救助核查系统", "--department",
               "mz", "--role", "requester", env=_env(home, None))
    assert made.returncode == 0, made.stderr
    listed = hub("clients", "list", env=_env(home, None))
    header, _rule, row = listed.stdout.splitlines()
    assert header.split() == ["客户端", "类型", "部门", "状态", "认证方式", "角色"]
    assert row.split() == ["mz-check", "client", "mz", "启用", "client_secret_basic", "requester"]
    # Columns line up as a terminal draws them: a Chinese character is two columns wide.
    for title, cell in (("类型", " client "), ("状态", " 启用 "), ("角色", " requester")):
        assert cell_len(header[:header.index(title)]) == cell_len(row[:row.index(cell) + 1])
    revoked = hub("clients", "revoke", "mz-check", env=_env(home, None))
    assert revoked.stdout.strip() == "已停用 mz-check"
    unknown = hub("clients", "revoke", "nobody", env=_env(home, None))
    assert unknown.returncode != 0 and "Traceback" not in unknown.stderr
    assert "没有客户端 'nobody'" in unknown.stderr


def test_hub_language_en_gives_english(home):
    helped = hub("clients", "--help", env=_env(home, "en"))
    assert "OAuth2 clients and users of the sharing API (secrets are shown once)." in helped.stdout
    listed = hub("clients", "list", env=_env(home, "en"))
    assert listed.stdout.splitlines()[0].split() == ["client", "kind", "department", "status",
                                                     "authentication", "roles"]
    swept = hub("orders", "sweep", env=_env(home, "en"))
    assert swept.stdout.strip() == "0 orders changed"
    assert hub("orders", "sweep", env=_env(home, None)).stdout.strip() == "0 个数据申请已变更"
