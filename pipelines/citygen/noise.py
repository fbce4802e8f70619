"""Real-world mess injected into delivered batches at configurable rates (docs/contract.md).

Harmless kinds (the hub can standardise them away) may touch any record. Destructive kinds never
touch protected records (assistance households, planted evidence), so the truth stays exact.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field, fields

import numpy as np

from catalog.identifiers import is_valid_id

from .names import simplified_to_traditional
from .tables import Table
from .truth import neighbours

__all__ = ["HARMLESS", "NoiseRates", "NoisyTable", "apply_noise"]


@dataclass(frozen=True)
class NoiseRates:
    """Probability of each kind of noise per record (per eligible value for the narrow kinds:
    lowercase x — IDs ending in X, legacy 15-digit — IDs born 19xx, dot variants — names with `·`);
    `csv_truncated_final_line` is a probability per CSV file."""

    id_spaces: float = 0.005
    id_lowercase_x: float = 0.01
    id_fullwidth: float = 0.003
    id_legacy15: float = 0.003
    id_wrong_digit: float = 0.002
    name_spaces: float = 0.005
    name_fullwidth: float = 0.003
    name_dot_variant: float = 0.01
    name_traditional: float = 0.005
    date_mixed_format: float = 0.01
    date_impossible: float = 0.002
    amount_thousands: float = 0.01
    amount_negative: float = 0.002
    amount_absurd: float = 0.002
    duplicate_exact: float = 0.003
    duplicate_key_conflict: float = 0.002
    missing_required: float = 0.003
    unknown_district: float = 0.002
    gender_mismatch: float = 0.002
    csv_field_count: float = 0.002
    csv_unbalanced_quote: float = 0.002
    csv_invalid_bytes: float = 0.002
    csv_truncated_final_line: float = 0.1

    def __post_init__(self) -> None:
        for f in fields(self):
            if not 0.0 <= getattr(self, f.name) <= 1.0:
                raise ValueError(f"noise rate {f.name} must be within [0, 1]")

    @classmethod
    def none(cls) -> NoiseRates:
        return cls(**{f.name: 0.0 for f in fields(cls)})


HARMLESS = frozenset({
    "id_spaces", "id_lowercase_x", "id_fullwidth", "id_legacy15", "name_spaces", "name_fullwidth",
    "name_dot_variant", "name_traditional", "date_mixed_format", "amount_thousands", "duplicate_exact",
})
_FULLWIDTH_DIGITS = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
_LIST_COLUMN = "co_owner_id_numbers"


@dataclass
class NoisyTable:
    """A batch after noise: rows (duplicates included) plus CSV line-level damage to apply."""

    table: Table
    line_noise: dict[int, str] = field(default_factory=dict)  # row -> csv_field_count | csv_unbalanced_quote | csv_invalid_bytes
    truncate_last: bool = False
    counts: Counter = field(default_factory=Counter)


class _Injector:
    def __init__(self, table: Table, rates: NoiseRates, rng: np.random.Generator, guard: set[str]):
        self.t, self.rates, self.rng, self.guard = table, rates, rng, guard
        self.r = table.resource
        self.counts: Counter = Counter()
        self.free = ~table.protected
        self.touched: dict[str, np.ndarray] = {}
        self.damaged = np.zeros(len(table), dtype=bool)  # rows with destructive field noise
        self._text: dict[str, np.ndarray] = {}

    def rows(self, kind: str, column: str | None = None, eligible: np.ndarray | None = None) -> list[int]:
        """Rows chosen for a kind: rate-sampled, not protected (destructive kinds), not yet touched."""
        rate = getattr(self.rates, kind)
        n = len(self.t)
        if rate <= 0 or n == 0:
            return []
        mask = self.rng.random(n) < rate
        if kind not in HARMLESS:
            mask &= self.free
        if column is not None:
            mask &= ~self.touched.setdefault(column, np.zeros(n, dtype=bool))
        if eligible is not None:
            mask &= eligible
        return np.flatnonzero(mask).tolist()

    def apply(self, kind: str, column: str, fn, narrow=None) -> None:
        """Transform the chosen values of a column; `narrow(values)` masks the eligible ones."""
        values = self.t.data[column]
        eligible = narrow(self.text(column)) if narrow is not None and getattr(self.rates, kind) > 0 else None
        for i in self.rows(kind, column, eligible):
            new = fn(values[i])
            if new is not None:
                values[i] = new
                self.touched[column][i] = True
                self.damaged[i] |= kind not in HARMLESS
                self.counts[kind] += 1

    def text(self, column: str) -> np.ndarray:
        """The column as a numpy string array (first entry of co-owner lists), computed once:
        values changed since are touched, hence skipped anyway."""
        if column not in self._text:
            values = self.t.data[column]
            if column == _LIST_COLUMN:
                values = [v[0] if v else "" for v in values]
            self._text[column] = np.asarray(values, dtype=str)
        return self._text[column]

    # --- value transforms (None: not applicable to this value) ---------------------------------
    def wrong_digit(self, v):
        """One digit changed (never the check character), never within reach of a member's ID."""
        if not isinstance(v, str) or len(v) != 18:
            return None
        for _ in range(10):
            i = int(self.rng.integers(0, 17))
            new = v[:i] + str((int(v[i]) + int(self.rng.integers(1, 10))) % 10) + v[i + 1 :]
            if new not in self.guard and not any(c in self.guard for c in neighbours(new)):
                return new
        return None

    def name_variant(self, kind: str, v):
        """Spaces, full-width forms, dot variants or traditional characters, encodable in the file."""
        if not isinstance(v, str) or not v:
            return None
        enc = self.r.encoding
        if kind == "name_spaces":
            new = (" " + v, v + " ", v[0] + " " + v[1:])[int(self.rng.integers(0, 3 if len(v) > 1 else 2))]
        elif kind == "name_fullwidth":
            new = v.replace("·", "．") if "·" in v else v[0] + "\u3000" + v[1:]
        elif kind == "name_dot_variant":
            new = v.replace("·", "." if enc == "gbk" or self.rng.random() < 0.5 else "•")
        else:
            table = simplified_to_traditional()
            new = "".join(table.get(c, c) for c in v)
        return new if new != v and _encodable(new, enc) else None

    def date_variant(self, kind: str, style: str, v):
        """Another valid spelling of the date (mixed formats, Excel dates in XLSX), or an impossible one."""
        if not isinstance(v, str) or not v:
            return None
        y, m = int(v[:4]), int(v[5:7] if style == "iso" else v[4:6])
        d = 1 if style == "ym" else int(v[-2:])
        k = int(self.rng.integers(0, 3))
        if kind == "date_impossible":
            if style == "ym":
                return f"{y}{('13', '00', '14')[k]}"
            month, day = ((2, 30), (13, 1), (4, 31))[k]
            return f"{y}-{month:02d}-{day:02d}" if style == "iso" else f"{y}{month:02d}{day:02d}"
        if style == "ym":
            options = [f"{y}-{m:02d}", f"{y}/{m}"] + ([dt.datetime(y, m, 1)] if self.r.fmt == "xlsx" else [])
        else:
            options = [f"{y}/{m}/{d}"] + ([f"{y}{m:02d}{d:02d}"] if style == "iso" else [f"{y}-{m:02d}-{d:02d}"])
        return options[k % len(options)]

    def amount_variant(self, kind: str, style: str, v):
        """Thousands separators (as text), or a negative or absurd (×10 000) amount."""
        if v is None or v == "":
            return None
        x = float(v)
        if kind == "amount_thousands":
            if abs(x) < 1000 or style == "typed":
                return None
            return f"{int(x):,}" if style == "fen" else f"{x:,.2f}"
        factor = -1 if kind == "amount_negative" else 10000
        if style == "fen":
            return str(int(x) * factor)
        if style == "yuan":
            return f"{x * factor:.2f}"
        return round(x * factor, 2)


