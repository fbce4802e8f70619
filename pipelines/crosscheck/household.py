"""Active cases and their households (shared/spec/crosscheck.md, "Household and identity").

A case is active when its 案件状态 is the configured active status in the current batch of
mz.recipients; its household is the set of persons mz.members lists for it (the applicant
included). A person listed twice for one case (say once with a typo that was repaired) is one
member.
"""

from __future__ import annotations

import duckdb

from policies.crosscheck_config import CrosscheckConfig

__all__ = ["create_households", "reference_month", "months_back"]


def reference_month(con: duckdb.DuckDBPyConnection) -> str | None:
    """M: the latest `period` present in the accepted batches of rs.social_insurance."""
    return con.execute("SELECT max(period) FROM hub.published.rs_social_insurance").fetchall()[0][0]


def months_back(month: str | None, count: int) -> list[str]:
    """`month` and the `count - 1` months before it, as YYYYMM (empty when there is no M)."""
    if month is None:
        return []
    index = int(month[:4]) * 12 + int(month[4:]) - 1
    return [f"{(index - k) // 12:04d}{(index - k) % 12 + 1:02d}" for k in range(count)]


def create_households(con: duckdb.DuckDBPyConnection, config: CrosscheckConfig) -> None:
    """Create `cases` (active cases, applicant linked), `hh` (every declared member row of an
    active case, linked) and `hp` (distinct linked persons per case)."""
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
