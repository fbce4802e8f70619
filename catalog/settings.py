"""The hub's settings: one object, read from `HUB_*` environment variables at the edges."""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from catalog.errors import HubError
from catalog.i18n import DEFAULT, _, normalise

__all__ = ["HubSettings", "SettingsError", "get_settings"]


def _sqlite_registry(home: Path) -> str:
    """The default registry: SQLite in the hub's home (resolved as `HubSettings.home` is)."""
    return f"sqlite:///{Path(home).expanduser().resolve() / 'registry.db'}"


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
    registry_url: str = Field(
        default_factory=lambda fields: _sqlite_registry(fields.get("home", Path(".hub"))),
        description="SQLAlchemy URL of the registry (catalog, batches); defaults to SQLite in "
        "`<home>/registry.db`; a `postgresql://user@host/db` URL works too (psycopg 3).",
    )
    duckdb_threads: int = Field(default=2, ge=1, description="DuckDB worker threads.")
    duckdb_memory_limit: str = Field(
        default="8GB", description="DuckDB memory limit per connection (DuckDB size syntax)."
    )
    engine: Literal["duckdb", "spark"] = Field(
        default="duckdb",
        description="Where the hub's heavy SQL runs (standardisation, quality conditions, the "
        "cross-check, extracts, grant snapshots): DuckDB in process, or Spark (docs/spark.md).",
    )
    spark_master: str = Field(
        default="local[2]",
        pattern=r"^(local(\[([1-9][0-9]*|\*)\])?|spark://[^\s]+|sc://[^\s]+|k8s://[^\s]+|yarn)$",
        description="Spark's master: `local[N]`, a cluster's `spark://host:port`, a Spark "
        "Connect server's `sc://host:port`, or `yarn`/`k8s://…` under `spark-submit` "
        "(docs/spark-cluster.md).",
    )
    ingest_chunk_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=1024,
        description="Bytes of a delivered text file decoded and split per step of ingestion.",
    )
    language: str = Field(
        default=DEFAULT,
        description="The language the hub speaks where no person chose one (CLI, audit findings, "
        "e-mails, the web app's default): `zh` (Simplified Chinese) or `en`.",
    )
    quality_results_kept: int = Field(
        default=10,
        ge=1,
        description="Stored GX validation results (and Data Docs pages) kept per resource; the "
        "catalog keeps every run's scores.",
    )

    # --- deployment ------------------------------------------------------------------------
    mode: Literal["demo", "production"] = Field(
        default="demo",
        description="`production` refuses to start with demo secrets or a missing key.",
    )
    secret_key: SecretStr = Field(
        default=SecretStr("demo-only-secret-change-me"),
        description="Master secret: derives per-grant HMAC keys and encrypts stored keys.",
    )

    # --- sharing API (exchange) --------------------------------------------------------------
    api_issuer: str = Field(default="https://hub.example", description="JWT `iss`.")
    api_audience: str = Field(default="city-data-hub", description="JWT `aud`.")
    public_base_url: str | None = Field(
        default=None, description="The hub's public address: identifiers, landing pages and "
        "download links of the DCAT-AP export and open data; defaults to `api_issuer`.",
    )
    open_data_licence: str = Field(
        default="http://publications.europa.eu/resource/authority/licence/CC_BY_4_0",
        description="Licence (URI) under which open data is published (DCAT-AP `dct:license`).",
    )
    token_ttl_seconds: int = Field(default=900, ge=60, description="Access-token lifetime.")
    max_body_bytes: int = Field(default=1_048_576, ge=1024, description="Largest request body.")
    max_page_size: int = Field(default=500, ge=1, description="Largest page of any list.")
    request_timeout_seconds: float = Field(default=30.0, gt=0, description="Per request.")
    rate_limit_per_address: int = Field(
        default=1200, ge=1, description="Requests one client address may make per window "
        "(429 with Retry-After beyond).")
    rate_limit_per_client: int = Field(
        default=600, ge=1, description="Requests one authenticated client may make per window.")
    rate_limit_window_seconds: float = Field(
        default=60.0, gt=0, description="The sliding window of both rate limits.")
    extract_stream_max_rows: int = Field(
        default=5_000_000, ge=0, description="Extracts of resources with more published rows "
        "are prepared as a Dagster run and downloaded when done; smaller ones stream at once.",
    )
    review_days_compliance: int = Field(
        default=2, ge=1, description="Working days for the compliance check of an order."
    )
    review_days_provider: int = Field(
        default=5, ge=1, description="Working days for the provider department's reply."
    )
    review_holidays: list[date] = Field(
        default_factory=list,
        description="Public holidays that are not working days for review deadlines (JSON list).",
    )
    review_workdays: list[date] = Field(
        default_factory=list,
        description="Weekend days that are working days (调休) for review deadlines (JSON list).",
    )
    review_own_departments: list[str] = Field(
        default_factory=list,
        description="Departments whose own orders their own reviewers (or, for the hub, the "
        "chief data officer) may decide; by default nobody decides their own department's "
        "order (separation of duties). JSON list of department codes.",
    )

    # --- catalog web app (exchange.web) ------------------------------------------------------
    web_session_idle_seconds: int = Field(
        default=1800, ge=60, description="A web session unused this long ends (idle expiry)."
    )
    web_session_max_seconds: int = Field(
        default=43_200, ge=60, description="A web session ends this long after sign-in, used or not."
    )
    web_login_max_failures: int = Field(
        default=5, ge=1, description="Failed sign-ins to one user name before it is locked."
    )
    web_login_lockout_seconds: int = Field(
        default=900, ge=1, description="How long failed sign-ins count, and a lock lasts."
    )

    # --- notifications (catalog.notify, catalog.notify_delivery) -----------------------------
    smtp_url: SecretStr | None = Field(
        default=None, description="The SMTP server e-mail notifications go through: "
        "`smtp://[user:password@]host[:port]` (plain), `smtp+starttls://…` or `smtps://…` "
        "(TLS); unset: e-mail subscriptions wait, undelivered, until it is set.",
    )
    smtp_from: str = Field(
        default="一网共享 <noreply@hub.example>",
        description="The From address of notification e-mails.",
    )
    notify_max_attempts: int = Field(
        default=8, ge=1, description="Tries per notification before it is marked failed."
    )
    notify_backoff_seconds: float = Field(
        default=30.0, gt=0, description="Wait before the first retry; it doubles each retry."
    )
    notify_backoff_max_seconds: float = Field(
        default=3600.0, gt=0, description="The longest wait between two tries."
    )
    notify_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Per webhook request or SMTP conversation."
    )
    notify_poll_seconds: float = Field(
        default=30.0, gt=0, description="How often `hub serve` looks for notifications other "
        "processes (pipelines, audits) recorded.",
    )
    notify_quarantine_ratio: float = Field(
        default=0.05, ge=0, le=1, description="Quarantined share of a batch's rows above which "
        "its provider is notified (`batch.quarantined`).",
    )
    notify_expiring_days: int = Field(
        default=7, ge=1, description="Days before an order's last valid day its department "
        "is told the grant is expiring (`grant.expiring`).",
    )
    notify_due_hours: int = Field(
        default=24, ge=1, description="Hours before a review deadline its reviewers are "
        "reminded (`order.review_due`).",
    )

    # --- SQL gateway and policies --------------------------------------------------------------
    gateway_max_query_chars: int = Field(default=20_000, ge=100, description="Longest query.")
    gateway_max_depth: int = Field(default=40, ge=5, description="Deepest expression nesting.")
    gateway_timeout_seconds: float = Field(default=30.0, gt=0, description="Query run time.")
    gateway_max_rows: int = Field(default=100_000, ge=1, description="Most rows returned.")
    gateway_max_result_bytes: int = Field(
        default=128 * 1024 * 1024, ge=1024,
        description="Largest result (in Arrow bytes) returned; a larger one is refused.")
    gateway_memory_limit: str = Field(default="2GB", description="DuckDB memory per query.")
    gateway_snapshots: Literal["auto", "manual", "off"] = Field(
        default="auto", description="Per-grant materialised protected tables: `auto` builds "
        "one in the background when a query finds none, `manual` only reads those `hub grants "
        "materialise` built, `off` always reads the inline masked form.",
    )
    min_group_size: int = Field(
        default=10, ge=1, description="Smallest group an aggregate-only grant may see (k)."
    )

    @field_validator("language", mode="before")
    @classmethod
    def _shipped_language(cls, value: object) -> str:
        """A language the hub ships (`catalog.i18n.normalise`), in its catalog's name."""
        found = normalise(value) if isinstance(value, str) else None
        if found is None:
            raise ValueError(_("not a language the hub speaks: use zh or en"))
        return found

    @model_validator(mode="after")
    def _resolve_paths(self) -> HubSettings:
        self.home = self.home.expanduser().resolve()
        self.landing = (self.landing or self.home / "landing").expanduser().resolve()
        self.public_base_url = (self.public_base_url or self.api_issuer).rstrip("/")
        if self.mode == "production" and self.secret_key.get_secret_value().startswith("demo"):
            raise ValueError(_("HUB_SECRET_KEY must be set to a real secret in production mode"))
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


class SettingsError(HubError):
    """A `HUB_*` variable with a value the hub cannot use, named as the user set it."""

    code, status = "invalid_settings", 500

    @classmethod
    def from_validation(cls, error: ValidationError) -> SettingsError:
        problems = []
        for e in error.errors():
            message = str(e["msg"]).removeprefix("Value error, ")
            if not e["loc"]:  # a rule across fields: its message names the variable
                problems.append(message)
                continue
            name = "HUB_" + "_".join(str(part) for part in e["loc"]).upper()
            problems.append(f"{name}={e['input']!s}: {message}")
        return cls(_("{problems} (fix the environment variable; README: Settings)",
                     problems="; ".join(problems)))


@functools.cache
def get_settings() -> HubSettings:
    """The process's settings, built once on first use (never at import time)."""
    try:
        return HubSettings()
    except ValidationError as exc:
        raise SettingsError.from_validation(exc) from None