def _has_dot(text: np.ndarray) -> np.ndarray:
    return np.strings.find(text, "·") >= 0


_NARROW_ID = {
    "id_lowercase_x": lambda text: np.strings.endswith(text, "X"),
    "id_legacy15": lambda text: np.strings.startswith(text, "19", 6) & (np.strings.str_len(text) == 18),
}


def _encodable(value: str, encoding: str) -> bool:
    try:
        value.encode(encoding)
        return True
    except UnicodeEncodeError:
        return False


def _id_transform(kind: str, inj: _Injector):
    def plain(v):
        if not isinstance(v, str) or not v:
            return None
        if kind == "id_spaces":
            return (" " + v, v + " ", " " + v + " ")[int(inj.rng.integers(0, 3))]
        if kind == "id_lowercase_x":
            return v[:-1] + "x" if v.endswith("X") else None
        if kind == "id_fullwidth":
            return v.translate(_FULLWIDTH_DIGITS)
        if kind == "id_legacy15":  # only valid IDs: the check character is recomputed on the way back
            return v[:6] + v[8:17] if v[6:8] == "19" and is_valid_id(v) else None
        return inj.wrong_digit(v)

    def listed(v):  # co-owner lists: damage the first entry
        if not v:
            return None
        new = plain(v[0])
        return None if new is None else [new, *v[1:]]

    return plain, listed


