"""Lists and tables on the command line (catalog.listing)."""

from __future__ import annotations


def test_tables_keep_chinese_columns_in_line(capsys):
    from rich.cells import cell_len

    from catalog.listing import echo_table

    rows = [("mz.members", "低保对象", 12), ("ga.population", "人口基础信息", 10_000_000),
            ("sj.x", "[b]not markup[/b]", None)]
    assert echo_table(["代码", "名称", "行数"], rows, "无", right=frozenset({2})) == 3
    header, _rule, *lines = capsys.readouterr().out.splitlines()
    # Each line's second column starts at the same screen column, whatever its characters.
    starts = [cell_len(line[:line.index(name)]) for line, (_c, name, _n) in zip(lines, rows)]
    assert len(set(starts)) == 1 and cell_len(header[:header.index("名称")]) == starts[0]
    ends = [cell_len(line) for line in lines[:2]]  # numbers right-aligned: same last column
    assert ends[0] == ends[1] == cell_len(header)
    assert "[b]not markup[/b]" in lines[2]


def test_an_empty_table_says_so_on_stderr(capsys):
    from catalog.listing import echo_table

    assert echo_table(["a"], [], "no rows") == 0
    out = capsys.readouterr()
    assert out.out == "" and out.err.strip() == "no rows"
