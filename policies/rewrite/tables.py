"""Rule: replace every read of a published table by its masked, filtered form.

The replacement is a subquery that selects only what the binding exposes — visible items as
they are, masked items as tokens or display masks, nothing else — from rows the filters let
through. It stands where the table stood, under the same name, so everything else in the
query (aliases, joins, predicates, grouping, windows, set operations) sees only that form.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

from sqlglot import exp

from catalog import DataItem, ItemType, Resource, resource
from catalog.analystdb import LINEAGE_COLUMNS
from policies.binding import Binding
from policies.masks import display_mask, token_expression
from policies.policy import Decision, Outcome
from policies.rewrite.context import CATALOG_ALIAS, PROTECTED_META, RewriteContext
from policies.sources import PUBLISHED_SCHEMA

__all__ = ["PERSON_COLUMN", "ProtectedRead", "masked_columns", "masked_select", "masked_sql",
           "protect_tables", "read_snapshots"]

PERSON_COLUMN = "__hub_person"


class ProtectedRead(exp.Expression):
    """A protected read in the rewritten tree: `this` is the masked subquery's SQL, generated
    once per binding from the expression tree and cached (the parser never makes this node);
    `code` is the resource read."""

    arg_types = {"this": True, "alias": False, "code": False, "sample": False}


def protect_tables(query: exp.Query, context: RewriteContext) -> exp.Query:
    for table, declared in context.refs.protected:
        binding = context.bindings[declared.code]
        alias = table.args.get("alias") or exp.TableAlias(this=exp.to_identifier(table.name))
        read = ProtectedRead(this=masked_sql(binding), alias=alias.copy(), code=declared.code,
                             sample=table.args.get("sample"))
        read.meta[PROTECTED_META] = True
        table.replace(read)
    return query


def read_snapshots(query: exp.Query, views: Mapping[str, str]) -> exp.Query:
    """A copy of a rewritten query whose protected reads of the resources in `views` (code ->
    view name) read that view: a materialised snapshot of exactly the same masked form."""
    query = query.copy()
    for read in list(query.find_all(ProtectedRead)):
        view = views.get(read.args.get("code"))
        if view is not None:
            read.set("this", _select_all(view))
    return query


@functools.lru_cache(maxsize=64)
def _select_all(view: str) -> str:
    return exp.select("*").from_(exp.to_table(view)).sql(dialect="duckdb")


def masked_sql(binding: Binding) -> str:
    """The masked subquery of a binding as DuckDB SQL (cached with the tree)."""
    person = binding.person_column() if binding.aggregate else None
    return _masked_sql(binding.resource.code, binding.decisions, binding.row_filter,
                       binding.key_name, person)


@functools.lru_cache(maxsize=256)
def _masked_sql(*key) -> str:
    return _masked_select(*key).sql(dialect="duckdb")


def masked_select(binding: Binding) -> exp.Select:
    """`SELECT <exposed columns> FROM hub.published.<table> WHERE <row filters>` (a fresh copy:
    the form is built once per binding and reused, since plans repeat the same reads)."""
    person = binding.person_column() if binding.aggregate else None
    return _masked_select(binding.resource.code, binding.decisions, binding.row_filter,
                          binding.key_name, person).copy()


@functools.lru_cache(maxsize=256)
def _masked_select(code: str, decisions: tuple[Decision, ...],
                   row_filter: tuple[tuple[str, tuple[str, ...]], ...], key_name: str,
                   person: str | None) -> exp.Select:
    declared = resource(code)
    source = exp.Table(this=exp.to_identifier(declared.table),
                       db=exp.to_identifier(PUBLISHED_SCHEMA),
                       catalog=exp.to_identifier(CATALOG_ALIAS))
    source.meta[PROTECTED_META] = True
    columns = [expression if isinstance(expression, exp.Column) and expression.name == name
               else exp.alias_(expression, name, quoted=True)
               for name, expression in masked_columns(declared, decisions, key_name)]
    if person is not None:
        columns.append(exp.alias_(exp.column(person, quoted=True), PERSON_COLUMN))
    select = exp.select(*columns).from_(source)
    for item, values in row_filter:
        column = exp.column(item, quoted=True)
        condition = (column.isin(*[exp.Literal.string(v) for v in values]) if values
                     else exp.false())
        select = select.where(condition)
    return select


def masked_columns(declared: Resource, decisions: tuple[Decision, ...],
                   key_name: str) -> list[tuple[str, exp.Expr]]:
    """(output name, expression) of every column the decisions expose, in lake order."""
    out: list[tuple[str, exp.Expr]] = [(c, exp.column(c, quoted=True)) for c in LINEAGE_COLUMNS]
    for decision in decisions:
        out += _item_columns(declared.item(decision.item), decision.outcome, key_name)
    return out


def _item_columns(item: DataItem, outcome: Outcome, key_name: str) -> list[tuple[str, exp.Expr]]:
    if outcome is Outcome.ABSENT:
        return []
    names = list(item.lake_columns())  # name, name_orig, [name_valid | name_norm]
    if outcome is Outcome.VISIBLE:
        return [(n, exp.column(n, quoted=True)) for n in names]
    column = exp.column(item.name, quoted=True)
    out: list[tuple[str, exp.Expr]] = []
    if outcome is Outcome.TOKEN:
        out.append((item.name, token_expression(column, key_name,
                                                is_list=item.type is ItemType.ID_LIST)))
        if item.type is ItemType.NAME:  # the normalised name, tokenised: matches within a grant
            norm = f"{item.name}_norm"
            out.append((norm, token_expression(exp.column(norm, quoted=True), key_name)))
    else:
        out.append((item.name, display_mask(item.sensitivity.value, column)))
    if item.type is ItemType.ID_NUMBER:  # validity (GB 11643 check) reveals no digit
        valid = f"{item.name}_valid"
        out.append((valid, exp.column(valid, quoted=True)))
    return out
