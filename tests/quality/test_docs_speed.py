"""Data Docs views share compiled templates, and still render what GX renders."""

from __future__ import annotations

import pytest
from great_expectations.render.view.view import DefaultJinjaPageView

from quality import docs_speed


def test_a_second_view_reuses_the_first_views_compiled_template():
    docs_speed.install()
    docs_speed.install()  # idempotent: one wrapper, not two
    first, second = DefaultJinjaPageView(), DefaultJinjaPageView()
    assert first.env.bytecode_cache is second.env.bytecode_cache
    content = {"content_block": {"bullet_list": ["a", "b"]}, "content_block_id": "x"}
    rendered = first.env.get_template("bullet_list.j2").render(content)

    def compile_again(*args, **kwargs):
        pytest.fail("a template was compiled again")

    second.env.compile = compile_again
    assert second.env.get_template("bullet_list.j2").render(content) == rendered
    assert "<li" in rendered
