"""The one error the policy engine raises: a stable code, a sanitised message, an HTTP status
(a family of the hub's `catalog.errors.HubError`; `ERROR_CODES` declares its codes once).

Messages never carry data values, file paths or engine internals; callers show them as they are.
"""

from __future__ import annotations

from catalog.errors import CodedError
from catalog.i18n import lazy

__all__ = ["ERROR_CODES", "SECURITY_CODES", "PolicyError"]

# code -> (HTTP status, what it means). The codes are an API: add, never rename.
# The meanings are the default messages, in the language of the moment they are raised.
ERROR_CODES: dict[str, tuple[int, object]] = {
    "query_too_long": (400, lazy("the query text is longer than the gateway accepts")),
    "too_deep": (400, lazy("the query nests expressions or subqueries too deeply")),
    "syntax_error": (400, lazy("the query is not valid SQL")),
    "multiple_statements": (400, lazy("exactly one statement is accepted")),
    "not_a_query": (400, lazy("only read-only SELECT queries are accepted")),
    "not_allowed": (400, lazy("the query uses a construct the gateway does not allow")),
    "function_not_allowed": (400, lazy("the query calls a function that is not on the "
                                       "allowlist")),
    "reserved_identifier": (400, lazy("identifiers starting with __hub are reserved")),
    "unknown_table": (400, lazy("the query reads a table that is not a published resource")),
    "cte_shadows_table": (400, lazy("a WITH name may not reuse the name of a published table")),
    "aggregate_only": (403, lazy("the grant allows aggregate queries of a restricted shape "
                                 "only")),
    "no_grant": (403, lazy("no active grant of the caller covers a resource the query reads")),
    "ambiguous_grant": (400, lazy("several grants cover one resource; name the grant to use")),
    "role_not_allowed": (403, lazy("the caller's roles may not use this kind of grant")),
    "denied": (403, lazy("the policy refuses this use of the resource")),
    "grant_inactive": (403, lazy("the grant is revoked, expired or not yet valid")),
    "quota_exhausted": (429, lazy("the grant's call quota is used up")),
    "invalid_grant": (400, lazy("the grant's definition is not valid")),
    "invalid_query": (400, lazy("the query could not be run as written")),
    "timeout": (408, lazy("the query ran longer than the gateway allows and was interrupted")),
    "memory_limit": (413, lazy("the query needed more memory than the gateway allows")),
    "too_many_rows": (413, lazy("the result has more rows than the gateway returns")),
    "too_large": (413, lazy("the result is larger than the gateway returns")),
    "unavailable": (503, lazy("the analysts' database is not available")),
    "unread_text": (400, lazy("the query holds text the gateway cannot interpret (an unknown "
                              "data type, a verbatim fragment)")),
    "parser_disagreement": (400, lazy("the engine would read the query differently from "
                                      "the gateway's check")),
    "file_access": (400, lazy("the query tries to read files")),
    "secret_access": (400, lazy("the query tries to read settings, variables, keys or the "
                                "catalog")),
}

# Refusals that are attempts to get around the gateway rather than mistakes: each is a
# security event, and the scheduled audits raise a finding on them (`policies.audits`).
SECURITY_CODES = frozenset({"unread_text", "parser_disagreement", "file_access",
                            "secret_access", "reserved_identifier"})


class PolicyError(CodedError):
    """A refused or failed request; `code` is stable, `message` is safe to show to anyone."""

    CODES = {code: status for code, (status, _) in ERROR_CODES.items()}

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(code, message or str(ERROR_CODES.get(code, (0, ""))[1]))
        self.args = (f"{code}: {self.message}",)

    def to_dict(self) -> dict[str, dict[str, str]]:
        """The JSON body every surface returns: `{"error": {"code": ..., "message": ...}}`."""
        return {"error": {"code": self.code, "message": self.message}}
