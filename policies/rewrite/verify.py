"""The rewriter's own proof: after the rules, every table read and every parameter in the
query is one the rewriter built. A failure here is a bug in the gateway, reported as a
refusal rather than run."""

from __future__ import annotations

from sqlglot import exp

from catalog.i18n import _
from policies.errors import PolicyError
from policies.rewrite.context import PROTECTED_META

__all__ = ["verify_rewritten"]


def verify_rewritten(query: exp.Query) -> None:
    """Tables left are private WITH names; reads are the rewriter's; no parameter is the user's."""
    for node in query.walk():
        if isinstance(node, exp.Table):
            if not (node.name.startswith("__hub_cte_") and not node.args.get("db")
                    and not node.args.get("catalog")):
                raise PolicyError("not_allowed", _("the query could not be protected"))
        elif isinstance(node, (exp.Placeholder, exp.Parameter)) or node.meta.get(PROTECTED_META) and node.key != "protectedread":
            raise PolicyError("not_allowed", _("the query could not be protected"))
