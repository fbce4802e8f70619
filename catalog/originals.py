"""Originals in the standardised layer: stored only where they differ from the value (issue 18).

Every row keeps its delivered text beside each standardised value (`<item>_orig`), but most
values need no standardising, so storing the text again doubled what the layer wrote. An
original equal to its value's text is stored as NULL, and every reader sees it restored
(`shown_original_sql`): the analysts' views, the quality checks, the feedback files.

Only items whose values are text, dates, amounts or whole numbers are elided: DuckDB writes
those as text one way only. A DOUBLE's text (`hub_decimal`) and an ID list's JSON are kept as
delivered.
"""

from __future__ import annotations

from catalog.model import DataItem, ItemType, Resource
from catalog.sqltext import ident

__all__ = ["shown_original_sql", "shown_originals", "stored_original_sql"]

_KEPT_WHOLE = (ItemType.ID_LIST, ItemType.DECIMAL)


def stored_original_sql(item: DataItem, value: str, original: str) -> str:
    """What the layer stores of `original` (SQL) beside `value` (SQL): NULL where equal."""
    if item.type in _KEPT_WHOLE:
        return original
    return (f"CASE WHEN {original} IS NOT DISTINCT FROM CAST({value} AS VARCHAR) "
            f"THEN NULL ELSE {original} END")


def shown_original_sql(item: DataItem, qualifier: str = "") -> str:
    """The original of `item` as delivered, from the stored columns (of `qualifier`, if given):
    files written before originals were elided hold every one, and read the same."""
    prefix = f"{qualifier}." if qualifier else ""
    stored = prefix + ident(item.name + "_orig")
    if item.type in _KEPT_WHOLE:
        return stored
    return f"coalesce({stored}, CAST({prefix}{ident(item.name)} AS VARCHAR))"


def shown_originals(resource: Resource) -> dict[str, str]:
    """Every original column of a resource's standardised layer → the SQL that restores it (none
    for a derived dataset, which keeps no originals)."""
    if not resource.is_delivered:
        return {}
    return {f"{item.name}_orig": shown_original_sql(item) for item in resource.items}
