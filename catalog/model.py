"""The resource directory's vocabulary (《政务信息资源目录编制指南》): resources and data items.

Declarations are code (`catalog.resources`); the registry stores them and what the hub learns
about each resource (batches, versions, quality) beside them.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "Category",
    "DataItem",
    "Department",
    "Grade",
    "ItemType",
    "Load",
    "OpenAttribute",
    "Resource",
    "Sensitivity",
    "SharingAttribute",
    "SourceFormat",
    "UpdateCycle",
]


class Category(StrEnum):
    BASIC = "基础"
    THEMATIC = "主题"
    DEPARTMENTAL = "部门"


class SharingAttribute(StrEnum):
    UNCONDITIONAL = "无条件共享"
    CONDITIONAL = "有条件共享"
    NOT_SHARED = "不予共享"


class OpenAttribute(StrEnum):
    OPEN = "无条件开放"
    CONDITIONAL = "有条件开放"
    NOT_OPEN = "不予开放"


class Grade(StrEnum):
    """Data grade per GB/T 43697-2024 (数据安全技术 数据分类分级规则)."""

    GENERAL = "一般"
    IMPORTANT = "重要"
    CORE = "核心"


class Sensitivity(StrEnum):
    """What kind of personal or sensitive information a data item carries."""

    NONE = "none"
    ID_NUMBER = "id_number"
    NAME = "name"
    PHONE = "phone"
    ADDRESS = "address"
    BIRTH_DATE = "birth_date"
    GENDER = "gender"
    FINANCIAL = "financial"
    HEALTH = "health"
    PROPERTY = "property"
    HOUSEHOLD = "household"
    VEHICLE = "vehicle"

    @property
    def is_personal(self) -> bool:
        return self is not Sensitivity.NONE


class UpdateCycle(StrEnum):
    REALTIME = "实时"
    DAILY = "每日"
    WEEKLY = "每周"
    MONTHLY = "每月"
    QUARTERLY = "每季度"
    YEARLY = "每年"

    @property
    def period(self) -> timedelta:
        """How long a delivery stays fresh; a resource older than this is overdue."""
        return {
            "实时": timedelta(hours=1),
            "每日": timedelta(days=1),
            "每周": timedelta(days=7),
            "每月": timedelta(days=31),
            "每季度": timedelta(days=92),
            "每年": timedelta(days=366),
        }[self.value]


class SourceFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"
    XLSX = "xlsx"
    PARQUET = "parquet"


class Load(StrEnum):
    SNAPSHOT = "snapshot"
    APPEND = "append"


class ItemType(StrEnum):
    """How a delivered value is standardised (see `catalog.sqlmacros`)."""

    ID_NUMBER = "id_number"  # GB 11643; folded, 15→18, validity beside it
    ID_LIST = "id_list"  # list of GB 11643 numbers (co-owners)
    USCC = "uscc"  # GB 32100
    NAME = "name"  # folded; a normalised form for matching beside it
    TEXT = "text"
    CODE = "code"  # one of a code list
    DISTRICT = "district"  # GB/T 2260 six-digit code
    DATE = "date"  # mixed formats and Excel serials → DATE
    MONTH = "month"  # YYYYMM, dates or Excel serials → 'YYYYMM'
    AMOUNT = "amount"  # yuan, thousands separators allowed → DECIMAL(14,2)
    INTEGER = "integer"  # e.g. amounts in fen → BIGINT
    DECIMAL = "decimal"  # plain non-negative number, e.g. area, capital → DOUBLE


class Department(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(description="Short code, the prefix of its resource codes, e.g. `ga`.")
    name: str = Field(description="Full Chinese name, e.g. 惠州市公安局.")
    short_name: str


class DataItem(BaseModel):
    """One data item (信息项) of a resource."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Column name in the lake.")
    zh_name: str
    source: str = Field(description="Header, JSON path or column as delivered.")
    type: ItemType
    description: str = ""
    required: bool = False
    key: bool = False
    codes: tuple[str, ...] = ()
    sensitivity: Sensitivity = Sensitivity.NONE
    grade: Grade = Grade.GENERAL
    max_value: float | None = Field(
        default=None, description="Values above this cannot be right and are quarantined."
    )

    def lake_columns(self) -> dict[str, str]:
        """Columns the standardised layer holds for this item, each with its DuckDB type."""
        main = {
            ItemType.ID_LIST: "VARCHAR[]",
            ItemType.DATE: "DATE",
            ItemType.AMOUNT: "DECIMAL(14,2)",
            ItemType.INTEGER: "BIGINT",
            ItemType.DECIMAL: "DOUBLE",
        }.get(self.type, "VARCHAR")
        columns = {self.name: main, f"{self.name}_orig": "VARCHAR"}
        if self.type is ItemType.ID_NUMBER:
            columns[f"{self.name}_valid"] = "BOOLEAN"
        if self.type is ItemType.NAME:
            columns[f"{self.name}_norm"] = "VARCHAR"
        return columns


class Resource(BaseModel):
    """A catalogued resource: a department's delivery or a dataset the hub derives."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[a-z]+\.[a-z_]+$")
    name: str
    name_en: str
    provider: Department
    abstract: str
    category: Category
    format: SourceFormat
    encoding: str = "utf-8"
    delimiter: str = ","
    load: Load
    update_cycle: UpdateCycle
    sharing: SharingAttribute
    sharing_conditions: str = ""
    open: OpenAttribute = OpenAttribute.NOT_OPEN
    open_conditions: str = ""
    release_date: date
    related: tuple[str, ...] = ()
    derived_from: tuple[str, ...] = Field(
        default=(), description="Upstream resources of a derived dataset (empty for deliveries)."
    )
    items: tuple[DataItem, ...]

    @model_validator(mode="after")
    def _check_items(self) -> Resource:
        names = [item.name for item in self.items]
        if len(names) != len(set(names)):
            raise ValueError(f"{self.code}: duplicate data item names")
        if not any(item.key for item in self.items):
            raise ValueError(f"{self.code}: no key data item")
        return self

    @property
    def table(self) -> str:
        """Table name in the lake and the analysts' database, e.g. `ga_population`."""
        return self.code.replace(".", "_")

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(item.name for item in self.items if item.key)

    @property
    def is_delivered(self) -> bool:
        return not self.derived_from

    @property
    def schema_digest(self) -> str:
        """Names the schema revision a batch is read with: what reading and standardising
        depend on (format, encoding, delimiter, load, each item's name, source, type, key,
        required, codes, limit), never the descriptive text a catalog revision may change."""
        reading = self.model_dump(mode="json", include={"format", "encoding", "delimiter", "load"})
        reading["items"] = [item.model_dump(mode="json", include={
            "name", "source", "type", "key", "required", "codes", "max_value"})
            for item in self.items]
        text = json.dumps(reading, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def item(self, name: str) -> DataItem:
        for item in self.items:
            if item.name == name:
                return item
        raise KeyError(f"{self.code} has no data item {name!r}")

    def lake_columns(self) -> dict[str, DataItem]:
        """Every standardised-layer column with the data item it carries."""
        return {column: item for item in self.items for column in item.lake_columns()}
