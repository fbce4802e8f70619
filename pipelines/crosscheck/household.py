"""Active cases and their households (docs/crosscheck.md, "Household and identity").

A case is active when its 案件状态 is the configured active status in the current batch of
mz.recipients; its household is the set of persons mz.members lists for it (the applicant
included). A person listed twice for one case (say once with a typo that was repaired) is one
member.
"""

from __future__ import annotations

import duckdb

from pipelines.crosscheck.linkage import MENTIONS, create_linked_view
from pipelines.crosscheck.sources import SourceInfo, create_focused_source
from policies.crosscheck_config import CrosscheckConfig

__all__ = ["create_households", "months_back", "reference_month"]

_HOUSEHOLD = ("mz.members", "mz.recipients")


def reference_month(con: duckdb.DuckDBPyConnection, batch_ids: list[str]) -> str | None:
    """M: the latest `period` present in the accepted batches of rs.social_insurance.

    Read from the batches' files (`history`), not the latest-row-per-key view: `period` is
    part of the key, so both hold the same periods, and the files need no window over
    millions of rows."""
    return con.execute("SELECT max(period) FROM hub.history.rs_social_insurance "
                       "WHERE list_contains($batches, _batch_id)",
                       {"batches": batch_ids}).fetchall()[0][0]


def months_back(month: str | None, count: int) -> list[str]:
    """`month` and the `count - 1` months before it, as YYYYMM (empty when there is no M)."""
    if month is None:
        return []
    index = int(month[:4]) * 12 + int(month[4:]) - 1
    return [f"{(index - k) // 12:04d}{(index - k) % 12 + 1:02d}" for k in range(count)]


def create_households(con: duckdb.DuckDBPyConnection, config: CrosscheckConfig,
                      infos: dict[str, SourceInfo]) -> None:
    """Create `cases` (active cases, applicant linked), `hh` (every declared member row of an
    active case, linked), `hp` (distinct linked persons per case) and, per other mention,
    `hl_<table>`: its linked rows that can belong to a household person."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE cases AS SELECT case_no, any_value(assistance_type) "
        "AS assistance_type, any_value(district_code) AS district_code, "
        "any_value(household_size) AS household_size, "
        "any_value(coalesce(_pid, applicant_id_number)) AS applicant_id, "
        "any_value(applicant_name) AS applicant_name "
        "FROM l_mz_recipients WHERE case_status = $active GROUP BY case_no",
        {"active": config.household.active_status})
    con.execute(
        "CREATE OR REPLACE TEMP TABLE hh AS SELECT m.case_no, m.member_id_number AS declared_id, "
        "m._pid AS pid, m._link AS link, m.member_name AS name, m.member_name_norm AS name_norm, "
        "m.relation, m._salvaged FROM l_mz_members m SEMI JOIN cases c USING (case_no)")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE hp AS SELECT case_no, pid, min(name) AS name, "
        "min(declared_id) AS declared_id FROM hh WHERE pid IS NOT NULL GROUP BY case_no, pid")
    _create_household_links(con, infos)


def _create_household_links(con: duckdb.DuckDBPyConnection,
                            infos: dict[str, SourceInfo]) -> None:
    """`hh_ids` holds every declared ID that links to a household person (its own, or a typo
    repaired to it); rules read only those rows, so an append resource dedupes a few
    thousand rows instead of every batch's millions (see `create_focused_source`)."""
    con.execute("CREATE OR REPLACE TEMP TABLE hh_ids AS SELECT pid AS id FROM hp "
                "UNION SELECT id FROM repaired SEMI JOIN hp USING (pid)")
    for m in MENTIONS:
        if m.code not in _HOUSEHOLD:
            focused = create_focused_source(con, infos[m.code], m.id_column, "hh_ids")
            create_linked_view(con, m, focused, f"hl_{m.table}")
