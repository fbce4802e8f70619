"""click in the hub's language (catalog.clitext): Chinese help laid out by terminal cells, lazy
help translated when shown, click's own words from the catalogs."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from catalog.clitext import HubCommand, _cells, _short, _wrap, install
from catalog.i18n import lazy, use

TEXT = ("从资源目录表格（按国家编目模板排列的 XLSX 或 CSV，见 docs/directory-import.md）导入本部门"
        "的数据资源：每个新增或变更的资源成为提交首席数据官复核的修订；任何一行被拒绝则全部不导入。")


@pytest.mark.parametrize("width", [10, 17, 40, 78])
def test_chinese_is_wrapped_by_cells_and_loses_nothing(width):
    lines = _wrap(TEXT, width)
    long_word = "docs/directory-import.md）"  # longer than some widths: alone on its line
    assert all(_cells(line) <= width or line == long_word for line in lines), lines
    assert "".join(lines).replace(" ", "") == TEXT.replace(" ", "")
    assert not any(line[:1] in "，。；：）" for line in lines[1:])  # no line opens on a closer
    assert not any(line.endswith("（") for line in lines)  # nor ends on an opener


def test_short_help_is_the_first_sentence_or_cut_with_an_ellipsis():
    assert _short("资源目录。其余说明。", 45) == "资源目录"
    cut = _short(TEXT, 30)
    assert cut.endswith("…") and _cells(cut) <= 30


def test_lazy_help_follows_the_language_of_each_use():
    install()  # as catalog.cli does before any option is made

    @click.command(cls=HubCommand, help=lazy("Resources per page."))
    @click.option("--limit", help=lazy("Which page of the directory."))
    def command(limit):
        pass

    runner = CliRunner()
    with use("zh"):
        shown = runner.invoke(command, ["--help"]).output
    assert "用法:" in shown and "每页的资源数。" in shown and "资源目录的第几页。" in shown
    with use("en"):
        shown = runner.invoke(command, ["--help"]).output
    assert "Usage:" in shown and "Resources per page." in shown
    assert "Which page of the directory." in shown and "Show this message and exit." in shown
