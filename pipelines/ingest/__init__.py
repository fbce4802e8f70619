"""Ingestion of department deliveries: landing → raw → standardised → published."""

from pipelines.ingest.landing import Delivery, find_deliveries, unknown_folders
from pipelines.ingest.readers import BatchRejected
from pipelines.ingest.service import (
    BatchOutcome,
    QualityGate,
    ingest_raw,
    pending_by_resource,
    pending_deliveries,
    publish,
    standardise,
)

__all__ = [
    "BatchOutcome",
    "BatchRejected",
    "Delivery",
    "QualityGate",
    "find_deliveries",
    "ingest_raw",
    "pending_by_resource",
    "pending_deliveries",
    "publish",
    "standardise",
    "unknown_folders",
]
