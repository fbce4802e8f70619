"""The quality package's audits (entry points `hub.audits`): undeclared personal data in the
published rows, and GB/T 36344 scores that got worse from one version to the next."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING

from catalog import HubSettings, delivered_resources, open_registry
from catalog.audit_plugins import scheduled
from catalog.findings import AuditResult, Finding, Severity
from catalog.i18n import _, lazy
from catalog.quality_scores import RESOURCE_LEVEL, Dimension, QualityScore, score_history

if TYPE_CHECKING:  # imported where the audit runs: loading it stays cheap
    from quality.pii import PiiFinding

__all__ = ["DROP_HIGH", "DROP_WARNING", "quality_regressions", "undeclared_personal_data"]

# A resource-level score (a ratio in [0, 1]) lower than the previous version's by more than
# this is a regression; by more than DROP_HIGH, a serious one (one record in twenty).
DROP_WARNING = 0.01
DROP_HIGH = 0.05
# Timeliness falls with the age of the data, not with its quality: the freshness audit's.
_NOT_REGRESSIONS = {Dimension.TIMELINESS.value}
# Undeclared identity or bank-card numbers are the most damaging: they would be shared unmasked.
_PII_SEVERITY = {"id_number": Severity.HIGH, "bank_card": Severity.HIGH}
# What the values of each kind look like, one whole sentence each.
_LOOKS = {
    "id_number": lazy("{code} {item}: {share} of sampled values look like resident ID numbers, "
                      "but the catalog declares it {declared}, not {expected}."),
    "mobile": lazy("{code} {item}: {share} of sampled values look like mobile numbers, but the "
                   "catalog declares it {declared}, not {expected}."),
    "bank_card": lazy("{code} {item}: {share} of sampled values look like bank-card numbers, "
                      "but the catalog declares it {declared}, not {expected}."),
    "address": lazy("{code} {item}: {share} of sampled values look like street addresses, but "
                    "the catalog declares it {declared}, not {expected}."),
}


def _pii_findings(code: str, found: list[PiiFinding]) -> list[Finding]:
    """One finding per (data item, kind): the value column and its original often agree."""
    by_item: dict[tuple[str, str], list[PiiFinding]] = defaultdict(list)
    for f in found:
        by_item[(f.item, f.kind)].append(f)
    out = []
    for (item, kind), hits in sorted(by_item.items()):
        top = max(hits, key=lambda h: h.share)
        out.append(Finding(
            "undeclared_personal_data", _PII_SEVERITY.get(kind, Severity.WARNING),
            f"resource:{code}",
            str(_LOOKS[kind]).format(code=code, item=item, share=f"{top.share:.0%}",
                                     declared=top.declared, expected=top.expected),
            key=f"{item}:{kind}",
            evidence={"columns": sorted(h.column for h in hits), "share": top.share,
                      "declared": top.declared, "expected": top.expected,
                      "example": top.example}))
    return out


@scheduled("0 3 * * *")
def undeclared_personal_data(settings: HubSettings, now: datetime) -> AuditResult:
    """Catalog completeness: personal data the quality checks find in undeclared items."""
    # Great Expectations (behind quality.service) and the PII scan's engine are loaded when
    # the audit runs, not when `hub audits list` discovers it.
    from quality.pii import discover_pii
    from quality.service import current_files

    registry = open_registry(settings, declare=False)
    found, examined, files_read = [], 0, 0
    try:
        for declared in delivered_resources():
            _batches, files = current_files(registry, declared)
            if not files:
                continue
            examined += 1
            files_read += len(files)
            found += _pii_findings(declared.code, discover_pii(settings, declared, files))
    finally:
        registry.dispose()
    return AuditResult(found, {"resources": examined, "files": files_read},
                       _("{found} undeclared personal data items in {examined} published "
                         "resources", found=len(found), examined=examined))


def _by_version(history: list[QualityScore]) -> dict[int, dict[str, float]]:
    """Resource-level scores of the newest run of each measured version."""
    runs: dict[str, list[QualityScore]] = defaultdict(list)
    for score in history:  # oldest run first
        if score.version is not None:
            runs[score.run_id].append(score)
    latest: dict[int, dict[str, float]] = {}
    for scores in runs.values():
        latest[scores[0].version] = {s.dimension: s.score for s in scores
                                     if s.item == RESOURCE_LEVEL}
    return latest


def _worst_items(history: list[QualityScore], version: int, before: int,
                 dimension: str) -> list[dict]:
    """The data items whose score on `dimension` fell most between the two versions."""
    scores: dict[int, dict[str, float]] = defaultdict(dict)
    for s in history:
        if s.version in (version, before) and s.item != RESOURCE_LEVEL and s.dimension == dimension:
            scores[s.version][s.item] = s.score
    drops = [(scores[before][i] - v, i) for i, v in scores[version].items() if i in scores[before]]
    return [{"item": i, "drop": round(d, 4)} for d, i in sorted(drops, reverse=True)[:5] if d > 0]


@scheduled("30 7 * * *")
def quality_regressions(settings: HubSettings, now: datetime) -> AuditResult:
    """Quality regressions: GB/T 36344 scores lower than the previous version's."""
    registry = open_registry(settings, declare=False)
    found, examined = [], 0
    try:
        for declared in delivered_resources():
            history = score_history(registry, declared.code)
            versions = _by_version(history)
            if len(versions) < 2:
                continue
            examined += 1
            before, latest = sorted(versions)[-2:]
            for dimension, score in sorted(versions[latest].items()):
                previous = versions[before].get(dimension)
                if dimension in _NOT_REGRESSIONS or previous is None:
                    continue
                drop = previous - score
                if drop <= DROP_WARNING:
                    continue
                found.append(Finding(
                    "quality_regressions", Severity.HIGH if drop > DROP_HIGH else Severity.WARNING,
                    f"resource:{declared.code}",
                    _("{code} {dimension} fell from {previous} (version {before}) to {score} "
                      "(version {latest}).", code=declared.code, dimension=dimension,
                      previous=f"{previous:.4f}", before=before, score=f"{score:.4f}",
                      latest=latest),
                    key=dimension,
                    evidence={"version": latest, "previous_version": before,
                              "score": round(score, 6), "previous": round(previous, 6),
                              "drop": round(drop, 6),
                              "items": _worst_items(history, latest, before, dimension)}))
    finally:
        registry.dispose()
    return AuditResult(found, {"resources_with_two_versions": examined},
                       _("{found} regressions in {examined} resources with two measured "
                         "versions", found=len(found), examined=examined))
