"""The `hub` command speaks the hub's language (catalog.i18n), click's own words included.

Two things click does not do by itself, done here once for every package's commands:

- click's words ("Usage:", "Options", "Error: …", "No such option …") come from the stdlib
  `gettext` functions click imports into each of its modules, which read the process-global
  domain chosen by the `LANGUAGE`/`LC_*` variables, not the hub's language. `install()` binds
  those names, in click's modules, to the hub's catalogs (`click_gettext`, `click_ngettext`);
  the words themselves are listed in `_said_by_click` so extraction puts them in the catalog
  package's `.po` files like any other message.
- click turns an option's `help` into a plain string when the option is made (at import), so
  a `lazy()` help would be fixed in the language of the import. `HubOption`/`HubArgument` keep
  it lazy, translated each time help is shown; `install()` makes them click's default
  classes, so `click.option(help=lazy(...))` works in every package. The `--help` option
  click adds to each command is re-labelled per use by `HubCommand`/`HubGroup`.
- click lays help out counting characters and breaking lines at spaces; Chinese characters
  are two terminal cells wide and Chinese breaks between any two characters, so Chinese help
  ran past the terminal's edge. `HubFormatter` (the help of every `HubCommand`/`HubGroup`)
  wraps and shortens Chinese text by cells; text without wide characters is laid out by click.
"""

from __future__ import annotations

import inspect
import re
import unicodedata

import click
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types
import click.utils

from catalog.i18n import Lazy, _, _translations, language, ngettext

__all__ = ["HubArgument", "HubCommand", "HubContext", "HubFormatter", "HubGroup", "HubOption",
           "click_gettext",
           "click_ngettext", "install"]

_CLICK_MODULES = (click.core, click.decorators, click.exceptions, click.formatting, click.parser,
                  click.termui, click.types, click.utils)


def click_gettext(message: str) -> str:
    """One of click's words in the current language (click fills its placeholders itself)."""
    return _translations(language()).gettext(message)


def click_ngettext(singular: str, plural: str, n: int) -> str:
    """One of click's plural words in the current language, placeholders left to click."""
    return _translations(language()).ngettext(singular, plural, n)


def _keep_lazy(param: click.Parameter, help: object) -> None:
    if isinstance(help, Lazy) and not param.deprecated:
        param.help = help  # type: ignore[assignment]  # made a str when shown (`_shown`)


def _shown(help: object) -> str:
    return inspect.cleandoc(str(help)) if help else ""


class HubOption(click.Option):
    """An option whose `lazy()` help is translated when shown, not when the option is made."""

    def __init__(self, *args, help=None, **kwargs) -> None:
        super().__init__(*args, help=help, **kwargs)
        _keep_lazy(self, help)

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        record = super().get_help_record(ctx)
        return None if record is None else (record[0], _shown(record[1]))


class HubArgument(click.Argument):
    """An argument whose `lazy()` help is translated when shown (`HubOption`)."""

    def __init__(self, *args, help=None, **kwargs) -> None:
        super().__init__(*args, help=help, **kwargs)
        _keep_lazy(self, help)

    def get_help_record(self, ctx: click.Context) -> tuple[str, str]:
        spec, text = super().get_help_record(ctx)
        return spec, _shown(text)


# A run of text that is not broken inside: a wide character alone, or a run of narrow ones.
_PIECE = re.compile(r"\s+|[^\s\u1100-\uffff]+|\S")


