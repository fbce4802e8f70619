"""First line of the gateway: one read-only query, within the limits, made of allowed parts.

Runs before any table is resolved, on the user's text and its syntax tree. Every refusal is
a `PolicyError` whose message names the construct, never a value from the query.
"""

from __future__ import annotations

import re
from collections import Counter
from enum import Enum
from itertools import pairwise

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers
from sqlglot.parser import Parser
from sqlglot.tokens import TokenType

from catalog.i18n import _
from policies.allowlist import (
    ALLOWED_NODES,
    ALLOWED_TYPES,
    TEXT_ARGS,
    function_allowed,
    refused_function_code,
)
from policies.errors import PolicyError

__all__ = ["RESERVED_PREFIX", "check_query", "parse_query"]

RESERVED_PREFIX = "__hub"
TYPE_TOKENS = Parser.TYPE_TOKENS
_OPENERS = {TokenType.L_PAREN, TokenType.L_BRACKET, TokenType.L_BRACE}
_CLOSERS = {TokenType.R_PAREN, TokenType.R_BRACKET, TokenType.R_BRACE}
_NESTING = (exp.Query, exp.Subquery, exp.Func, exp.Case, exp.Window, exp.Lambda, exp.Paren)
_MAX_TREE_DEPTH = 400  # operator chains (a + b + …) nest too; the generator recurses on them


def parse_query(sql: str, *, max_chars: int, max_depth: int) -> exp.Query:
    """The one query statement of `sql`, identifiers normalised as DuckDB resolves them."""
    if len(sql) > max_chars:
        raise PolicyError("query_too_long", _("the query is longer than {max_chars} characters",
                                               max_chars=max_chars))
    try:
        tokens = sqlglot.tokenize(sql, read="duckdb")
    except TokenError:
        raise PolicyError("syntax_error", _("the query text could not be read (unclosed quote "
                                            "or comment?)")) from None
    depth = deepest = 0
    for token in tokens:
        if token.token_type in _OPENERS:
            depth += 1
            deepest = max(deepest, depth)
        elif token.token_type in _CLOSERS:
            depth -= 1
    if deepest > max_depth:
        raise PolicyError("too_deep", _("the query nests deeper than {max_depth} levels",
                                        max_depth=max_depth))
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except ParseError as err:
        where = err.errors[0] if err.errors else {}
        raise PolicyError("syntax_error", _("syntax error at line {line}, column {column}",
                                            line=where.get("line", "?"),
                                            column=where.get("col", "?"))) from None
    except (TokenError, RecursionError):
        raise PolicyError("syntax_error", _("the query could not be parsed")) from None
    if len(statements) != 1:
        raise PolicyError("multiple_statements" if statements else "syntax_error",
                          None if statements else _("the query is empty"))
    statement = statements[0]
    if not isinstance(statement, exp.Query) or statement.args.get("into"):
        raise PolicyError("not_a_query")
    _check_quoted_names_read(tokens, statement)
    _check_type_spellings(tokens)
    for node in statement.walk():
        node.comments = None  # comments are text too: none is printed into the SQL that runs
    return normalize_identifiers(statement, dialect="duckdb")


_FOREIGN_TYPE_WORDS = frozenset({"UNSIGNED", "SIGNED", "ZEROFILL"})


def _check_type_spellings(tokens: list) -> None:
    """Type modifiers of other dialects (`BIGINT UNSIGNED`) that sqlglot reads as a DuckDB type
    (UBIGINT) and DuckDB refuses: the gateway would answer a query DuckDB does not."""
    for before, token in pairwise(tokens):
        if token.text.upper() in _FOREIGN_TYPE_WORDS and before.token_type in TYPE_TOKENS:
            raise PolicyError("unread_text", _("{word} is not a DuckDB type spelling",
                                               word=token.text.upper()[:10]))


def _check_quoted_names_read(tokens: list, statement: exp.Expr) -> None:
    """Every quoted name the analyst wrote must be read as a name. sqlglot reads a quoted
    name where a type belongs as a type, keeping its text or only its first word
    (`CAST(x AS "INT) …")` is INT to sqlglot, an unknown type to DuckDB): the check would
    then approve a text it never read as written."""
    written = Counter(t.text for t in tokens if t.token_type is TokenType.IDENTIFIER)
    read = Counter(i.this for i in statement.find_all(exp.Identifier) if i.quoted)
    if written - read:
        raise PolicyError("unread_text", _("a quoted name in the query is not read as a name "
                                           "(quoted data types are not allowed)"))


def check_query(query: exp.Query, *, max_depth: int) -> None:
    """Refuse any node, function, identifier or depth the gateway does not allow."""
    stack: list[tuple[exp.Expr, int, int]] = [(query, 0, 0)]
    while stack:
        node, nesting, depth = stack.pop()
        if depth > _MAX_TREE_DEPTH:
            raise PolicyError("too_deep", _("the query's expressions are chained too deeply"))
        if isinstance(node, _NESTING):
            nesting += 1
            if nesting > max_depth:
                raise PolicyError("too_deep", _("the query nests deeper than {max_depth} levels",
                                                max_depth=max_depth))
        _check_node(node)
        stack.extend((child, nesting, depth + 1) for child in node.iter_expressions())


