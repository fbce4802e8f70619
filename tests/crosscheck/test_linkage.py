"""The repair search finds exactly the valid IDs one substitution or one adjacent swap away."""

from __future__ import annotations

import random

import duckdb

from catalog.identifiers import is_valid_id
from pipelines.crosscheck.linkage import _REACH
from tests.crosscheck.minilake import make_id


def _one_edit(id_number: str) -> set[str]:
    """Every string one substituted character (digits, or 0-9X last) or one swap away."""
    found = set()
    for p in range(18):
        for c in "0123456789X" if p == 17 else "0123456789":
            found.add(id_number[:p] + c + id_number[p + 1:])
    for p in range(17):
        found.add(id_number[:p] + id_number[p + 1] + id_number[p] + id_number[p + 2:])
    return found - {id_number}


def _typos(ids: list[str], rng: random.Random) -> list[str]:
    """Invalid IDs near the population: substitutions, swaps, a letter, a lowercase x."""
    out = []
    for i in ids:
        p = rng.randrange(17)
        out.append(i[:p] + str((int(i[p]) + rng.randrange(1, 10)) % 10) + i[p + 1:])
        out.append(i[:p] + i[p + 1] + i[p] + i[p + 2:])
        out.append(i[:p] + "O" + i[p + 1:])
        out.append(i[:17] + "x")
    return [t for t in out if not is_valid_id(t)]


def test_reach_equals_brute_force_over_every_one_edit_variant():
    rng = random.Random(11)
    people = [make_id("441302", f"19{rng.randrange(40, 99)}0{rng.randrange(1, 10)}1"
                      f"{rng.randrange(0, 10)}", rng.randrange(1000)) for _ in range(400)]
    # Dense IDs (consecutive sequence numbers) make ambiguous typos with two candidates.
    people += [make_id("441303", "19800101", seq) for seq in range(300)]
    people = sorted(set(people))
    bad = sorted(set(_typos(people, rng)))
    with duckdb.connect() as con:
        con.execute("CREATE TEMP TABLE bad AS SELECT unnest($ids) AS id", {"ids": bad})
        con.execute("CREATE TEMP TABLE s_ga_population AS SELECT unnest($ids) AS id_number, "
                    "true AS id_number_valid, 'n' AS name_norm", {"ids": people})
        got = {r[0]: (r[1], r[2]) for r in con.execute(
            f"SELECT id, candidates, candidate FROM ({_REACH})").fetchall()}
    valid = set(people)
    expected = {}
    for b in bad:
        near = sorted(_one_edit(b) & valid)
        if near:
            expected[b] = (len(near), near[0])
    assert any(n > 1 for n, _ in expected.values())
    assert got == expected
