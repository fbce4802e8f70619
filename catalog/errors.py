"""The hub's own errors: what a user did wrong, said in one line (the CLI prints it as is)."""

from __future__ import annotations

__all__ = ["HubError", "UnknownResource"]


class HubError(Exception):
    """A refusal the user can act on; its message names the thing and says what to do."""


class UnknownResource(HubError, KeyError):
    """A resource code the catalog does not declare (still a `KeyError` for older callers)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])
