"""The enforcement engine: every surface (SQL gateway, extracts, query and verify orders) goes
through `plan` + `execute`, `extract` or `verify`, so one policy applies everywhere.

`plan` checks and rewrites without touching data (sub-millisecond to a few ms); `execute`
runs the rewritten query on a fresh locked connection under a watchdog, reading each protected
table from the grant's materialised snapshot of its masked form where a current one exists
(`policies.snapshots`), inline otherwise.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa
from sqlglot import exp
from sqlglot.errors import ErrorLevel, UnsupportedError

from catalog import HubSettings, Role, resource
from catalog.i18n import _
from policies.binding import Binding, bind, bind_grant
from policies.checker import check_query, parse_query
from policies.errors import PolicyError
from policies.grants import Grant, GrantMode
from policies.masks import token_keys
from policies.parsecheck import check_engine_parse, protected_reads
from policies.policy import Decision, Outcome, Policy, default_policy
from policies.principal import Principal
from policies.rewrite import (
    GatewayDuckDB,
    RewriteContext,
    check_aggregate_shape,
    masked_select,
    read_snapshots,
    rewrite,
)
from policies.sources import classify_tables

if TYPE_CHECKING:
    from pipelines.spark_engine import SparkEngine

__all__ = ["GovernedQuery", "binding_query", "execute", "extract", "plan", "stream_binding",
           "verify"]

_BATCH_ROWS = 65_536


@dataclass(frozen=True)
class GovernedQuery:
    """A checked, rewritten query: what to run and everything an audit entry records."""

    original_sql: str
    sql: str
    policy_version: str
    principal: Principal
    grants: tuple[Grant, ...]
    resources: tuple[str, ...]
    items: Mapping[str, tuple[str, ...]]  # resource code -> data items exposed to the query
    decisions: Mapping[str, tuple[Decision, ...]]  # resource code -> every item's decision
    aggregate: bool
    plan_ms: float
    key_names: Mapping[str, str] = field(repr=False)  # token key name -> grant id
    tables: tuple[str, ...] = field(repr=False)
    bindings: tuple[Binding, ...] = field(repr=False, compare=False)
    tree: exp.Query = field(repr=False, compare=False)  # `sql` as rewritten (snapshot reads)

    @property
    def grant_ids(self) -> tuple[str, ...]:
        return tuple(g.id for g in self.grants)


def plan(principal: Principal, grants: Sequence[Grant], sql: str, *,
         settings: HubSettings, grant_ids: Sequence[str] | None = None,
         policy: Policy | None = None, at: datetime | None = None) -> GovernedQuery:
    """Check `sql` against the allowlist and the principal's grants and rewrite it so that it
    reads only masked, filtered rows. Raises `PolicyError`; touches no data."""
    started = time.perf_counter()
    policy = policy or default_policy()
    query = parse_query(sql, max_chars=settings.gateway_max_query_chars,
                        max_depth=settings.gateway_max_depth)
    check_query(query, max_depth=settings.gateway_max_depth)
    refs = classify_tables(query)
    if not refs.resources:  # nothing to authorise against: nothing to run
        raise PolicyError("no_grant", _("the query reads no published table"))
    bindings = bind(principal, grants, refs.resources, policy, at or datetime.now(UTC),
                    grant_ids)
    by_code = {b.resource.code: b for b in bindings}
    if any(b.aggregate for b in bindings):
        check_aggregate_shape(query, refs)
    rewritten = rewrite(query, RewriteContext(refs, by_code, settings.min_group_size))
    final = _generated(rewritten)
    check_engine_parse(final, protected_reads(rewritten))
    return GovernedQuery(
        original_sql=sql,
        sql=final,
        policy_version=policy.version,
        principal=principal,
        grants=tuple(b.grant for b in bindings),
        resources=tuple(by_code),
        items={code: b.exposed_items() for code, b in by_code.items()},
        decisions={code: b.decisions for code, b in by_code.items()},
        aggregate=any(b.aggregate for b in bindings),
        plan_ms=(time.perf_counter() - started) * 1000,
        key_names={b.key_name: b.grant.id for b in bindings
                   if any(d.outcome is Outcome.TOKEN for d in b.decisions)},
        tables=tuple(b.resource.table for b in bindings),
        bindings=tuple(bindings),
        tree=rewritten,
    )


def _generated(tree: exp.Expr) -> str:
    """The SQL that runs. Where sqlglot cannot say something in DuckDB it would drop it with a
    warning (an argument, `approx_count_distinct(x, 0.01)`'s accuracy): refused instead, since
    the answer would not be to the query as written."""
    try:
        return tree.sql(dialect=GatewayDuckDB, unsupported_level=ErrorLevel.RAISE)
    except UnsupportedError:
        raise PolicyError("unread_text", _("the query uses an argument or form the gateway "
                                           "cannot pass on as written")) from None


def _identifiers(sql: str) -> frozenset[str]:
    try:
        return frozenset(i.name.lower() for i in exp.maybe_parse(sql, dialect="duckdb")
                         .find_all(exp.Identifier))
    except Exception:  # noqa: BLE001 (a query sqlglot cannot parse names no identifiers)
        return frozenset()


def execute(settings: HubSettings, governed: GovernedQuery) -> pa.Table:
    """Run a planned query: fresh read-only connection, limits, watchdog. Protected tables
    with a current snapshot for their grant are read from it; with `gateway_snapshots=auto`
    a missing one is built in the background for the next query. At most
    `gateway_max_rows` rows come back; a larger result is refused, never silently cut."""
    from policies.builds import schedule
    from policies.connection import gateway_connection, sanitised
    from policies.snapshots import Resolution, prepare_views

    found, prepare = Resolution(), None
    if settings.gateway_snapshots != "off" and governed.bindings:
        prepare = partial(prepare_views, settings=settings, bindings=governed.bindings,
                          policy_version=governed.policy_version, into=found)
    with gateway_connection(settings, governed.tables, prepare=prepare, tokens=governed.key_names,
                            timeout=settings.gateway_timeout_seconds) as con:
        try:
            if not found.reads:
                table = _fetch(con, governed.sql, settings)
            else:
                tree = read_snapshots(governed.tree, found.reads)
                sql = _generated(tree)
                check_engine_parse(sql, protected_reads(tree))
                try:
                    table = _fetch(con, sql, settings)
                except (duckdb.IOException, duckdb.PermissionException):
                    # a snapshot deleted since its view was made (superseded or revoked)
                    table = _fetch(con, governed.sql, settings)
        except duckdb.Error as error:
            raise sanitised(error, _identifiers(governed.original_sql)) from None
    if settings.gateway_snapshots == "auto" and found.missing:
        schedule(settings, found.missing, governed.policy_version)
    return table


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, settings: HubSettings) -> pa.Table:
    """The result, batch by batch, refused as soon as it has too many rows or bytes (a huge
    string is refused here, before the API would hold and encode it again)."""
    limit, max_bytes = settings.gateway_max_rows, settings.gateway_max_result_bytes
    reader = con.sql(sql).to_arrow_reader(_BATCH_ROWS)
    batches, rows, size = [], 0, 0
    for batch in reader:
        batches.append(batch)
        rows += batch.num_rows
        size += batch.nbytes
        if rows > limit:
            raise PolicyError("too_many_rows", _("the result has more than {limit} rows; "
                                                 "aggregate or add LIMIT", limit=limit))
        if size > max_bytes:
            raise PolicyError("too_large", _("the result is larger than {max_bytes} bytes",
                                             max_bytes=max_bytes))
    return pa.Table.from_batches(batches, schema=reader.schema)


def _default_principal(grant: Grant) -> Principal:
    """The grantee acting as its department's requester (the sharing API checked the caller)."""
    return Principal(subject=grant.subject or f"department:{grant.department}",
                     department=grant.department, roles=frozenset({Role.REQUESTER.value}))


def _grant_binding(grant: Grant, mode: GrantMode, principal: Principal | None,
                   policy: Policy | None) -> Binding:
    if grant.mode is not mode:
        raise PolicyError("denied", _("a {grant_mode} grant cannot be used for {mode}",
                                      grant_mode=grant.mode, mode=mode))
    if not grant.is_usable():
        raise PolicyError("grant_inactive")
    principal = principal or _default_principal(grant)
    if not grant.covers(principal.department, principal.subject):
        raise PolicyError("no_grant", _("the grant is not the caller's"))
    return bind_grant(principal, grant, resource(grant.resource_code),
                      policy or default_policy())


def extract(settings: HubSettings, grant: Grant, *, principal: Principal | None = None,
            policy: Policy | None = None, engine: SparkEngine | None = None
            ) -> pa.RecordBatchReader:
    """The grant's rows, masked and filtered, streamed in batches (an extract order). Tokens
    use the grant's key: two extracts of one grant join, extracts of two grants do not.
    With `engine` (a prepared extract's run with `HUB_ENGINE=spark`) they are computed on
    Spark, tokens on the driver (`policies.sparkforms`)."""
    binding = _grant_binding(grant, GrantMode.EXTRACT, principal, policy)
    if engine is None:
        return stream_binding(settings, binding)
    from policies.connection import gateway_connection
    from policies.sparkforms import spark_form

    select = masked_select(binding)
    keys = token_keys(select, {binding.key_name: binding.grant.id})
    with gateway_connection(settings, [binding.resource.table], tokens=keys) as con:
        table = spark_form(engine, con, settings, select, keys)
    return table.to_reader(_BATCH_ROWS)


def binding_query(binding: Binding,
                  columns: Sequence[str] | None = None) -> tuple[str, dict[str, str]]:
    """The SQL of the binding's masked, filtered rows and the token keys it uses (key name ->
    grant id): the same pair reads the same rows of the same published data. `columns` keeps
    only these of the masked columns (open data publishes its items, not the lake's lineage
    and originals)."""
    select = masked_select(binding)
    keys = token_keys(select, {binding.key_name: binding.grant.id})
    if columns is not None:
        select = exp.select(*[exp.column(c, "m", quoted=True) for c in columns]).from_(
            select.subquery("m"))
    return select.sql(dialect="duckdb"), keys


def stream_binding(settings: HubSettings, binding: Binding,
                   columns: Sequence[str] | None = None) -> pa.RecordBatchReader:
    """The binding's masked, filtered rows (only `columns` of them, if given), streamed in
    batches from a locked connection that closes when the stream is exhausted or closed
    (extracts and open data)."""
    from policies.connection import gateway_connection, sanitised

    sql, keys = binding_query(binding, columns)
    stack = ExitStack()
    try:
        con = stack.enter_context(gateway_connection(settings, [binding.resource.table],
                                                     tokens=keys))
        reader = con.sql(sql).to_arrow_reader(_BATCH_ROWS)
    except duckdb.Error as error:
        stack.close()
        raise sanitised(error, frozenset()) from None
    except BaseException:
        stack.close()
        raise

    def batches() -> Iterator[pa.RecordBatch]:
        with stack:
            yield from reader

    return pa.RecordBatchReader.from_batches(reader.schema, batches())


def verify(settings: HubSettings, grant: Grant, records: Sequence[Mapping[str, object]], *,
           principal: Principal | None = None, policy: Policy | None = None) -> list[bool]:
    """For each record (granted items -> values), whether a published row within the grant's
    filters holds exactly those values (身份核验, 车辆核验). Values are compared as delivered
    and standardised, not masked; only yes/no answers leave."""
    from policies.connection import gateway_connection, sanitised

    binding = _grant_binding(grant, GrantMode.VERIFY, principal, policy)
    keys = sorted({k for r in records for k in r})
    if not records or not keys or any(k not in grant.items for k in keys):
        raise PolicyError("invalid_query", _("records must name granted data items only"))
    compare = replace(binding, decisions=tuple(
        Decision(d.item, Outcome.VISIBLE if d.item in keys else Outcome.ABSENT, "verify-compare")
        for d in binding.decisions))
    probes = pa.Table.from_pylist(
        [{"__hub_probe": n, **{k: None if r.get(k) is None else str(r[k]) for k in keys}}
         for n, r in enumerate(records)])
    condition = exp.and_(*[
        exp.Cast(this=exp.column(k, "t", quoted=True), to=exp.DataType.build("VARCHAR"))
        .eq(exp.column(k, "p", quoted=True)) for k in keys])
    inner = exp.select("1").from_(masked_select(compare).subquery("t")).where(condition)
    matched = (exp.select(exp.column("__hub_probe", "p"))
               .from_(exp.to_table("__hub_probes").as_("p"))
               .where(exp.Exists(this=inner)))
    with gateway_connection(settings, [binding.resource.table],
                            timeout=settings.gateway_timeout_seconds) as con:
        try:
            con.register("__hub_probes", probes)
            hits = {row[0] for row in con.execute(matched.sql(dialect="duckdb")).fetchall()}
        except duckdb.Error as error:
            raise sanitised(error, frozenset()) from None
    return [n in hits for n in range(len(records))]
