"""Where a hub home keeps its quality reports: GX's stores and Data Docs, and the departments'
feedback files. No Great Expectations here: the ingestion steps write and clear feedback files
without loading it (about 3 s)."""

from __future__ import annotations

from pathlib import Path

from catalog import HubSettings

__all__ = ["data_docs_index", "feedback_dir", "quality_home"]


def quality_home(settings: HubSettings) -> Path:
    return settings.home / "quality"


def data_docs_index(settings: HubSettings) -> Path:
    return quality_home(settings) / "docs" / "index.html"


def feedback_dir(settings: HubSettings) -> Path:
    return quality_home(settings) / "feedback"
