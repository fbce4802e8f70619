"""The quality gate's blocking checks judged from what the standardisation pass counted.

Issue 18: the gate used to validate every candidate batch's accepted file again with Great
Expectations (23 s of the 1 M-person job on a loaded machine). The blocking checks need only
counts — rows, each item's NULLs, the rows beyond the first of a repeated key — which the pass
that writes the file counts as it goes (`catalog.lake.PASS_COUNTS`). A check
the pass did not count (an extension's, say) sends the batch back to Great Expectations, which
stays the validator of every published version (its results, Data Docs and scores).
"""

from __future__ import annotations

import json
from pathlib import Path

import great_expectations as gx
from great_expectations.expectations.expectation import Expectation

from catalog import HubSettings, Load, Resource
from catalog.current import recorded_recurring_keys
from catalog.lake import PASS_COUNTS
from quality.expectations import ExpectKeyToBeUnique
from quality.runner import CheckOutcome, ValidationOutcome
from quality.tagging import describe_check, is_blocking

__all__ = ["counted_key_duplicates", "folded_outcome"]


def counted_key_duplicates(settings: HubSettings, resource: Resource, files: list[Path],
                           checked: list[Path]) -> int | None:
    """The rows beyond the first of a repeated key among the current rows (`checked`, read
    from the published batches' accepted `files`), from what was counted when they were
    written; None when nothing counted exactly these rows.

    One batch: its pass counts. Several batches of an append resource: publishing decided
    whether a key recurs across them (`catalog.current`); if none does, no key repeats, and if
    one does, the current rows are the newest row of each key, written once per key."""
    if resource.load is Load.APPEND and len(files) > 1:
        if checked != files:
            return 0
        return 0 if recorded_recurring_keys(settings, resource, files) == 0 else None
    if len(files) != 1 or checked != files:
        return None
    counts_file = files[0].parent / PASS_COUNTS
    if not counts_file.is_file():
        return None
    counts = json.loads(counts_file.read_text())
    return counts["key_duplicates"] if counts.get("key") == list(resource.key) else None


def folded_outcome(resource: Resource, suite: gx.ExpectationSuite,
                   accepted: Path) -> ValidationOutcome | None:
    """The suite's verdicts from the batch's pass counts, as Great Expectations would report
    them; None when the counts are missing or a check needs more than counts."""
    counts_file = accepted.parent / PASS_COUNTS
    if not counts_file.is_file():
        return None  # a batch standardised before the counts were kept
    counts = json.loads(counts_file.read_text())
    checks = []
    for expectation in suite.expectations:
        verdict = _judge(expectation, counts)
        if verdict is None:
            return None
        success, checked, unexpected = verdict
        name, rule, item, dimension = describe_check(expectation)
        description = expectation.description or expectation.expectation_type
        checks.append(CheckOutcome(
            name=name, rule=rule, item=item, dimension=dimension,
            blocking=is_blocking(expectation), success=success, checked=checked,
            unexpected=unexpected, description=description,
            problem=(expectation.meta or {}).get("problem") or description))
    return ValidationOutcome(resource.code, suite.name, counts["rows"], _in_gx_order(checks))


def _in_gx_order(checks: list[CheckOutcome]) -> list[CheckOutcome]:
    """GX reports a suite's results column by column (in the order the columns first appear),
    then the table's: the same order gives the same reasons."""
    first: dict[str | None, int] = {}
    for n, check in enumerate(checks):
        first.setdefault(check.item, n)
    return sorted(checks, key=lambda c: (c.item is None, first[c.item]))


def _judge(expectation: Expectation, counts: dict) -> tuple[bool, int, int] | None:
    """(success, values checked, unexpected) as `quality.runner` reads GX's result."""
    rows, nulls = counts["rows"], counts["nulls"]
    match expectation:
        case gx.expectations.ExpectColumnToExist(column=column):
            present = column in nulls
            return present, 1, int(not present)
        case gx.expectations.ExpectColumnValuesToNotBeNull(column=column) if column in nulls:
            missing = nulls[column]
            mostly = expectation.mostly if expectation.mostly is not None else 1.0
            return (rows > 0 and (rows - missing) / rows >= mostly), rows, missing
        case ExpectKeyToBeUnique(key=key) if list(key) == counts["key"]:
            extra = counts["key_duplicates"]
            return extra == 0, rows, extra
        case gx.expectations.ExpectTableRowCountToBeBetween(
                min_value=low, max_value=high) if not isinstance(low, dict):
            ok = (low is None or rows >= low) and (high is None or rows <= high)
            return ok, 1, int(not ok)
    return None
