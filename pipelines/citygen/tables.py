"""The ten delivered resources as the contract defines them, and the column tables that hold
one batch of a resource between generation, noise and writing."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

__all__ = ["CURRENT_BATCH", "INSURANCE_BATCHES", "PREVIOUS_BATCH", "RESOURCES", "Resource", "Table", "TableBuilder", "objects"]

CURRENT_BATCH = "20261101T020000"
PREVIOUS_BATCH = "20261001T020000"
# rs.social_insurance: the batch that delivers each period (M = 202610), one a month.
INSURANCE_BATCHES = {"202608": "20260901T020000", "202609": "20261001T020000", "202610": "20261101T020000"}


@dataclass(frozen=True)
class Resource:
    """Format and columns of one resource, plus which columns each kind of noise may touch."""

    code: str
    fmt: str  # csv | jsonl | xlsx | parquet
    columns: tuple[str, ...]  # in delivery order; nested JSON keys are written `parent.child`
    encoding: str = "utf-8"
    delimiter: str = ","
    id_cols: tuple[str, ...] = ()
    name_cols: tuple[str, ...] = ()
    dates: dict[str, str] = field(default_factory=dict)  # column -> ymd | iso | ym
    amounts: dict[str, str] = field(default_factory=dict)  # column -> yuan | fen | float | typed
    district: str | None = None
    gender: str | None = None
    required: tuple[str, ...] = ()
    conflict: str = ""  # the column that differs in a "same key, different values" duplicate

    @property
    def ext(self) -> str:
        return {"csv": "csv", "jsonl": "jsonl", "xlsx": "xlsx", "parquet": "parquet"}[self.fmt]


_POP = ("公民身份号码", "姓名", "性别", "出生日期", "民族", "户号", "与户主关系", "行政区划", "住址", "人员状态", "注销原因", "注销日期")
RESOURCES: dict[str, Resource] = {
    r.code: r
    for r in (
        Resource(
            "ga.population", "csv", _POP, encoding="gb18030", id_cols=("公民身份号码",), name_cols=("姓名",),
            dates={"出生日期": "ymd", "注销日期": "ymd"}, district="行政区划", gender="性别",
            required=("公民身份号码", "姓名", "户号"), conflict="住址",
        ),
        Resource(
            "ga.vehicles", "csv",
            ("plate_number", "owner_id_number", "owner_name", "vehicle_type", "brand", "register_date", "status"),
            id_cols=("owner_id_number",), name_cols=("owner_name",), dates={"register_date": "iso"},
            required=("plate_number", "owner_id_number", "owner_name"), conflict="brand",
        ),
        Resource(
            "wj.deaths", "jsonl",
            ("certificate_no", "id_number", "name", "gender", "death_date", "place", "district_code"),
            id_cols=("id_number",), name_cols=("name",), dates={"death_date": "iso"}, district="district_code",
            gender="gender", required=("certificate_no", "id_number", "name"), conflict="death_date",
        ),
        Resource(
            "rs.social_insurance", "csv",
            ("id_number", "name", "employer_uscc", "employer_name", "insurance_type", "period", "contribution_base"),
            encoding="utf-8-sig", id_cols=("id_number",), name_cols=("name",), dates={"period": "ym"},
            amounts={"contribution_base": "yuan"}, required=("id_number", "insurance_type", "period"),
            conflict="contribution_base",
        ),
        Resource(
            "rs.pensions", "xlsx", ("身份证号", "姓名", "待遇类型", "月发放金额", "开始月份", "发放状态"),
            id_cols=("身份证号",), name_cols=("姓名",), dates={"开始月份": "ym"}, amounts={"月发放金额": "float"},
            required=("身份证号", "月发放金额", "发放状态"), conflict="月发放金额",
        ),
        Resource(
            "gjj.deposits", "csv",
            ("account_no", "id_number", "name", "employer_name", "monthly_deposit_fen", "balance_fen", "last_deposit_month", "status"),
            delimiter="|", id_cols=("id_number",), name_cols=("name",), dates={"last_deposit_month": "ym"},
            amounts={"monthly_deposit_fen": "fen", "balance_fen": "fen"},
            required=("account_no", "id_number", "status"), conflict="balance_fen",
        ),
        Resource(
            "zr.real_estate", "parquet",
            ("certificate_no", "owner_id_number", "owner_name", "co_owner_id_numbers", "property_use", "area_m2", "location", "district_code", "register_date", "status"),
            id_cols=("owner_id_number", "co_owner_id_numbers"), name_cols=("owner_name",), amounts={"area_m2": "typed"},
            district="district_code", required=("certificate_no", "owner_id_number", "property_use"), conflict="area_m2",
        ),
        Resource(
            "sj.enterprises", "jsonl",
            ("uscc", "name", "entity_type", "legal_rep.name", "legal_rep.id_number", "registered_capital_wan", "status", "established_date", "district_code"),
            id_cols=("legal_rep.id_number",), name_cols=("legal_rep.name",), dates={"established_date": "iso"},
            amounts={"registered_capital_wan": "float"}, district="district_code",
            required=("uscc", "legal_rep.id_number", "status"), conflict="registered_capital_wan",
        ),
        Resource(
            "mz.recipients", "csv",
            ("案件编号", "救助类型", "申请人身份证号", "申请人姓名", "行政区划", "家庭人口数", "月救助金额", "开始月份", "案件状态"),
            encoding="gbk", id_cols=("申请人身份证号",), name_cols=("申请人姓名",), dates={"开始月份": "ym"},
            amounts={"月救助金额": "yuan"}, district="行政区划", required=("案件编号", "申请人身份证号"), conflict="月救助金额",
        ),
        Resource(
            "mz.members", "csv", ("案件编号", "成员身份证号", "成员姓名", "与申请人关系"), encoding="gbk",
            id_cols=("成员身份证号",), name_cols=("成员姓名",), required=("案件编号", "成员身份证号"), conflict="与申请人关系",
        ),
    )
}


@dataclass
class Table:
    """One batch of one resource: equal-length column arrays in delivery order, and per row whether
    it is protected (belongs to an assistance household or decides a truth flag)."""

    resource: Resource
    batch_id: str
    data: dict[str, np.ndarray]
    protected: np.ndarray

    def __len__(self) -> int:
        return len(self.protected)

    def take(self, order: np.ndarray) -> Table:
        return Table(self.resource, self.batch_id, {k: v[order] for k, v in self.data.items()}, self.protected[order])


class TableBuilder:
    """Collects column chunks (bulk random records) and single rows (planted records) per batch."""

    def __init__(self, resource: Resource):
        self.resource = resource
        self._chunks: dict[str, list[tuple[dict[str, np.ndarray], np.ndarray]]] = defaultdict(list)
        self._rows: dict[str, list[dict]] = defaultdict(list)

    def add_columns(self, batch_id: str, columns: dict[str, np.ndarray], protected: np.ndarray) -> None:
        self._chunks[batch_id].append((columns, np.asarray(protected, dtype=bool)))

    def add_row(self, row: dict, batch_id: str = CURRENT_BATCH) -> None:
        """A planted record: always protected from destructive noise."""
        missing = set(self.resource.columns) - set(row)
        if missing:
            raise ValueError(f"{self.resource.code} row lacks {sorted(missing)}")
        self._rows[batch_id].append(row)

    def build(self, rng: np.random.Generator, shuffle: bool = True) -> list[Table]:
        """One table per batch (sorted by batch id), planted rows mixed in at random places."""
        tables = []
        for batch_id in sorted(set(self._chunks) | set(self._rows)):
            parts = list(self._chunks.get(batch_id, []))
            rows = self._rows.get(batch_id, [])
            if rows:
                planted = {c: objects([r[c] for r in rows]) for c in self.resource.columns}
                parts.append((planted, np.ones(len(rows), dtype=bool)))
            data = {c: _concat([p[0][c] for p in parts]) for c in self.resource.columns}
            table = Table(self.resource, batch_id, data, np.concatenate([p[1] for p in parts]))
            tables.append(table.take(rng.permutation(len(table))) if shuffle else table)
        return tables


def objects(values: list) -> np.ndarray:
    """An object array holding the values as they are (lists stay list elements)."""
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        out[i] = v
    return out


def _concat(arrays: list[np.ndarray]) -> np.ndarray:
    if all(a.dtype != object for a in arrays) and len({a.dtype for a in arrays}) == 1:
        return np.concatenate(arrays)
    return np.concatenate([a.astype(object) if a.dtype != object else a for a in arrays])
