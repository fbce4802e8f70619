"""The resource directory: declarations, settings, the registry and the lake's storage rules."""

import warnings

# Every hub process imports this package. Great Expectations imports pyspark whenever it is
# installed (the `spark` extra), and pyspark then warns on every run that it does not fully
# support pandas 3, which the hub pins; the hub's Spark use is tested with it (tests marked
# `spark`), so the warning tells the people running the hub nothing.
_PYSPARK_PANDAS = "PySpark does not yet fully support pandas"  # i18n: not shown (pyspark's)
warnings.filterwarnings("ignore", message=_PYSPARK_PANDAS, category=FutureWarning)

from catalog.errors import HubError, UnknownResource
from catalog.model import (
    Category,
    DataItem,
    Department,
    Grade,
    ItemType,
    Load,
    OpenAttribute,
    Resource,
    Sensitivity,
    SharingAttribute,
    SourceFormat,
    UpdateCycle,
)
from catalog.registry import (
    BatchRecord,
    BatchStatus,
    EntryStatus,
    Publication,
    Registry,
    open_registry,
)
from catalog.resources import DEPARTMENTS, RESOURCES, delivered_resources, resource
from catalog.roles import CLIENT_ROLES, Role
from catalog.settings import HubSettings, get_settings

__all__ = [
    "CLIENT_ROLES",
    "DEPARTMENTS",
    "RESOURCES",
    "BatchRecord",
    "BatchStatus",
    "Category",
    "DataItem",
    "Department",
    "EntryStatus",
    "Grade",
    "HubError",
    "HubSettings",
    "ItemType",
    "Load",
    "OpenAttribute",
    "Publication",
    "Registry",
    "Resource",
    "Role",
    "Sensitivity",
    "SharingAttribute",
    "SourceFormat",
    "UnknownResource",
    "UpdateCycle",
    "delivered_resources",
    "get_settings",
    "open_registry",
    "resource",
]
