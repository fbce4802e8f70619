"""The resource directory and the departments of the hub's city, read from its profile.

The declarations are data (`catalog.city`: `<home>/city/resources/*.json`, or the demo city's
profile for a home without one); `RESOURCES` and `DEPARTMENTS` read them on first use, after
the doors have settled which home they serve.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from catalog.city import current_city
from catalog.errors import UnknownResource
from catalog.i18n import _
from catalog.model import Department, Resource

__all__ = ["AUDIT_FINDINGS", "CROSSCHECK_FLAGS", "DEPARTMENTS", "RESOURCES",
           "delivered_resources", "resource"]

# The datasets the hub itself writes: every city's directory declares them.
AUDIT_FINDINGS = "hub.audit_findings"
CROSSCHECK_FLAGS = "mz.crosscheck_flags"


class _CityMapping(Mapping):
    """A read-only view of one part of the current city, looked up on each use."""

    def __init__(self, part: str) -> None:
        self._part = part

    def _data(self) -> dict:
        return getattr(current_city(), self._part)

    def __getitem__(self, key):
        return self._data()[key]

    def __iter__(self) -> Iterator:
        return iter(self._data())

    def __len__(self) -> int:
        return len(self._data())

    # One look at the city per call, not one per item (Mapping's mixins would look per key).
    def __contains__(self, key) -> bool:
        return key in self._data()

    def get(self, key, default=None):
        return self._data().get(key, default)

    def keys(self):
        return self._data().keys()

    def values(self):
        return self._data().values()

    def items(self):
        return self._data().items()

    def __repr__(self) -> str:
        return f"<{self._part} of the current city: {list(self._data())}>"


RESOURCES: Mapping[str, Resource] = _CityMapping("resources")
DEPARTMENTS: Mapping[str, Department] = _CityMapping("departments")


def resource(code: str) -> Resource:
    """The declared resource with this code; unknown codes are an error, never a default."""
    try:
        return RESOURCES[code]
    except KeyError:
        raise UnknownResource(_("unknown resource {code!r}: `hub catalog list` lists the "
                                "resource codes", code=code)) from None


def delivered_resources() -> list[Resource]:
    return [r for r in RESOURCES.values() if r.is_delivered]
