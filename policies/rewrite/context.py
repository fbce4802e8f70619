"""What the rewrite rules need besides the query: the table references and their bindings."""

from __future__ import annotations

from dataclasses import dataclass

from policies.binding import Binding
from policies.sources import CATALOG_NAME, TableRefs

__all__ = ["CATALOG_ALIAS", "PROTECTED_META", "RewriteContext"]

# The analysts' database is attached read-only under the name analysts know it by.
CATALOG_ALIAS = CATALOG_NAME
PROTECTED_META = "hub_protected"  # marks nodes the rewriter built, never the user's


@dataclass(frozen=True)
class RewriteContext:
    refs: TableRefs
    bindings: dict[str, Binding]  # resource code -> binding
    min_group_size: int