def _cells(text: str) -> int:
    """How many terminal cells `text` takes (East Asian wide and full-width characters: 2)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


_OPENERS, _CLOSERS = "（「『“‘", "，。、；：？！）」』”’"


def _wrap(text: str, width: int) -> list[str]:
    """`text`'s paragraphs (blank-line separated) as lines of at most `width` cells (a single
    longer word aside), broken at spaces or between wide characters; no line starts with a
    closing punctuation mark or ends with an opening one (the mark takes its neighbour
    along)."""
    lines: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        if lines:
            lines.append("")
        line: list[str] = []
        for piece in _PIECE.findall(" ".join(paragraph.split())):
            if line and _cells("".join(line) + piece) > width and not piece.isspace() and not (
                    piece in _CLOSERS and len(line) == 1):  # after one long word: it hangs
                carried: list[str] = []
                if piece in _CLOSERS and len(line) > 1:  # the closer takes its word along
                    carried.append(line.pop())
                while len(line) > 1 and (line[-1] in _OPENERS or line[-1].isspace()):
                    if not line[-1].isspace():
                        carried.insert(0, line[-1])
                    line.pop()
                lines.append("".join(line).rstrip())
                line = carried
            if line or not piece.isspace():
                line.append(piece)
        lines.append("".join(line).rstrip())
    return lines


class HubFormatter(click.HelpFormatter):
    """click's help layout, with Chinese text wrapped by terminal cells (module doc)."""

    def write_text(self, text: str) -> None:
        if _cells(text) == len(text):
            return super().write_text(text)
        width = max(self.width - self.current_indent, 11)
        for line in _wrap(text, width):
            self.write(f"{'':>{self.current_indent}}{line}\n" if line else "\n")
        return None

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        if all(_cells(a) == len(a) and _cells(b) == len(b) for a, b in rows):
            return super().write_dl(rows, col_max, col_spacing)
        first_col = min(max((len(a) for a, _b in rows), default=0), col_max) + col_spacing
        width = max(self.width - first_col - 2, 10)
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if len(first) <= first_col - col_spacing:
                self.write(" " * (first_col - len(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = _wrap(second, width) or [""]
            self.write(f"{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")
        return None


class HubContext(click.Context):
    """A `hub` command's context: its help is laid out by `HubFormatter`."""

    formatter_class = HubFormatter


def _short(text: str, limit: int) -> str:
    """Chinese help shortened for a list of commands: its first sentence if it fits in `limit`
    cells, else as much as fits, with an ellipsis."""
    first = _wrap(text, 10_000)[0]
    sentence = first.split("。", 1)[0]
    if _cells(sentence) <= limit:
        return sentence
    cut = ""
    for char in sentence:
        if _cells(cut + char) > limit - 1:
            break
        cut += char
    return cut.rstrip("，、（ ") + "…"


class _HubHelp:
    """What every `hub` command's help does (module doc): the `--help` option click makes once
    per command labelled in the language of each use; Chinese laid out by cells."""

    context_class = HubContext

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = click_gettext("Show this message and exit.")
        return option

    def get_short_help_str(self, limit: int = 45) -> str:
        text = super().get_short_help_str(limit)  # type: ignore[misc]
        full = "" if self.short_help or not self.help else str(self.help)  # type: ignore[attr-defined]
        if not full or _cells(full) == len(full):
            return text
        return _short(inspect.cleandoc(full).partition("\f")[0], limit)


class HubCommand(_HubHelp, click.Command):
    """A `hub` command (`_HubHelp`)."""


class HubGroup(_HubHelp, click.Group):
    """A `hub` command group: its commands and groups are `HubCommand`s and `HubGroup`s."""

    command_class = HubCommand
    group_class = type  # sub-groups of the same class


def install() -> None:
    """Make click speak the hub's language (module doc). Idempotent; call before any option
    is made (`catalog.cli` does, first thing)."""
    for module in _CLICK_MODULES:
        if hasattr(module, "_"):
            module._ = click_gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = click_ngettext  # type: ignore[attr-defined]
    click.decorators.Option = HubOption  # type: ignore[misc]
    click.decorators.Argument = HubArgument  # type: ignore[misc]


def _said_by_click() -> None:  # pragma: no cover — never called: read by extraction only
    """The words click says to the hub's users, so the catalogs hold them (module doc)."""
    _("Usage:")
    _("Options")
    _("Positional arguments")
    _("Commands")
    _("Aborted!")
    _("deprecated")
    _("Missing command.")
    _("Value must be an iterable.")
    _("env var: {var}")
    _("default: {default}")
    _("required")
    _("(dynamic)")
    _("Do you want to continue?")
    _("Confirm the action without prompting.")
    _("%(prog)s, version %(version)s")
    _("Show the version and exit.")
    _("Show this message and exit.")
    _("Error: {message}")
    _("Try '{command} {option}' for help.")
    _("Invalid value: {message}")
    _("Invalid value for {param_hint}: {message}")
    _("Missing argument")
    _("Missing option")
    _("Missing parameter")
    _("Missing {param_type}")
    _("Missing parameter: {param_name}")
    _("No such option {name!r}.")
    _("No such command {name!r}.")
    _("unknown error")
    _("Could not open file {filename!r}: {message}")
    _("Invalid start character for option ({option})")
    _("Argument {name!r} takes {nargs} values.")
    _("Option {name!r} does not take a value.")
    _("Repeat for confirmation")
    _("Error: The two entered values do not match.")
    _("Error: invalid input")
    _("Press any key to continue...")
    _("Choose from:\n\t{choices}")
    _("Choice({choices})")
    _("{value!r} is not a valid {number_type}.")
    _("{value} is not in the range {range}.")
    _("{value!r} is not a valid boolean. Recognized values: {states}")
    _("{value!r} is not a valid UUID.")
    _("{name} {filename!r} does not exist.")
    _("{name} {filename!r} is a file.")
    _("{name} {filename!r} is a directory.")
    _("{name} {filename!r} is not readable.")
    _("{name} {filename!r} is not writable.")
    _("{name} {filename!r} is not executable.")
    _("DeprecationWarning: The command {name!r} is deprecated.{extra_message}")
    _("DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}")
    ngettext("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})", 1)
    ngettext("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given.",
             1)
    ngettext("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)", 1)
    ngettext("Option {name!r} requires an argument.",
             "Option {name!r} requires {nargs} arguments.", 1)
    ngettext("{value!r} is not {choice}.", "{value!r} is not one of {choices}.", 1)
    ngettext("{value!r} does not match the format {format}.",
             "{value!r} does not match the formats {formats}.", 1)
    ngettext("{len_type} values are required, but {len_value} was given.",
             "{len_type} values are required, but {len_value} were given.", 1)
