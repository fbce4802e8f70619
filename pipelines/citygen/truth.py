"""Expected cross-check flags: a plain, row-by-row reading of docs/crosscheck.md evaluated over
the clean delivered tables (before noise), independent of the hub's implementation.

Returns the flags at (case_no, rule) level; planted and incidental positives alike.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from catalog.identifiers import is_valid_id, normalise_name, standardise_id

from .tables import CURRENT_BATCH, Table

__all__ = ["RULES", "SEVERITY", "evaluate", "neighbours"]

RULES = ("deceased", "duplicate_case", "income", "vehicle", "real_estate", "business", "provident_fund", "identity")
SEVERITY = {
    "deceased": "high", "duplicate_case": "high", "income": "high", "vehicle": "medium",
    "real_estate": "medium", "business": "medium", "provident_fund": "low", "identity": "review",
}
_ID_CHARS = "0123456789X"
_EXEMPT_VEHICLES = {"摩托车", "残疾人专用车", "低速车"}


def neighbours(value: str) -> list[str]:
    """All strings one substituted character or one adjacent swap away from value."""
    out = []
    for i, c in enumerate(value):
        out.extend(value[:i] + r + value[i + 1 :] for r in _ID_CHARS if r != c)
    for i in range(len(value) - 1):
        if value[i] != value[i + 1]:
            out.append(value[:i] + value[i + 1] + value[i] + value[i + 2 :])
    return out


def _valid_mask(values: np.ndarray) -> np.ndarray:
    """Vectorised `is_valid_id` for raw strings: 17 ASCII digits and the right check character."""
    text = np.asarray(values, dtype=str)
    mask = np.strings.str_len(text) == 18
    codes = text[mask].astype("U18").view(np.uint32).reshape(-1, 18).astype(np.int64) - ord("0")
    digits_ok = ((codes[:, :17] >= 0) & (codes[:, :17] <= 9)).all(axis=1)
    weights = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
    expected = np.frombuffer(b"10X98765432", dtype=np.uint8).astype(np.int64)[(np.clip(codes[:, :17], 0, 9) @ weights) % 11]
    mask[mask] = digits_ok & (codes[:, 17] + ord("0") == expected)
    return mask


class _Linker:
    """Maps a delivered (id_number, name) to the standardised, possibly repaired, valid id."""

    def __init__(self, population: Table):
        d = population.data
        raw_ids = d["公民身份号码"]
        valid = _valid_mask(raw_ids)
        ids = raw_ids[valid].tolist()
        self.names: dict[str, str] = dict(zip(ids, d["姓名"][valid].tolist()))  # valid id -> name as delivered
        self.status: dict[str, tuple[str, str]] = dict(zip(ids, zip(d["人员状态"][valid].tolist(), d["注销原因"][valid].tolist())))
        for i in np.flatnonzero(~valid).tolist():  # not valid as delivered: standardise first
            sid = standardise_id(raw_ids[i])
            if is_valid_id(sid):
                self.names[sid] = d["姓名"][i]
                self.status[sid] = (d["人员状态"][i], d["注销原因"][i])

    def same_name(self, sid: str, name: str | None) -> bool:
        return normalise_name(self.names[sid]) == normalise_name(name)

    def resolve(self, raw: str | None, name: str | None) -> str | None:
        """The valid standardised id, or the one it is repaired to, or None."""
        if raw in self.names:  # fast path: clean and present
            return raw
        sid = standardise_id(raw)
        if sid is None:
            return None
        if is_valid_id(sid):
            return sid
        candidates = [c for c in neighbours(sid) if c in self.names]
        if len(candidates) == 1 and self.same_name(candidates[0], name):
            return candidates[0]
        return None


def _current(tables: dict[str, list[Table]], code: str) -> Table:
    return next(t for t in tables[code] if t.batch_id == CURRENT_BATCH)


def _rows(table: Table, *columns: str):
    """Tuples of the given columns (set-valued rules need no de-duplication)."""
    return zip(*(table.data[c] for c in columns))


def _distinct(table: Table):
    """Whole rows as dicts, exact duplicates once (for rules that add amounts up)."""
    seen = set()
    for row in zip(*(table.data[c] for c in table.resource.columns)):
        key = tuple(tuple(v) if isinstance(v, list) else v for v in row)
        if key not in seen:
            seen.add(key)
            yield dict(zip(table.resource.columns, row))


def _month_before(period: str, k: int) -> str:
    months = int(period[:4]) * 12 + int(period[4:]) - 1 - k
    return f"{months // 12:04d}{months % 12 + 1:02d}"


def _cents(value) -> int:
    return round(float(str(value).replace(",", "")) * 100)


def evaluate(tables: dict[str, list[Table]], standards: dict[str, int]) -> set[tuple[str, str]]:
    """The (case_no, rule) pairs the cross-check must flag; `standards`: the city's assistance
    standards by district (a case in a district without one is never flagged for income)."""
    linker = _Linker(_current(tables, "ga.population"))
    recipients = _current(tables, "mz.recipients").data
    active = {
        case: (district, int(size))
        for case, district, size, status in zip(recipients["案件编号"], recipients["行政区划"], recipients["家庭人口数"], recipients["案件状态"])
        if status == "在保"
    }
    flags: set[tuple[str, str]] = set()
    members: dict[str, set[str]] = defaultdict(set)  # case -> member ids
    cases_of: dict[str, set[str]] = defaultdict(set)  # member id -> cases
    for case, raw, name in _rows(_current(tables, "mz.members"), "案件编号", "成员身份证号", "成员姓名"):
        if case not in active:
            continue
        sid = linker.resolve(raw, name)
        if sid is None or sid not in linker.names or not linker.same_name(sid, name):
            flags.add((case, "identity"))
        if sid is not None:
            members[case].add(sid)
            cases_of[sid].add(case)
    for case, ids in members.items():
        if any(len(cases_of[i]) > 1 for i in ids):
            flags.add((case, "duplicate_case"))

    def link(raw, name):
        if raw in cases_of:
            return raw
        sid = linker.resolve(raw, name)
        return sid if sid in cases_of else None

    def flag(person: str | None, rule: str) -> None:
        for case in cases_of.get(person, ()):
            flags.add((case, rule))

    for sid in cases_of:
        if linker.status.get(sid) == ("注销", "死亡"):
            flag(sid, "deceased")
    for table in tables["wj.deaths"]:
        for raw, name in _rows(table, "id_number", "name"):
            flag(link(raw, name), "deceased")
    for raw, name, kind, status in _rows(_current(tables, "ga.vehicles"), "owner_id_number", "owner_name", "vehicle_type", "status"):
        if status == "正常" and kind not in _EXEMPT_VEHICLES:
            flag(link(raw, name), "vehicle")
    enterprises = _current(tables, "sj.enterprises")
    for raw, name, kind, capital, status in _rows(enterprises, "legal_rep.id_number", "legal_rep.name", "entity_type", "registered_capital_wan", "status"):
        if status == "存续" and not (kind == "个体工商户" and float(capital) < 10):
            flag(link(raw, name), "business")
    latest = max(p for t in tables["rs.social_insurance"] for p in set(t.data["period"]))
    recent = {_month_before(latest, k) for k in range(3)}  # M, M-1, M-2
    for raw, name, fen, month, status in _rows(_current(tables, "gjj.deposits"), "id_number", "name", "monthly_deposit_fen", "last_deposit_month", "status"):
        if status == "正常" and month in recent and int(fen) >= 20000:
            flag(link(raw, name), "provident_fund")

    income: dict[str, int] = defaultdict(int)  # 3 × monthly income, in fen
    seen_insurance = set()
    for table in tables["rs.social_insurance"]:
        for row in zip(*(table.data[c] for c in table.resource.columns)):
            id_number, name, _, _, kind, period, base = row
            if kind == "养老" and period in recent and row not in seen_insurance:
                seen_insurance.add(row)
                person = link(id_number, name)
                if person:
                    income[person] += _cents(base)
    for row in _distinct(_current(tables, "rs.pensions")):
        if row["发放状态"] == "正常发放":
            person = link(row["身份证号"], row["姓名"])
            if person:
                income[person] += 3 * _cents(row["月发放金额"])
    for case, ids in members.items():
        district, size = active[case]
        if district in standards and sum(income[i] for i in ids) > 3 * 100 * standards[district] * size:
            flags.add((case, "income"))

    homes: dict[str, set[str]] = defaultdict(set)
    other: dict[str, set[str]] = defaultdict(set)
    estate = _current(tables, "zr.real_estate")
    columns = ("certificate_no", "owner_id_number", "owner_name", "co_owner_id_numbers", "property_use", "status")
    for certificate, raw, name, co_owners, use, status in _rows(estate, *columns):
        if status != "现势" or use not in ("住宅", "商业", "办公", "工业"):
            continue
        holders = [link(raw, name)] + [standardise_id(c) for c in co_owners or ()]  # co-owners: never repaired
        for case in {c for h in holders if h in cases_of for c in cases_of[h]}:
            (homes if use == "住宅" else other)[case].add(certificate)
    for case in set(homes) | set(other):
        if len(homes[case]) > 1 or other[case]:
            flags.add((case, "real_estate"))
    return {f for f in flags if f[0] in active}
