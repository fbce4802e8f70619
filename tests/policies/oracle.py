"""The fuzz oracle: run a query through the gateway and on the reference database, and judge.

An accepted query must return what the same text returns on the reference database (only
the permitted, masked, filtered data); anything else must be refused with a `PolicyError`.
Verdicts:
  match      accepted, same answer (as bags of rows; floats to 9 significant digits)
  refused    a `PolicyError` (`overrefused` too when the reference answered the query)
  leak       accepted, but a different answer, or one the reference cannot give (it fails
             to bind or run the text: the gateway read something the permitted data lacks)
  error      the gateway raised something other than `PolicyError`

Leaking queries are kept in `fixtures/gateway_leaks.sql` (one `-- leak: <why>` header line,
then the query text), appended and deduplicated, and replayed by the test suite.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import traceback
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import pyarrow as pa

from policies import PolicyError
from policies.connection import watchdog
from tests.policies.sqlvocab import INJECTED, LAKE, Generated

__all__ = ["LEAKS_FILE", "Tally", "Verdict", "append_leaks", "judge", "read_leaks"]

LEAKS_FILE = Path(__file__).parent / "fixtures" / "gateway_leaks.sql"
_HEADER = "-- leak:"
_REFERENCE_SECONDS = 20.0
# Engine errors that depend on which rows an expression meets (evaluation order can differ
# between the gateway's plan and the reference's), not on what the text may read.
_DATA_ERRORS = (duckdb.ConversionException, duckdb.OutOfRangeException,
                duckdb.InvalidInputException)


@dataclass(frozen=True)
class Verdict:
    outcome: str  # match | refused | leak | error
    code: str = ""  # the PolicyError code, or the exception type
    detail: str = ""
    overrefused: bool = False  # refused, though the reference answered it
    answer: pa.Table | None = field(default=None, repr=False, compare=False)
    reason: str = ""  # for a leak: why the reference disagrees (no values)
    found: tuple[str, ...] = ()  # for a leak: the kinds of secret seen in the answer

    def summary(self, hide: Mapping[str, str]) -> str:
        """One line for the regression file: what kind of finding, and why (no values)."""
        kind = f"DATA LEAK ({', '.join(self.found)})" if self.found else \
            "MISMATCH (no secret seen in the answer)"
        reason = self.reason
        for text, placeholder in hide.items():
            reason = reason.replace(text, placeholder)
        return f"{kind}; {reason}"[:300]


def judge(gateway: Callable[[str], pa.Table], reference: duckdb.DuckDBPyConnection,
          sql: str, *, exact: bool = True, secrets: Mapping[str, str] | None = None) -> Verdict:
    """The verdict on one query; `secrets` (value -> what it is) are values no permitted
    answer holds: a leak whose answer contains one is marked CONFIRMED with what it is."""
    verdict = _judge(gateway, reference, sql, exact)
    if verdict.outcome == "leak" and secrets and verdict.answer is not None:
        found = _secrets_in(verdict.answer, secrets, sql)
        if found:
            return replace(verdict, detail=f"CONFIRMED ({', '.join(found)}) {verdict.detail}",
                           found=tuple(found))
    return verdict


def _secrets_in(table: pa.Table, secrets: Mapping[str, str], sql: str) -> list[str]:
    # values only, and none the query itself spells out: a column name or a literal may echo
    # the query's own text (a path the analyst wrote)
    text = "\x00".join(repr(v) for row in table.slice(0, 10_000).to_pylist() for v in row.values())
    found = {what for value, what in secrets.items() if value in text and value not in sql}
    if INJECTED in {c.lower() for c in table.column_names}:
        found.add("injected SQL ran")
    return sorted(found)


def _judge(gateway: Callable[[str], pa.Table], reference: duckdb.DuckDBPyConnection,
           sql: str, exact: bool) -> Verdict:
    try:
        governed = gateway(sql)
    except PolicyError as error:
        return Verdict("refused", error.code, error.message, _reference_answers(reference, sql))
    except Exception as error:  # noqa: BLE001 - any other exception is a finding
        return Verdict("error", type(error).__name__,
                       "".join(traceback.format_exception_only(error)).strip()[:500])
    try:
        with watchdog(reference, _REFERENCE_SECONDS):
            expected = reference.sql(sql)
            expected = expected.to_arrow_table() if expected is not None else None
    except duckdb.Error as error:
        if isinstance(error, _DATA_ERRORS) and governed.num_rows == 0:
            return Verdict("match", detail="reference failed on a row the gateway filtered out")
        return Verdict("leak", type(error).__name__,
                       f"accepted ({governed.num_rows} rows: {_preview(governed)}); the reference "
                       f"cannot answer: {str(error).splitlines()[0][:200]}", answer=governed,
                       reason=f"accepted; the reference cannot run the text "
                              f"({type(error).__name__}: {str(error).splitlines()[0][:160]})")
    if expected is None:
        return Verdict("leak", "not_a_query", "accepted; the reference ran no query",
                       answer=governed, reason="accepted; the reference ran no query")
    if governed.num_columns != expected.num_columns or governed.num_rows != expected.num_rows:
        return Verdict("leak", "shape", f"gateway {governed.num_rows}x{governed.num_columns}"
                       f" {_preview(governed)}, reference {expected.num_rows}x"
                       f"{expected.num_columns} {_preview(expected)}", answer=governed,
                       reason="accepted; the answer's shape differs from the reference's")
    if exact and not _same_bag(governed, expected):
        return Verdict("leak", "values", f"gateway {_preview(governed)} reference "
                       f"{_preview(expected)}", answer=governed,
                       reason="accepted; the answer's values differ from the reference's")
    return Verdict("match")


def _reference_answers(reference: duckdb.DuckDBPyConnection, sql: str) -> bool:
    try:
        with watchdog(reference, _REFERENCE_SECONDS):
            result = reference.sql(sql)
            if result is not None:
                result.limit(1).fetchall()
        return result is not None
    except duckdb.Error:
        return False


def _preview(table: pa.Table) -> str:
    return repr(table.slice(0, 2).to_pylist())[:300]


def _norm(value):
    """A comparable form: floats (and decimals) to 9 significant digits, containers as tuples."""
    if isinstance(value, bool) or value is None or isinstance(value, str | bytes | int):
        return value
    if isinstance(value, float | decimal.Decimal):
        f = float(value)
        if math.isnan(f) or math.isinf(f) or f == 0:
            return f if f != 0 else 0.0
        return float(f"{f:.9g}")
    if isinstance(value, dict):
        return tuple((k, _norm(v)) for k, v in value.items())
    if isinstance(value, list | tuple):
        return tuple(_norm(v) for v in value)
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return value
    return repr(value)


def _bag(table: pa.Table) -> list[str]:
    return sorted(repr(tuple(_norm(v) for v in row.values())) for row in table.to_pylist())


def _same_bag(a: pa.Table, b: pa.Table) -> bool:
    if _bag(a) == _bag(b):
        return True
    # 9 digits can straddle a rounding boundary: compare row by row with a tolerance
    rows_a = sorted(a.to_pylist(), key=lambda r: repr(_coarse(list(r.values()))))
    rows_b = sorted(b.to_pylist(), key=lambda r: repr(_coarse(list(r.values()))))
    return all(_close(list(x.values()), list(y.values())) for x, y in zip(rows_a, rows_b))


def _coarse(value):
    if isinstance(value, float | decimal.Decimal) and not isinstance(value, bool):
        f = float(value)
        return f if math.isnan(f) or math.isinf(f) else float(f"{f:.5g}")
    if isinstance(value, list | tuple):
        return tuple(_coarse(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, _coarse(v)) for k, v in value.items())
    return value


def _close(a, b) -> bool:
    if isinstance(a, float | decimal.Decimal) and isinstance(b, float | decimal.Decimal):
        fa, fb = float(a), float(b)
        return (math.isnan(fa) and math.isnan(fb)) or math.isclose(fa, fb, rel_tol=1e-6,
                                                                   abs_tol=1e-9)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and _close(list(a.values()), list(b.values()))
    return a == b


@dataclass
class Tally:
    """Counts of a run: outcomes, refusal codes, and per construct how often it was refused
    (and over-refused: refused though the reference answered), so over-refusal is visible."""

    generated: int = 0
    outcomes: Counter = field(default_factory=Counter)
    codes: Counter = field(default_factory=Counter)
    by_tag: dict[str, Counter] = field(default_factory=dict)
    findings: list[tuple[str, Verdict]] = field(default_factory=list)

    def add(self, generated: Generated, verdict: Verdict) -> None:
        self.generated += 1
        self.outcomes[verdict.outcome] += 1
        if verdict.outcome == "refused":
            self.codes[verdict.code] += 1
        for tag in generated.tags | {"(all)"}:
            counts = self.by_tag.setdefault(tag, Counter())
            counts["n"] += 1
            counts[verdict.outcome] += 1
            counts["overrefused"] += verdict.overrefused
        if verdict.outcome in ("leak", "error"):
            self.findings.append((generated.sql, verdict))

    def report(self, top: int = 40) -> str:
        lines = [f"generated {self.generated}",
                 "outcomes  " + ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items())),
                 "refused by code  " + ", ".join(f"{k} {v}" for k, v in self.codes.most_common()),
                 f"leaks found {self.outcomes['leak']}, errors {self.outcomes['error']}",
                 "", f"{'construct':44} {'n':>6} {'refused':>8} {'over':>6} {'leak':>5}"]
        rows = sorted(self.by_tag.items(), key=lambda kv: -kv[1]["n"])
        for tag, c in rows[:top] + [r for r in rows[top:] if r[1]["leak"] or r[1]["error"]]:
            lines.append(f"{tag[:44]:44} {c['n']:6} {c['refused'] / c['n']:8.0%} "
                         f"{c['overrefused'] / c['n']:6.0%} {c['leak']:5}")
        return "\n".join(lines)


def read_leaks(path: Path = LEAKS_FILE) -> list[tuple[str, str]]:
    """(why, query text) of every query in the regression file."""
    if not path.exists():
        return []
    entries: list[tuple[str, list[str]]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(_HEADER):
            entries.append((line[len(_HEADER):].strip(), []))
        elif entries:
            entries[-1][1].append(line)
    return [(why, "\n".join(lines).strip()) for why, lines in entries if "\n".join(lines).strip()]


def append_leaks(found: list[tuple[str, str]], path: Path = LEAKS_FILE) -> int:
    """Append (why, query) pairs not yet in the file; returns how many were new. Queries keep
    the `@LAKE@` placeholder for the lake's directory."""
    known = {sql for _, sql in read_leaks(path)}
    new = []
    for why, sql in found:
        sql = sql.strip()
        if sql not in known and _HEADER not in sql:
            known.add(sql)
            new.append(f"{_HEADER} {' '.join(why.split())[:300]}\n{sql}\n")
    if new:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.write_text("-- Every query the gateway fuzzer (bench/gateway_fuzz.py, "
                            "tests/policies/test_gateway_fuzz.py) found leaking.\n-- Replayed by "
                            "test_gateway_fuzz.py: each must be refused or match the reference. "
                            f"{LAKE} stands for the lake's directory.\n\n", encoding="utf-8")
        with path.open("a", encoding="utf-8") as out:
            out.write("\n".join(new) + "\n")
    return len(new)
