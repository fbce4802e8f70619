"""DuckDB as sqlglot writes it, plus the rewriter's protected reads (cached masked subqueries)."""

from __future__ import annotations

from sqlglot.dialects.duckdb import DuckDB

from policies.rewrite.tables import ProtectedRead

__all__ = ["GatewayDuckDB"]


def _protected_read(generator, node: ProtectedRead) -> str:
    sample = generator.sql(node, "sample")
    return f"({node.this}) AS {generator.sql(node, 'alias')}" + (f" {sample}" if sample else "")


class GatewayDuckDB(DuckDB):
    class Generator(DuckDB.Generator):
        TRANSFORMS = {**DuckDB.Generator.TRANSFORMS, ProtectedRead: _protected_read}
