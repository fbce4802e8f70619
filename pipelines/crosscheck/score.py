"""Accuracy of the cross-check against a generator's truth, per rule at (case_no, rule) level.

The truth is a CSV with at least the columns `case_no` and `rule` (one expected flag a row);
any city generator may write it. Precision = flagged and expected / flagged; recall = flagged
and expected / expected; a rule with nothing flagged and nothing expected scores 1.0.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import click
import duckdb

from catalog.i18n import _
from policies.crosscheck_config import RULE_NAMES

__all__ = ["RuleScore", "echo_score", "read_flag_pairs", "read_truth", "score"]


@dataclass(frozen=True)
class RuleScore:
    rule: str
    expected: int
    flagged: int
    true_positives: int
    false_positives: tuple[str, ...]  # case numbers flagged but not expected
    false_negatives: tuple[str, ...]  # case numbers expected but not flagged

    @property
    def precision(self) -> float:
        return self.true_positives / self.flagged if self.flagged else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.expected if self.expected else 1.0


def read_truth(path: Path) -> set[tuple[str, str]]:
    """(case_no, rule) pairs of a truth CSV (UTF-8, with or without BOM)."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = {"case_no", "rule"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(_("{path}: the truth needs the columns case_no and rule (missing: "
                               "{missing})", path=path, missing=", ".join(sorted(missing))))
        return {(row["case_no"].strip(), row["rule"].strip()) for row in reader}


def read_flag_pairs(flags_file: Path) -> set[tuple[str, str]]:
    """(case_no, rule) pairs of a flags Parquet file written by a run."""
    with duckdb.connect(config={"autoinstall_known_extensions": False,
                                "autoload_known_extensions": False}) as con:
        rows = con.execute("SELECT DISTINCT case_no, rule FROM read_parquet(?)",
                           [str(flags_file)]).fetchall()
    return {(c, r) for c, r in rows}


def score(flagged: set[tuple[str, str]], truth: set[tuple[str, str]]) -> list[RuleScore]:
    rules = list(RULE_NAMES) + sorted({r for _, r in flagged | truth} - set(RULE_NAMES))
    scores = []
    for rule in rules:
        mine = {c for c, r in flagged if r == rule}
        expected = {c for c, r in truth if r == rule}
        scores.append(RuleScore(rule, len(expected), len(mine), len(mine & expected),
                                tuple(sorted(mine - expected)), tuple(sorted(expected - mine))))
    return scores


def echo_score(scores: list[RuleScore], examples: int = 3) -> None:
    """Print a table of precision and recall per rule, then a few misses named."""
    from catalog.listing import echo_table

    rows = [(s.rule, s.expected, s.flagged, s.true_positives, f"{s.precision:.3f}",
             f"{s.recall:.3f}") for s in scores]
    total_tp = sum(s.true_positives for s in scores)
    total_flagged = sum(s.flagged for s in scores)
    total_expected = sum(s.expected for s in scores)
    rows.append((_("all"), total_expected, total_flagged, total_tp,
                 f"{(total_tp / total_flagged if total_flagged else 1.0):.3f}",
                 f"{(total_tp / total_expected if total_expected else 1.0):.3f}"))
    echo_table([_("rule"), _("expected"), _("flagged"), _("correct"), _("precision"),
                _("recall")], rows, "", right=frozenset(range(1, 6)))
    for s in scores:
        if s.false_positives:
            click.echo("  " + _("{rule}: flagged, not expected: {cases}", rule=s.rule,
                                cases=", ".join(s.false_positives[:examples])))
        if s.false_negatives:
            click.echo("  " + _("{rule}: expected, not flagged: {cases}", rule=s.rule,
                                cases=", ".join(s.false_negatives[:examples])))
