"""Every string the hub shows people comes from the message catalogs, and both catalogs are
complete (catalog.i18n, catalog.messages).

The code is read as the users meet it: a string literal with words in it (a space or a Chinese
character) given to anything that shows text — a `HubError` (every surface shows its message),
click's output and help, a `message=`/`summary=`/`title=` — must be wrapped in `_()`, `lazy()` or
`ngettext()`; a click command's docstring is not its help (help is passed translated); a template
holds no words outside `{% trans %}` and `_()`. A line that shows nothing to people says so with
`# i18n: not shown (<why>)`.
"""

from __future__ import annotations

import ast
import html.parser
import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from jinja2 import Environment, nodes

from catalog.errors import HubError
from catalog.messages import PACKAGES, ROOT, check, conflicts

WORDS = re.compile(r"\s\S|[\u3400-\u9fff]")  # a space before something, or a Chinese character
WRAPPERS = {"_", "lazy", "ngettext"}
SHOWN_CALLS = {"echo", "secho", "style", "print", "confirm", "prompt", "UsageError",
               "BadParameter", "ClickException", "BadOptionUsage", "Abort", "fail"}
SHOWN_KEYWORDS = {"help", "short_help", "epilog", "prompt", "message", "summary", "title",
                  "label", "detail", "text", "subject", "body"}
EXEMPT = "# i18n: not shown"


def _error_names() -> set[str]:
    """The names of every HubError family, read from the packages themselves."""
    for package in PACKAGES:
        for info in pkgutil.walk_packages([str(ROOT / package)], f"{package}."):
            if ".migrations" not in info.name:
                importlib.import_module(info.name)
    names, todo = set(), [HubError]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo += cls.__subclasses__()
    return names


def _literal_words(node: ast.AST) -> bool:
    """A str literal or f-string whose own text has words (placeholders alone are data)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(WORDS.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(_literal_words(v) for v in node.values if isinstance(v, ast.Constant))
    if isinstance(node, ast.BinOp):  # "..." + "..." or "..." % x
        return _literal_words(node.left) or _literal_words(node.right)
    return False


def _name(func: ast.AST) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


class _Reader(ast.NodeVisitor):
    def __init__(self, path: Path, lines: list[str], errors: set[str]) -> None:
        self.path, self.lines, self.errors, self.found = path, lines, errors, []

    def _flag(self, node: ast.AST, what: str) -> None:
        line = self.lines[node.lineno - 1]
        end = self.lines[getattr(node, "end_lineno", node.lineno) - 1]
        if EXEMPT not in line and EXEMPT not in end:
            self.found.append(f"{self.path.relative_to(ROOT)}:{node.lineno}: {what}")

    def visit_Call(self, node: ast.Call) -> None:
        name = _name(node.func)
        if name not in WRAPPERS:
            if name in self.errors or name in SHOWN_CALLS:
                for arg in node.args:
                    if _literal_words(arg):
                        self._flag(arg, f"{name}() shows an untranslated string")
            for keyword in node.keywords:
                if keyword.arg in SHOWN_KEYWORDS and _literal_words(keyword.value):
                    self._flag(keyword.value, f"{keyword.arg}= is an untranslated string")
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        for decorator in node.decorator_list:
            if (isinstance(decorator, ast.Call) and _name(decorator.func) in {"command", "group"}
                    and not any(k.arg == "help" for k in decorator.keywords)
                    and ast.get_docstring(node)):
                self._flag(node, f"the command {node.name}() shows its docstring as help: "
                                 "pass help=lazy(...)")
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef


@pytest.fixture(scope="module")
def error_names() -> set[str]:
    return _error_names()


@pytest.mark.parametrize("package", PACKAGES)
def test_no_shown_string_is_outside_the_catalogs(package, error_names):
    found: list[str] = []
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        reader = _Reader(path, text.splitlines(), error_names)
        reader.visit(ast.parse(text))
        found += reader.found
    assert not found, f"{len(found)} untranslated:\n" + "\n".join(found)


class _Text(html.parser.HTMLParser):
    """The text and the shown attributes of an HTML fragment."""

    SHOWN_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "value"}

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[str] = []

    def handle_data(self, data: str) -> None:
        self.shown.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"style", "script"}:
            return
        self.shown += [v or "" for k, v in attrs if k in self.SHOWN_ATTRIBUTES]


def _template_words(source: str) -> list[str]:
    """The words a template shows outside `{% trans %}` and `_()`."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    found = []
    for data in env.parse(source).find_all(nodes.TemplateData):
        reader = _Text()
        reader.feed(data.data)
        found += [t.strip() for t in reader.shown if re.search(r"[A-Za-z\u3400-\u9fff]", t)]
    return found


@pytest.mark.parametrize("template", sorted((ROOT / "exchange/web/templates").glob("*.html")),
                         ids=lambda p: p.name)
def test_templates_show_no_words_outside_the_catalogs(template):
    found = _template_words(template.read_text(encoding="utf-8"))
    assert not found, f"{template.name} shows untranslated text: {found}"


def test_the_template_reader_sees_words():
    assert _template_words("<p>Orders</p><b>{{ n }}</b>") == ["Orders"]
    assert _template_words('<input placeholder="Search">') == ["Search"]
    assert _template_words("<p>{% trans %}Orders{% endtrans %}</p><b>{{ _('x y') }}</b>") == []


@pytest.mark.parametrize("package", PACKAGES)
def test_both_catalogs_are_complete(package):
    assert check(package) == []


def test_a_message_has_one_translation_in_every_package():
    assert conflicts() == []
