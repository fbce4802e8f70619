"""The cross-check's part of the demo summary: flags per rule, one example each."""

from __future__ import annotations

from catalog import HubSettings, Registry
from catalog.reviews import latest_run

__all__ = ["crosscheck_lines"]


def crosscheck_lines(settings: HubSettings, registry: Registry) -> list[str]:
    """Nothing before the first run; then flags per rule with an example reason each."""
    done = latest_run(registry)
    if done is None:
        return []
    import duckdb  # only once there is a run to summarise: `hub summary` starts without it

    lines = ["", f"Cross-check (社会救助数据比对) run {done.run_id}, reference month "
             f"{done.reference_month}: {done.rows} flags"]
    with duckdb.connect(config={"autoinstall_known_extensions": False,
                                "autoload_known_extensions": False}) as con:
        examples = dict(con.execute(
            "SELECT rule, case_no || '  ' || reason FROM read_parquet(?) "
            "QUALIFY row_number() OVER (PARTITION BY rule ORDER BY case_no, id_number) = 1",
            [done.flags_path]).fetchall())
    for rule, n in sorted(done.raised.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"  {rule:16} {n:>6}  e.g. {examples.get(rule, '')[:90]}")
    unlinked = sum(done.unlinked.values())
    if unlinked:
        per = ", ".join(f"{code} {n}" for code, n in done.unlinked.items())
        lines.append(f"  unlinked records reported to their departments: {unlinked} ({per})")
    return lines