def apply_noise(table: Table, rates: NoiseRates, rng: np.random.Generator, guard: set[str], last: bool = True,
                unknown_districts: tuple[str, ...] = ()) -> NoisyTable:
    """Noise one batch (or one slice's part of it): field values, then duplicates, then (CSV)
    line-level damage; only the `last` part of a file may end in a truncated line.
    `unknown_districts`: codes that are no district of the city (`Place.unknown_districts`)."""
    inj = _Injector(table, rates, rng, guard)
    r = table.resource
    for kind in ("id_spaces", "id_lowercase_x", "id_fullwidth", "id_legacy15", "id_wrong_digit"):
        for column in r.id_cols:
            plain, listed = _id_transform(kind, inj)
            inj.apply(kind, column, listed if column == _LIST_COLUMN else plain, _NARROW_ID.get(kind))
    for kind in ("name_spaces", "name_fullwidth", "name_dot_variant", "name_traditional"):
        narrow = _has_dot if kind == "name_dot_variant" else None
        for column in r.name_cols:
            inj.apply(kind, column, lambda v, k=kind: inj.name_variant(k, v), narrow)
    for kind in ("date_mixed_format", "date_impossible"):
        for column, style in r.dates.items():
            inj.apply(kind, column, lambda v, k=kind, s=style: inj.date_variant(k, s, v))
    for kind in ("amount_thousands", "amount_negative", "amount_absurd"):
        for column, style in r.amounts.items():
            inj.apply(kind, column, lambda v, k=kind, s=style: inj.amount_variant(k, s, v))
    if r.district and unknown_districts:
        inj.apply("unknown_district", r.district,
                  lambda v: unknown_districts[int(rng.integers(0, len(unknown_districts)))] if v else None)
    if r.gender:
        inj.apply("gender_mismatch", r.gender, lambda v: {"男": "女", "女": "男"}.get(v))
    blank = "" if r.fmt == "csv" else None
    for i in inj.rows("missing_required"):
        column = r.required[int(rng.integers(0, len(r.required)))]
        if table.data[column][i] not in ("", None):
            table.data[column][i] = blank
            inj.damaged[i] = True
            inj.counts["missing_required"] += 1
    duplicated, grouped = _with_duplicates(inj)
    noisy = NoisyTable(duplicated, counts=inj.counts)
    if r.fmt == "csv":
        _line_noise(noisy, ~duplicated.protected & ~grouped, rates, rng, last)
    return noisy


def _with_duplicates(inj: _Injector) -> tuple[Table, np.ndarray]:
    """Append same-key/different-value copies and exact copies right after their originals.

    Copies are made only of rows without destructive noise, and a row is copied one way at most,
    so each duplicate is unambiguous; returns the rows and which belong to a duplicate group."""
    t, r = inj.t, inj.t.resource
    n = len(t)
    conflict = []
    if inj.rates.duplicate_key_conflict > 0:
        filled = np.fromiter((v not in ("", None) for v in t.data[r.conflict]), dtype=bool, count=n)
        conflict = inj.rows("duplicate_key_conflict", eligible=filled & ~inj.damaged)
    spare = ~inj.damaged
    spare[conflict] = False
    exact = inj.rows("duplicate_exact", eligible=spare)
    inj.counts["duplicate_key_conflict"] += len(conflict)
    inj.counts["duplicate_exact"] += len(exact)
    if not conflict and not exact:
        return t, np.zeros(n, dtype=bool)
    source = np.concatenate([np.arange(n), conflict, exact]).astype(np.int64)
    rank = np.concatenate([np.zeros(n), np.ones(len(conflict)), np.full(len(exact), 2)])
    order = np.lexsort((rank, source))
    out = t.take(source[order])
    column = out.data[r.conflict]
    for j in np.flatnonzero(rank[order] == 1).tolist():
        column[j] = _altered(r.conflict, r, column[j], inj.rng)
    copied = np.zeros(n, dtype=bool)
    copied[conflict] = copied[exact] = True
    return out, copied[source[order]]


def _altered(column: str, r, v, rng):
    """A different value for the same key (amounts and dates shift, texts change)."""
    if column in r.amounts:
        x = float(str(v).replace(",", "")) * rng.uniform(1.1, 1.9)
        return {"fen": str(int(x)), "yuan": f"{x:.2f}"}.get(r.amounts[column], round(x, 2))
    if column in r.dates:
        return (dt.date(2025, 1, 1) + dt.timedelta(days=int(rng.integers(0, 600)))).isoformat()
    if column == "brand":
        return "丰田" if v != "丰田" else "本田"
    return f"{v}附1号"


def _line_noise(noisy: NoisyTable, free: np.ndarray, rates: NoiseRates, rng: np.random.Generator, last: bool) -> None:
    """Choose rows for broken CSV lines among the free ones (not protected, not duplicated) and
    maybe a truncated final line."""
    t = noisy.table
    for kind in ("csv_field_count", "csv_unbalanced_quote", "csv_invalid_bytes"):
        rate = getattr(rates, kind)
        if rate <= 0:
            continue
        for i in np.flatnonzero((rng.random(len(t)) < rate) & free).tolist():
            if i not in noisy.line_noise:
                noisy.line_noise[i] = kind
                noisy.counts[kind] += 1
    if last and rates.csv_truncated_final_line > 0 and rng.random() < rates.csv_truncated_final_line:
        candidates = [i for i in np.flatnonzero(free).tolist() if i not in noisy.line_noise]
        if candidates:
            last = candidates[-1]
            order = np.concatenate([np.delete(np.arange(len(t)), last), [last]])
            shifted = {(j if j < last else j - 1): k for j, k in noisy.line_noise.items()}
            noisy.table, noisy.line_noise, noisy.truncate_last = t.take(order), shifted, True
            noisy.counts["csv_truncated_final_line"] += 1
