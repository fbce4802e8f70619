"""Unique record keys shared by the planted and the bulk records: plates, certificates, accounts,
USCCs. Keys are drawn as integers from a key space and formatted afterwards.

A city generated in slices gives each slice its own share of every key space, so keys stay
unique across slices without remembering the keys of the others."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from catalog.identifiers import USCC_CHARSET

__all__ = ["ORG_SPACE", "PLATE_SPACE", "KeyRegistry", "Share", "plate", "uscc_strings"]

_PLATE_CHARS = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
PLATE_SPACE = len(_PLATE_CHARS) ** 5
ORG_SPACE = 10**8
_USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])


@dataclass(frozen=True)
class Share:
    """Slice `index` of `count`: it owns the `index`-th of `count` equal parts of a key space."""

    index: int = 0
    count: int = 1

    def span(self, space: int) -> tuple[int, int]:
        """(first key, number of keys) of this slice's part of `space`."""
        size = space // self.count
        return self.index * size, size


class KeyRegistry:
    """Draws keys unique within their kind, in a deterministic order, from the slice's share."""

    def __init__(self, share: Share | None = None) -> None:
        self.share = share or Share()
        self._used: dict[str, set[int]] = {}

    def one(self, kind: str, rng: np.random.Generator, space: int) -> int:
        base, size = self.share.span(space)
        used = self._used.setdefault(kind, set())
        if len(used) >= size:
            raise ValueError(f"key space for {kind} exhausted")
        while True:
            value = int(rng.integers(0, size))
            if value not in used:
                used.add(value)
                return base + value

    def many(self, kind: str, rng: np.random.Generator, space: int, n: int) -> np.ndarray:
        base, size = self.share.span(space)
        used = self._used.setdefault(kind, set())
        values = rng.choice(size, size=min(size, n + len(used) + 16), replace=False)
        if used:
            values = values[~np.isin(values, np.fromiter(used, dtype=np.int64))]
        values = values[:n]
        if len(values) < n:
            raise ValueError(f"key space for {kind} exhausted")
        used.update(values.tolist())
        return values + base


def plate(code: int, prefix: str = "粤L") -> str:
    """A plate: the city's prefix (惠州 粤L, 东莞 粤S) and five characters."""
    chars = []
    for _ in range(5):
        code, r = divmod(code, len(_PLATE_CHARS))
        chars.append(_PLATE_CHARS[r])
    return prefix + "".join(chars)


def uscc_strings(org: np.ndarray, category: np.ndarray, district: np.ndarray) -> list[str]:
    """GB 32100 codes: 9 (market regulation), category (1 enterprise, 2 个体, 3 cooperative),
    6-digit registration area (GB/T 2260), 9-character organisation code with its GB 11714 check, MOD 31 check."""
    n = len(org)
    body = np.empty((n, 17), dtype=np.int64)
    body[:, 0] = 9
    body[:, 1] = category
    for j in range(6):
        body[:, 2 + j] = (district // 10 ** (5 - j)) % 10
    for j in range(8):
        body[:, 8 + j] = (org // 10 ** (7 - j)) % 10
    org_check = 11 - (body[:, 8:16] @ _ORG_WEIGHTS) % 11
    body[:, 16] = np.where(org_check == 10, USCC_CHARSET.index("X"), org_check % 11)
    check = (31 - (body @ _USCC_WEIGHTS) % 31) % 31
    charset = np.frombuffer(USCC_CHARSET.encode(), dtype=np.uint8)
    chars = np.empty((n, 18), dtype=np.uint8)
    chars[:, :17] = charset[body]
    chars[:, 17] = charset[check]
    return chars.view("S18").ravel().astype("U18").tolist()
