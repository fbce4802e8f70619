"""The cross-check's part of the demo summary: flags per rule, one example each."""

from __future__ import annotations

import click

from catalog import HubSettings, Registry
from catalog.i18n import _
from catalog.listing import echo_table
from catalog.reviews import latest_run

__all__ = ["echo_crosscheck"]


def echo_crosscheck(settings: HubSettings, registry: Registry) -> None:
    """Nothing before the first run; then flags per rule with an example reason each."""
    done = latest_run(registry)
    if done is None:
        return
    import duckdb  # only once there is a run to summarise: `hub summary` starts without it

    click.echo("")
    click.echo(_("Cross-check (社会救助数据比对) run {run}, reference month {month}: {n} flags",
                 run=done.run_id, month=done.reference_month, n=done.rows))
    with duckdb.connect(config={"autoinstall_known_extensions": False,
                                "autoload_known_extensions": False}) as con:
        examples = dict(con.execute(
            "SELECT rule, case_no || '  ' || reason FROM read_parquet(?) "
            "QUALIFY row_number() OVER (PARTITION BY rule ORDER BY case_no, id_number) = 1",
            [done.flags_path]).fetchall())
    echo_table([_("rule"), _("flags"), _("example")],
               [(rule, n, _("e.g. {example}", example=examples.get(rule, "")[:90]))
                for rule, n in sorted(done.raised.items(), key=lambda kv: (-kv[1], kv[0]))],
               "", right=frozenset({1}))
    unlinked = sum(done.unlinked.values())
    if unlinked:
        per = ", ".join(f"{code} {n}" for code, n in done.unlinked.items())
        click.echo(_("unlinked records reported to their departments: {n} ({per})", n=unlinked,
                     per=per))
