"""ID numbers other slices of the city hold or must never hold, kept as sorted integer arrays.

A city generated in slices must still have one unique ID per person, and a planted typo must
have the same neighbourhood in the whole city as in its slice (the cross-check repairs a typo
only when exactly one population ID lies one edit away). So each slice avoids the IDs of the
slices before it, and every typo bars the valid IDs within one edit of it from later draws.
IDs are stored by their first 17 digits (the check character follows from them): 8 bytes a
person rather than a Python string in a set.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from catalog.identifiers import is_valid_id

__all__ = ["TakenIds", "id_keys"]


def id_keys(ids: Iterable[str]) -> np.ndarray:
    """The first 17 digits of valid ID numbers as int64 (the caller passes valid IDs only)."""
    return np.asarray(list(ids), dtype="U18").astype("U17").astype(np.int64)


class TakenIds:
    """IDs held by earlier slices plus IDs barred by planted typos (of any slice so far)."""

    def __init__(self) -> None:
        self._held: list[np.ndarray] = []  # one sorted array per finished slice
        self._barred: set[int] = set()
        self._barred_array = np.empty(0, dtype=np.int64)

    def __bool__(self) -> bool:
        return bool(self._held or self._barred)

    def hold(self, ids: Iterable[str]) -> None:
        """Record the IDs of a finished slice."""
        keys = np.sort(id_keys(ids))
        if len(keys):
            self._held.append(keys)

    def bar(self, values: Iterable[str]) -> None:
        """No slice may give out these IDs any more (invalid strings are no IDs: ignored)."""
        new = {int(v[:17]) for v in values if is_valid_id(v)} - self._barred
        if new:
            self._barred |= new
            self._barred_array = np.array(sorted(self._barred), dtype=np.int64)

    def contains(self, keys: np.ndarray) -> np.ndarray:
        """Per 17-digit key: held by an earlier slice or barred."""
        found = np.isin(keys, self._barred_array)
        for held in self._held:
            at = np.minimum(np.searchsorted(held, keys), len(held) - 1)
            found |= held[at] == keys
        return found

    def has(self, value: str) -> bool:
        """Whether an ID number (as a string) is held or barred."""
        if not self or not is_valid_id(value):
            return False
        return bool(self.contains(np.array([int(value[:17])], dtype=np.int64))[0])
