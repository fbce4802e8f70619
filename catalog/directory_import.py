"""Importing a directory spreadsheet (the national cataloguing template, `docs/directory-
import.md`) into the catalog: every resource of the sheet becomes a submitted declaration
revision of the importing data officer's department — a registration, or a schema revision
where the resource is catalogued and its declaration changed; unchanged resources are skipped,
so importing the same sheet again changes nothing.

Nothing is half-imported: the sheet is read and every row checked (`catalog.template_import`),
then every proposal is checked as `catalog.entries` would check it, before the first is
written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from catalog import entries
from catalog.city import declaration_data
from catalog.entries import Actor, EntryError
from catalog.i18n import _
from catalog.registry import Registry
from catalog.resources import DEPARTMENTS, RESOURCES
from catalog.template_import import department_index, import_directory
from catalog.template_resource import Problem

__all__ = ["ImportOutcome", "import_template"]


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did (`registered`, `revised`, `unchanged` codes) or, if any row is
    refused, only the problems: then nothing was written."""

    problems: tuple[Problem, ...] = ()
    registered: tuple[str, ...] = ()
    revised: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    ignored_columns: tuple[str, ...] = field(default=())


def _unchanged(code: str, data: dict) -> bool:
    """Catalogued with this declaration (a release date the sheet left to today aside)."""
    if code not in RESOURCES:
        return False
    current = declaration_data(RESOURCES[code])
    return {**current, "release_date": None} == {**data, "release_date": None}


def import_template(registry: Registry, path: Path, actor: Actor) -> ImportOutcome:
    """Import the sheet at `path` for `actor`'s department (module doc)."""
    result = import_directory(path, department_index(DEPARTMENTS.values()))
    if not result.ok:
        return ImportOutcome(problems=result.problems, ignored_columns=result.ignored_columns)
    planned, unchanged, problems = [], [], []
    for resource in result.resources:
        data = declaration_data(resource)
        if _unchanged(resource.code, data):
            unchanged.append(resource.code)
            continue
        try:
            clean = entries.check_proposal(registry, resource.code, {"declaration": data}, actor)
        except EntryError as exc:
            first_row = result.rows.get(resource.code, (0, 0))[0]
            problems.append(Problem(first_row, "信息资源代码", exc.code, f"{resource.code}：{exc}"))
            continue
        planned.append((resource.code, clean, resource.code in RESOURCES))
    if problems:
        return ImportOutcome(problems=tuple(problems), ignored_columns=result.ignored_columns)
    for code, clean, _known in planned:
        entries.propose(registry, code, clean, actor)
        entries.submit(registry, code, actor, _("imported from {file}", file=path.name))
    return ImportOutcome(
        registered=tuple(c for c, _, known in planned if not known),
        revised=tuple(c for c, _, known in planned if known),
        unchanged=tuple(unchanged), ignored_columns=result.ignored_columns)