def _check_node(node: exp.Expr) -> None:
    if isinstance(node, exp.Func) and type(node) not in ALLOWED_NODES:
        if not function_allowed(node):
            name = _function_name(node)
            raise PolicyError(refused_function_code(name),
                              _("function {name} is not allowed", name=name))
    elif isinstance(node, exp.Placeholder | exp.Parameter | exp.SessionParameter):
        raise PolicyError("secret_access", _("query parameters and variables are not accepted"))
    elif type(node) not in ALLOWED_NODES:
        raise PolicyError("not_allowed", _("{construct} is not allowed",
                                           construct=_construct(node)))
    _check_args(node)
    if isinstance(node, exp.Identifier) and node.name.lower().startswith(RESERVED_PREFIX):
        raise PolicyError("reserved_identifier")
    if isinstance(node, exp.Table):
        _check_table(node)
    if isinstance(node, exp.Column) and (node.args.get("catalog")):
        raise PolicyError("not_allowed", _("column references with a catalog are not allowed"))
    if isinstance(node, exp.Interval) and node.args.get("unit") is None:
        # sqlglot reads `INTERVAL 1` as `INTERVAL '1'` (one second); DuckDB refuses it
        raise PolicyError("unread_text", _("an INTERVAL needs its unit (INTERVAL 1 DAY)"))
    if isinstance(node, exp.CTE) and node.args.get("materialized") is not None:
        raise PolicyError("not_allowed", _("MATERIALIZED hints are not allowed"))


def _check_args(node: exp.Expr) -> None:
    """Read every argument of the node: sub-expressions are walked by the caller; flags and
    numbers print as keywords and digits; any text must be one the gateway interprets, since
    the generator prints it back as it is (a type name sqlglot did not know, kept verbatim,
    was SQL again once DuckDB parsed the rewritten query)."""
    for key, value in node.args.items():
        if value is None or isinstance(value, bool | exp.Expr):
            continue
        if isinstance(node, exp.Anonymous) and key == "this":
            continue  # the function's name: `function_allowed` read it
        if isinstance(value, list):
            if all(isinstance(v, exp.Expr) for v in value):
                continue
            raise _unread(node)
        if isinstance(node, exp.DataType) and key == "this":
            if value not in ALLOWED_TYPES:
                raise PolicyError("unread_text", _("data type {type} is not allowed",
                                                   type=_type_name(value)))
            continue
        if isinstance(value, int) and not isinstance(value, Enum):
            continue
        if isinstance(value, str) and _text_allowed(node, key, value):
            continue
        raise _unread(node)


def _text_allowed(node: exp.Expr, key: str, text: str) -> bool:
    if isinstance(node, exp.Identifier) and key == "this":
        # quoted: printed quoted and escaped; unquoted: a plain word, as the tokenizer made it
        return node.quoted or re.fullmatch(r"\w+", text) is not None
    if isinstance(node, exp.Literal) and key == "this" and node.is_string:
        return True  # printed as a quoted, escaped string
    rule = TEXT_ARGS.get((type(node), key))
    if isinstance(rule, frozenset):
        return text.upper() in rule
    return rule is not None and re.fullmatch(rule, text) is not None


def _unread(node: exp.Expr) -> PolicyError:
    return PolicyError("unread_text", _("the query holds text in {construct} that the gateway "
                                         "cannot interpret", construct=_construct(node)))


def _type_name(kind: object) -> str:
    name = getattr(kind, "name", "")
    return "USER-DEFINED" if name == "USERDEFINED" or not re.fullmatch(r"\w{1,40}", name) \
        else name


def _check_table(table: exp.Table) -> None:
    """A table reference is a plain name, at most `schema.table`, with no modifiers."""
    if not isinstance(table.this, exp.Identifier):
        name = _function_name(table.this) if isinstance(table.this, exp.Func) else ""
        raise PolicyError(refused_function_code(name, default="not_allowed"),
                          _("table functions are not allowed"))
    extra = [k for k, v in table.args.items()
             if v and k not in ("this", "db", "catalog", "alias", "sample")]
    if extra:
        raise PolicyError("not_allowed", _("table modifiers ({modifiers}) are not allowed",
                                           modifiers=", ".join(sorted(extra))))


def _function_name(node: exp.Func) -> str:
    name = str(node.this) if isinstance(node, exp.Anonymous) else node.sql_name()
    return name.lower()[:64]


def _construct(node: exp.Expr) -> str:
    """A readable name for a refused construct (its SQL keyword where sqlglot has one)."""
    key = node.key.replace("_", " ").upper()
    return key[:40]
