"""Quoting for SQL the hub builds as text (DuckDB): identifiers and string literals."""

from __future__ import annotations

__all__ = ["ident", "sql_str"]


def ident(name: str) -> str:
    """A quoted identifier: `a"b` → `"a""b"`."""
    return '"' + name.replace('"', '""') + '"'


def sql_str(value: str) -> str:
    """A string literal: `it's` → `'it''s'` (also for file paths)."""
    return "'" + value.replace("'", "''") + "'"
