"""The hub's one error hierarchy: every refusal a user can act on is a `HubError`.

Each error has a stable `code`, the HTTP `status` it stands for and a `message` for a person.
The codes and statuses are declared once, by the error's family: a class attribute where the
family has one code, a `CODES` table (code -> status) where the raise site picks the code.
Every surface shows the same `shown` text: the API as `{"error": {"code", "message"}}` with
the status (`exchange.errors`), the web app as an error page (`exchange.web.core`), the CLI
as one line (`catalog.cli`). No surface translates an error by hand or reads its text.

Families: `EntryError` (catalog entries), `ReviewError` (cross-check reviews), `FindingError`
(audit findings), `PolicyError` (the policy engine), `ClientError` (clients and users),
`CrosscheckError` (the cross-check run), `ApiError` (the exchange's own refusals).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import ClassVar

from catalog.i18n import language

__all__ = ["CodedError", "HubError", "UnknownResource"]

_CHINESE = re.compile(r"[\u3400-\u9fff]")


class HubError(Exception):
    """A refusal the user can act on; its message names the thing and says what to do."""

    code: str = "invalid"
    status: int = 400
    # True for families whose messages are written as clauses ("no such flag"): every surface
    # shows them as sentences ("No such flag."; a Chinese clause ends with "。"), while
    # `message` stays the clause.
    SENTENCES: ClassVar[bool] = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def shown(self) -> str:
        """The message as the API, the web app and the CLI all show it."""
        if not self.SENTENCES:
            return self.message
        if language() != "en" and _CHINESE.search(self.message):  # a Chinese clause
            return self.message if self.message.endswith(("。", "？", "！")) else self.message + "。"
        return self.message[:1].upper() + self.message[1:] + "."


class CodedError(HubError):
    """A family whose raise sites pick one of its codes; `CODES` maps each to its status."""

    CODES: ClassVar[Mapping[str, int]] = {}

    def __init__(self, code: str, message: str) -> None:
        if code not in self.CODES:
            raise ValueError(f"unknown {type(self).__name__} code {code!r}")
        super().__init__(message)
        self.code = code
        self.status = self.CODES[code]


class UnknownResource(HubError, KeyError):
    """A resource code the catalog does not declare (still a `KeyError` for older callers)."""

    code = "not_found"
    status = 404

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])
