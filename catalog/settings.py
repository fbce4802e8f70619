"""The hub's settings: one object, read from `HUB_*` environment variables at the edges."""

from __future__ import annotations

import functools
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["HubSettings", "get_settings"]


class HubSettings(BaseSettings):
    """Where the hub lives and how its engines are sized. Every field is documented in README."""

    model_config = SettingsConfigDict(env_prefix="HUB_", extra="forbid")

    home: Path = Field(
        default=Path(".hub"),
        description="The hub's home: the lake, the registry and run state live below it.",
    )
    landing: Path | None = Field(
        default=None,
        description="Where departments deliver batches (`<landing>/<resource>/<batch>.<ext>`); "
        "defaults to `<home>/landing`.",
    )
    registry_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the registry (catalog, batches); defaults to SQLite in "
        "`<home>/registry.db`; a `postgresql+psycopg://…` URL works too.",
    )
    duckdb_threads: int = Field(default=2, ge=1, description="DuckDB worker threads.")
    duckdb_memory_limit: str = Field(
        default="8GB", description="DuckDB memory limit per connection (DuckDB size syntax)."
    )
    ingest_chunk_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=1024,
        description="Bytes of a delivered text file decoded and split per step of ingestion.",
    )

    @model_validator(mode="after")
    def _resolve_paths(self) -> HubSettings:
        self.home = self.home.expanduser().resolve()
        self.landing = (self.landing or self.home / "landing").expanduser().resolve()
        if self.registry_url is None:
            self.registry_url = f"sqlite:///{self.home / 'registry.db'}"
        return self

    @property
    def lake(self) -> Path:
        """Parquet files of every layer, written atomically and listed in the registry."""
        return self.home / "lake"

    @property
    def analyst_db(self) -> Path:
        """The analysts' DuckDB database: schemas and views over published files, read-only."""
        return self.home / "hub.duckdb"

    @property
    def landing_dir(self) -> Path:
        assert self.landing is not None  # set by the validator
        return self.landing


@functools.cache
def get_settings() -> HubSettings:
    """The process's settings, built once on first use (never at import time)."""
    return HubSettings()
