"""What the hub says to people, in their language: Simplified Chinese first, English on request.

Every sentence the hub shows a person (web pages, CLI output and help, API error messages, audit
findings, feedback, e-mails) is written in English in the code, wrapped in `_()` (or `lazy()`
where the text is built once at import, such as click's help), and translated from the message
catalogs in `catalog/locale/<language>/LC_MESSAGES/<package>.po`, one file per package so each
package owns its messages. `make messages` extracts them (Babel), updates every catalog and
compiles the `.mo` files the hub reads; `tests/test_messages.py` keeps both catalogs complete
and every shown string inside them.

Which language: the one set for the current context (`use`, which the web app and the API set
per request from the user's choice or the browser's `Accept-Language`), else `HUB_LANGUAGE`,
else Simplified Chinese.

Placeholders are named and filled after translation, so a translation may move them:
`_("no resource {code}", code=code)`.
"""

from __future__ import annotations

import functools
import gettext as _gettext
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

__all__ = ["DEFAULT", "LANGUAGES", "LOCALE_DIR", "Lazy", "_", "language", "lazy", "negotiate",
           "ngettext", "normalise", "tag", "use"]

LANGUAGES = ("zh_Hans", "en")  # the catalogs the hub ships, the default first
DEFAULT = LANGUAGES[0]
LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN_GLOB = "*.mo"

_current: ContextVar[str | None] = ContextVar("hub_language", default=None)

# What people and browsers write for each language (lower case, `_` as `-`).
_ALIASES = {"zh": "zh_Hans", "zh-hans": "zh_Hans", "zh-cn": "zh_Hans", "zh-sg": "zh_Hans",
            "zh-hans-cn": "zh_Hans", "zh_hans": "zh_Hans", "en": "en"}


def normalise(value: str | None) -> str | None:
    """The shipped language a tag names (`zh-CN`, `zh_Hans`, `en-GB`, `EN`…), or None."""
    if not value:
        return None
    key = value.strip().lower().replace("_", "-")
    if key in _ALIASES:
        return _ALIASES[key]
    primary = key.split("-", 1)[0]
    # Traditional Chinese is not shipped; Simplified is closer for its readers than English.
    return _ALIASES.get(primary)


def tag(lang: str) -> str:
    """The BCP 47 tag of a shipped language, for HTML `lang` and `Content-Language`."""
    return {"zh_Hans": "zh-Hans", "en": "en"}[lang]


def _configured() -> str:
    return normalise(os.environ.get("HUB_LANGUAGE")) or DEFAULT


def language() -> str:
    """The language of what is being said now (module doc)."""
    return _current.get() or _configured()


@contextmanager
def use(lang: str | None) -> Iterator[str]:
    """Speak `lang` (a tag; None or unknown: the configured language) inside the block."""
    chosen = normalise(lang) or _configured()
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


def negotiate(accept_language: str | None, preference: str | None = None) -> str:
    """The language for a request: the user's own choice, else the best of the browser's
    `Accept-Language` (RFC 9110 weights) the hub ships, else the configured language."""
    chosen = normalise(preference)
    if chosen:
        return chosen
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        name, _sep, params = part.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            key, _eq, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if name and weight > 0:
            ranked.append((-weight, position, name))
    for _weight, _position, name in sorted(ranked):
        if name.strip() == "*":
            break
        found = normalise(name)
        if found:
            return found
    return _configured()


@functools.cache
def _translations(lang: str) -> _gettext.NullTranslations:
    """Every package's catalog of `lang`, as one."""
    merged: _gettext.NullTranslations = _gettext.NullTranslations()
    for path in sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob(DOMAIN_GLOB)):
        with path.open("rb") as fp:
            catalog = _gettext.GNUTranslations(fp)
        catalog.add_fallback(merged)
        merged = catalog
    return merged


def _(message: str, /, **values: object) -> str:
    """`message` in the current language, its `{name}` placeholders filled from `values`."""
    text = _translations(language()).gettext(message)
    return text.format(**values) if values else text


def ngettext(singular: str, plural: str, n: int, /, **values: object) -> str:
    """The singular or plural form for `n` (Chinese has one), placeholders filled; `{n}` is
    always available."""
    text = _translations(language()).ngettext(singular, plural, n)
    return text.format(n=n, **values)


class Lazy:
    """A message translated each time it is used: a `str` wherever text is needed (`str()`,
    formatting, `+`, `%`, str methods). Babel's `LazyProxy` does the same but importing it
    (babel.support loads babel.dates and babel.numbers) cost every `hub` command 25–50 ms."""

    __slots__ = ("message", "values")

    def __init__(self, message: str, values: dict[str, object]) -> None:
        self.message, self.values = message, values

    @property
    def value(self) -> str:
        return _(self.message, **self.values)

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return f"lazy({self.message!r})"

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    def __getattr__(self, name: str) -> object:  # str's methods, on the current text
        return getattr(self.value, name)

    def __len__(self) -> int:
        return len(self.value)

    def __iter__(self) -> Iterator[str]:
        return iter(self.value)

    def __contains__(self, item: str) -> bool:
        return item in self.value

    def __getitem__(self, key: int | slice) -> str:
        return self.value[key]

    def __bool__(self) -> bool:
        return bool(self.value)

    def __eq__(self, other: object) -> bool:
        return self.value == (other.value if isinstance(other, Lazy) else other)

    def __lt__(self, other: object) -> bool:
        return self.value < str(other)

    def __hash__(self) -> int:
        return hash(self.value)

    def __add__(self, other: str) -> str:
        return self.value + str(other)

    def __radd__(self, other: str) -> str:
        return str(other) + self.value

    def __mod__(self, other: object) -> str:
        return self.value % other

    def __mul__(self, n: int) -> str:
        return self.value * n


def lazy(message: str, /, **values: object) -> Lazy:
    """`_(message, **values)` evaluated each time it is used, for text fixed at import:
    constants, tables of labels."""
    return Lazy(message, values)
