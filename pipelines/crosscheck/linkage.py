"""Identity linkage exactly as shared/spec/crosscheck.md says, in DuckDB over the source views.

A record is linked by its standardised `id_number` when that is valid (GB 11643 check
character). An invalid one is repaired only when exactly one valid population ID lies one
substituted character or one adjacent swap away and that person's normalised name equals the
record's; otherwise the record stays unlinked and is reported to its department. Names and
birth dates never link anyone; co-owner IDs (no name beside them) are never repaired.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from catalog import resource

__all__ = ["MENTIONS", "Mention", "create_linkage"]


@dataclass(frozen=True)
class Mention:
    """Where a resource names a person: its ID column and the name beside it."""

    code: str
    id_column: str
    name_column: str

    @property
    def table(self) -> str:
        return resource(self.code).table

    def key_sql(self, alias: str = "s") -> str:
        """The record's catalog key as one text, e.g. a plate number or `case/id`."""
        parts = [f"coalesce(CAST({alias}.{k} AS VARCHAR), '')" for k in resource(self.code).key]
        return " || '/' || ".join(parts)


MENTIONS: tuple[Mention, ...] = (
    Mention("mz.members", "member_id_number", "member_name"),
    Mention("mz.recipients", "applicant_id_number", "applicant_name"),
    Mention("wj.deaths", "id_number", "name"),
    Mention("rs.social_insurance", "id_number", "name"),
    Mention("rs.pensions", "id_number", "name"),
    Mention("ga.vehicles", "owner_id_number", "owner_name"),
    Mention("zr.real_estate", "owner_id_number", "owner_name"),
    Mention("sj.enterprises", "legal_rep_id_number", "legal_rep_name"),
    Mention("gjj.deposits", "id_number", "name"),
)

_DIGITS = "['0','1','2','3','4','5','6','7','8','9']"
_CHECK = "['0','1','2','3','4','5','6','7','8','9','X']"


def _invalid_rows(m: Mention) -> str:
    return (f"SELECT '{m.code}' AS resource, s._batch_id, s._record_no, {m.key_sql()} AS key, "
            f"s.{m.id_column} AS id, s.{m.name_column} AS name, "
            f"s.{m.name_column}_norm AS name_norm FROM s_{m.table} s "
            f"WHERE NOT s.{m.id_column}_valid")


def create_linkage(con: duckdb.DuckDBPyConnection) -> None:
    """Create `bad` (every invalid mention), `reach` (population IDs within one edit of each
    invalid ID), `repaired` (id, name_norm → person) and a linked view `l_<table>` per
    mention, whose `_pid` is the person (NULL when unlinked) and `_link` how it was found."""
    con.execute("CREATE OR REPLACE TEMP TABLE bad AS "
                + " UNION ALL ".join(_invalid_rows(m) for m in MENTIONS))
    # One substituted digit in positions 1-17 or check character in 18, or one adjacent swap:
    # the only edits that can turn an 18-character string into another valid ID number.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE reach AS "
        "WITH ids AS (SELECT DISTINCT id FROM bad WHERE length(id) = 18), variants AS ("
        f"SELECT id, substr(id, 1, p - 1) || d || substr(id, p + 1) AS v "
        f"FROM ids, range(1, 18) r(p), (SELECT unnest({_DIGITS}) AS d) "
        f"UNION ALL SELECT id, substr(id, 1, 17) || d FROM ids, (SELECT unnest({_CHECK}) AS d) "
        "UNION ALL SELECT id, substr(id, 1, p - 1) || substr(id, p + 1, 1) || substr(id, p, 1) "
        "|| substr(id, p + 2) FROM ids, range(1, 18) r(p)) "
        "SELECT v.id, count(DISTINCT p.id_number) AS candidates, "
        "min(p.id_number) AS candidate, min(p.name_norm) AS candidate_name "
        "FROM variants v JOIN s_ga_population p ON p.id_number = v.v "
        "WHERE v.v <> v.id AND p.id_number_valid GROUP BY v.id")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE repaired AS SELECT DISTINCT b.id, b.name_norm, "
        "r.candidate AS pid FROM bad b JOIN reach r USING (id) "
        "WHERE r.candidates = 1 AND r.candidate_name = b.name_norm")
    for m in MENTIONS:
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW l_{m.table} AS SELECT s.*, "
            f"CASE WHEN s.{m.id_column}_valid THEN s.{m.id_column} ELSE rp.pid END AS _pid, "
            f"CASE WHEN s.{m.id_column}_valid THEN 'valid' WHEN rp.pid IS NOT NULL "
            f"THEN 'repaired' ELSE 'unlinked' END AS _link "
            f"FROM s_{m.table} s LEFT JOIN repaired rp "
            f"ON rp.id = s.{m.id_column} AND rp.name_norm = s.{m.name_column}_norm")
