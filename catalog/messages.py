"""The message catalogs' upkeep (`make messages`, `python -m catalog.messages`): extract every
`_()`, `lazy()` and `ngettext()` of a package and every `{% trans %}`/`_()` of its templates
(Babel), bring each language's `<package>.po` to exactly those messages (new ones untranslated,
gone ones dropped, translations kept), fill the English catalog from the source text, and
compile the `.mo` files the hub reads (`catalog.i18n`).

`check()` says what is wrong with the catalogs as they are (tests/test_messages.py runs it):
a message missing or left over, untranslated or fuzzy, a translation whose `{placeholders}`
differ from the source's, a `.mo` older than its `.po`.
"""

from __future__ import annotations

import io
import re
import string
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from catalog.i18n import LANGUAGES, LOCALE_DIR

__all__ = ["PACKAGES", "check", "conflicts", "extract", "update"]

ROOT = LOCALE_DIR.parent.parent
PACKAGES = ("catalog", "exchange", "quality", "pipelines", "policies")  # each its own catalog
# `gettext`: what Jinja makes of a template's `{% trans %}` block (one without `{% pluralize %}`).
KEYWORDS = {"_": None, "lazy": None, "ngettext": (1, 2), "gettext": None}
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}


def _id(message: str | tuple[str, ...]) -> str | tuple[str, ...]:
    return message if isinstance(message, str) else tuple(message)


def extract(package: str) -> dict[str | tuple[str, ...], list[tuple[str, int]]]:
    """Every message the package's code and templates say, with where each is said."""
    found: dict[str | tuple[str, ...], list[tuple[str, int]]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT / package, METHODS, OPTIONS, KEYWORDS, strip_comment_tags=True):
        if not message or (isinstance(message, tuple) and not all(message)):
            continue
        found.setdefault(_id(message), []).append((f"{package}/{filename}", lineno))
    return found


def _po(lang: str, package: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{package}.po"


def _read(lang: str, package: str) -> Catalog:
    path = _po(lang, package)
    if not path.exists():
        return Catalog(locale=lang, domain=package)
    with path.open("rb") as fp:
        return read_po(fp, locale=lang, domain=package)


def _fields(text: str) -> set[str]:
    """The placeholders a message names: `{name}` (Python code) and `%(name)s` (templates)."""
    named = {f"%({m})" for m in re.findall(r"%\((\w+)\)", text)}
    try:
        return named | {n for _lit, n, _spec, _conv in string.Formatter().parse(text) if n}
    except ValueError:
        return named | {"<malformed>"}


def _texts(message: str | tuple[str, ...]) -> tuple[str, ...]:
    return (message,) if isinstance(message, str) else tuple(message)


def _same_fields(translation: str, message: str | tuple[str, ...]) -> bool:
    """A translation names the source's placeholders; a plural form may name those of either
    source form (click's "{possibility}" / "{possibilities}"), as the caller fills them all."""
    if isinstance(message, str):
        return _fields(translation) == _fields(message)
    return _fields(translation) <= set().union(*map(_fields, message))


def update(package: str) -> None:
    """Bring the package's catalogs to the messages its code says, and compile them."""
    said = extract(package)
    for lang in LANGUAGES:
        old = _read(lang, package)
        # The old dates kept, so a run that changes no message changes no file.
        new = Catalog(locale=old.locale, domain=package, project="hub", fuzzy=False,
                      creation_date=old.creation_date, revision_date=old.revision_date)
        for message, places in sorted(said.items(), key=lambda kv: _texts(kv[0])):
            before = old.get(message[0] if isinstance(message, tuple) else message)
            if lang == "en":
                translation = message
            elif before is not None and before.string:
                translation = before.string
            else:
                translation = ("", "") if isinstance(message, tuple) else ""
            new.add(message, translation, locations=places)
        path = _po(lang, package)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            write_po(out, new, width=100, omit_header=False, sort_output=True)
        with path.with_suffix(".mo").open("wb") as out:
            write_mo(out, new)


def check(package: str) -> list[str]:
    """What is wrong with the package's catalogs (module doc); empty when nothing is."""
    said = extract(package)
    problems: list[str] = []
    for lang in LANGUAGES:
        path = _po(lang, package)
        if not path.exists():
            problems.append(f"{path.relative_to(ROOT)} is missing: run `make messages`")
            continue
        catalog = _read(lang, package)
        held = {_id(m.id): m for m in catalog if m.id}
        for message in said.keys() - held.keys():
            where = "{}:{}".format(*said[message][0])
            problems.append(f"{lang}/{package}.po lacks {_texts(message)[0]!r} ({where})")
        problems += [f"{lang}/{package}.po holds {_texts(m)[0]!r}, which nothing says"
                     for m in held.keys() - said.keys()]
        for key, entry in held.items():
            translations = _texts(entry.string) if entry.string else ()
            if not translations or not all(translations) or entry.fuzzy:
                problems.append(f"{lang}/{package}.po: {_texts(key)[0]!r} is not translated")
                continue
            if any(not _same_fields(t, key) for t in translations):
                problems.append(f"{lang}/{package}.po: the translation of {_texts(key)[0]!r} "
                                "has other {placeholders} than the source")
        mo = path.with_suffix(".mo")
        compiled = io.BytesIO()
        write_mo(compiled, catalog)
        if not mo.exists() or mo.read_bytes() != compiled.getvalue():
            problems.append(f"{mo.relative_to(ROOT)} is not compiled from its .po: run "
                            "`make messages`")
    return problems


def conflicts() -> list[str]:
    """Messages two packages translate differently. The hub reads every package's catalog as
    one (`catalog.i18n`), so a message has one translation in a language, whoever says it."""
    problems = []
    for lang in LANGUAGES:
        said: dict[str | tuple[str, ...], dict[str, object]] = {}
        for package in PACKAGES:
            if _po(lang, package).exists():
                for entry in _read(lang, package):
                    if entry.id:
                        said.setdefault(_id(entry.id), {})[package] = _id(entry.string)
        problems += [f"{lang}: {_texts(message)[0]!r} is translated differently by "
                     + ", ".join(f"{package} ({_texts(text)[0]!r})"
                                 for package, text in sorted(by.items()))
                     for message, by in said.items() if len(set(by.values())) > 1]
    return problems


def main(argv: list[str]) -> int:
    for package in argv or PACKAGES:
        update(package)
    problems = [p for package in argv or PACKAGES for p in check(package)] + conflicts()
    print("\n".join(problems) or "catalogs complete")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
