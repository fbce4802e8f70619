"""The hub's metadata on an expectation: which check, rule, data item and quality dimension."""

from __future__ import annotations

from great_expectations.expectations.expectation import Expectation
from great_expectations.expectations.metadata_types import FailureSeverity

from catalog.quality_scores import Dimension

__all__ = ["describe_check", "is_blocking", "problem_of", "tag"]


def tag(expectation: Expectation, rule: str, item: str | None, dimension: Dimension,
        description: str, *, problem: str, blocking: bool = False) -> Expectation:
    """Attach the hub's metadata and severity to an expectation (also used by extensions).

    `description` states the rule (Data Docs, the catalog); `problem` says what is wrong with a
    value or batch that fails it, which is what a department's feedback tells them."""
    expectation.meta = {"check": f"{rule}:{item}" if item else rule, "rule": rule, "item": item,
                        "dimension": dimension.value, "problem": problem}
    expectation.description = description
    expectation.severity = FailureSeverity.CRITICAL if blocking else FailureSeverity.WARNING
    return expectation


def problem_of(expectation: Expectation) -> str:
    """What is wrong when the expectation fails (its description for an untagged one)."""
    return (expectation.meta or {}).get("problem") or expectation.description or ""


def describe_check(expectation: Expectation) -> tuple[str, str, str | None, str]:
    """(check, rule, item, dimension) of a tagged expectation."""
    meta = expectation.meta or {}
    return meta["check"], meta["rule"], meta.get("item"), meta["dimension"]


def is_blocking(expectation: Expectation) -> bool:
    return expectation.severity is FailureSeverity.CRITICAL
