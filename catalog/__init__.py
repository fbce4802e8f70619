"""The resource directory: declarations, settings, the registry and the lake's storage rules."""

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
from catalog.settings import HubSettings, get_settings

__all__ = [
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
