"""The last quality run's verdicts of each resource, kept so an unchanged version is not
validated again.

A run judges the rows of the current version's files with the suite of the day. When neither
has changed since the last run (the same files, byte for byte as far as size and modification
time tell, and the same suite, which names the day's date in its plausible-date checks), GX
would compute the same results: the run reads them back instead, with the feedback files and
PII findings that came with them. Each run still records its scores in the catalog.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path

import great_expectations as gx

from catalog import HubSettings, Resource
from quality.paths import quality_home
from quality.pii import PiiFinding
from quality.runner import CheckOutcome, ValidationOutcome

__all__ = ["Validated", "fingerprint", "recall", "remember"]


@dataclasses.dataclass
class Validated:
    """What a quality run found for one version: GX's verdicts and what came with them."""

    fingerprint: str
    outcome: ValidationOutcome
    feedback: list[Path]
    pii: list[PiiFinding]


def fingerprint(suite: gx.ExpectationSuite, files: list[Path], version: int | None) -> str:
    """Identifies what a run would judge: the suite's expectations and the files' identity."""
    stamp = [(str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files]
    expectations = [e.configuration.to_json_dict() for e in suite.expectations]
    text = json.dumps({"suite": expectations, "files": stamp, "version": version},
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _path(settings: HubSettings, resource: Resource) -> Path:
    return quality_home(settings) / "validated" / f"{resource.code}.json"


def recall(settings: HubSettings, resource: Resource, print_: str) -> Validated | None:
    """The kept verdicts when they are for this fingerprint and their feedback files are all
    still there; None otherwise (validate)."""
    path = _path(settings, resource)
    try:
        kept = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if kept.get("fingerprint") != print_:
        return None
    feedback = [Path(p) for p in kept["feedback"]]
    if not all(p.exists() for p in feedback):
        return None
    data = kept["outcome"]
    outcome = ValidationOutcome(
        resource_code=data["resource_code"], suite_name=data["suite_name"], rows=data["rows"],
        checks=[CheckOutcome(**c) for c in data["checks"]], run_name=data["run_name"])
    return Validated(print_, outcome, feedback, [PiiFinding(**f) for f in kept["pii"]])


def remember(settings: HubSettings, resource: Resource, validated: Validated) -> None:
    """Keep a run's verdicts (written whole, then renamed over the last ones)."""
    path = _path(settings, resource)
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # runs may overlap
    staged.write_text(json.dumps({
        "fingerprint": validated.fingerprint,
        "outcome": dataclasses.asdict(validated.outcome),
        "feedback": [str(p) for p in validated.feedback],
        "pii": [dataclasses.asdict(f) for f in validated.pii],
    }, default=str))
    os.replace(staged, path)
