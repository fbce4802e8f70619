"""Identity linkage exactly as docs/crosscheck.md says, in DuckDB over the source views.

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

__all__ = ["MENTIONS", "Mention", "create_linkage", "create_linked_view"]


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

# GB 11643 weights of positions 1-17 and their inverses modulo 11; the check character is
# _CODES[weighted sum mod 11]. Every weight is prime to 11, so for each position at most one
# digit makes the ID valid: one candidate per position instead of ten.
_WEIGHTS = ((1, 7, 8), (2, 9, 5), (3, 10, 10), (4, 5, 9), (5, 8, 7), (6, 4, 3), (7, 2, 6),
            (8, 1, 1), (9, 6, 2), (10, 3, 4), (11, 7, 8), (12, 9, 5), (13, 10, 10), (14, 5, 9),
            (15, 8, 7), (16, 4, 3), (17, 2, 6))
_CODES = "10X98765432"


def _invalid_rows(m: Mention) -> str:
    return (f"SELECT '{m.code}' AS resource, s._batch_id, s._record_no, {m.key_sql()} AS key, "
            f"s.{m.id_column} AS id, s.{m.name_column} AS name, "
            f"s.{m.name_column}_norm AS name_norm FROM s_{m.table} s "
            f"WHERE NOT s.{m.id_column}_valid")


def _cells() -> str:
    """Positions 1-17 of each distinct invalid 18-character ID: character, digit or not."""
    weights = ", ".join(f"({p}, {w}, {i})" for p, w, i in _WEIGHTS)
    return ("SELECT i.id, w.p, w.weight, w.inverse, substr(i.id, w.p, 1) AS ch, "
            "substr(i.id, w.p, 1) BETWEEN '0' AND '9' AS digit "
            "FROM (SELECT DISTINCT id FROM bad WHERE length(id) = 18) i, "
            f"(VALUES {weights}) w(p, weight, inverse)")


def _variants() -> str:
    """The IDs one edit away from each invalid ID that can be valid (GB 11643): per position
    1-17 the one digit that satisfies the check character, the right check character, and
    the 17 adjacent swaps (checked by the join with valid population IDs)."""
    value = "CASE WHEN digit THEN (ascii(ch) - 48) * weight ELSE 0 END"
    return (
        f"WITH cells AS ({_cells()}), "
        f"sums AS (SELECT id, CAST(sum({value}) AS BIGINT) AS total, "
        "count(*) FILTER (WHERE NOT digit) AS others, "
        f"strpos('{_CODES}', substr(id, 18, 1)) - 1 AS target FROM cells GROUP BY id), "
        # The digit d at position p with (total without p + d * weight) mod 11 = target.
        f"subst AS (SELECT c.id, c.p, ((s.target - s.total + {value}) % 11 + 11) % 11 "
        "* c.inverse % 11 AS d FROM cells c JOIN sums s USING (id) "
        "WHERE s.target >= 0 AND s.others = CASE WHEN c.digit THEN 0 ELSE 1 END) "
        "SELECT id, substr(id, 1, p - 1) || CAST(d AS VARCHAR) || substr(id, p + 1) AS v "
        "FROM subst WHERE d <= 9 "
        f"UNION ALL SELECT id, substr(id, 1, 17) || substr('{_CODES}', total % 11 + 1, 1) "
        "FROM sums WHERE others = 0 "
        "UNION ALL SELECT id, substr(id, 1, p - 1) || substr(id, p + 1, 1) || substr(id, p, 1) "
        "|| substr(id, p + 2) FROM (SELECT DISTINCT id FROM cells), range(1, 18) r(p)")


_REACH = (
    f"WITH variants AS ({_variants()}) "
    "SELECT v.id, count(DISTINCT p.id_number) AS candidates, "
    "min(p.id_number) AS candidate, min(p.name_norm) AS candidate_name "
    "FROM variants v JOIN s_ga_population p ON p.id_number = v.v "
    "WHERE v.v <> v.id AND p.id_number_valid GROUP BY v.id")


def create_linkage(con: duckdb.DuckDBPyConnection) -> None:
    """Create `bad` (every invalid mention), `reach` (population IDs within one edit of each
    invalid ID), `repaired` (id, name_norm → person) and a linked view `l_<table>` per
    mention, whose `_pid` is the person (NULL when unlinked) and `_link` how it was found."""
    con.execute("CREATE OR REPLACE TEMP TABLE bad AS "
                + " UNION ALL ".join(_invalid_rows(m) for m in MENTIONS))
    con.execute("CREATE OR REPLACE TEMP TABLE reach AS " + _REACH)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE repaired AS SELECT DISTINCT b.id, b.name_norm, "
        "r.candidate AS pid FROM bad b JOIN reach r USING (id) "
        "WHERE r.candidates = 1 AND r.candidate_name = b.name_norm")
    for m in MENTIONS:
        create_linked_view(con, m, f"s_{m.table}", f"l_{m.table}")


def create_linked_view(con: duckdb.DuckDBPyConnection, m: Mention, source: str,
                       name: str) -> None:
    """Create the view `name`: the rows of `source` with `_pid` (the person, NULL when
    unlinked) and `_link` (valid, repaired or unlinked), after `repaired` exists."""
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT s.*, "
        f"CASE WHEN s.{m.id_column}_valid THEN s.{m.id_column} ELSE rp.pid END AS _pid, "
        f"CASE WHEN s.{m.id_column}_valid THEN 'valid' WHEN rp.pid IS NOT NULL "
        f"THEN 'repaired' ELSE 'unlinked' END AS _link "
        f"FROM {source} s LEFT JOIN repaired rp "
        f"ON rp.id = s.{m.id_column} AND rp.name_norm = s.{m.name_column}_norm")
