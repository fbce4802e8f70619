"""The SQL gateway's first Python client, kept for code written against it: it now delegates
to the consumer client (`hubclient`, docs/client.md) — the same request and retries — and
raises the errors it always did: `PolicyError` for the gateway's codes, else
`GatewayHTTPError`. New code uses `hubclient.HubClient.sql`, which also fetches tokens."""

from __future__ import annotations

from typing import Self

import httpx
import pyarrow as pa
from hubclient import ARROW_STREAM, HubClient
from hubclient.errors import ApiError

from policies.errors import ERROR_CODES, PolicyError

__all__ = ["ARROW_STREAM", "GatewayHTTPError", "HubSQLClient"]


class GatewayHTTPError(RuntimeError):
    """A response that is not the gateway's JSON error shape (e.g. an auth failure)."""

    def __init__(self, status: int, body: str) -> None:
        self.status = status
        super().__init__(f"HTTP {status}: {body[:200]}")


class HubSQLClient:
    """`HubSQLClient(base_url, token).query(sql)` -> `pyarrow.Table` (bearer-token auth)."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 120.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        # Any base URL, as this class always took: new code gets hubclient's https rule.
        self._client = HubClient(base_url, token=token, timeout=timeout, transport=transport,
                                 allow_insecure_http=True)

    def query(self, sql: str, *, grant_ids: list[str] | None = None) -> pa.Table:
        try:
            return self._client.sql(sql, grant_ids=grant_ids)
        except ApiError as error:
            raise _error(error) from None

    def query_pandas(self, sql: str, *, grant_ids: list[str] | None = None):
        """The result as a pandas DataFrame (pandas must be installed)."""
        return self.query(sql, grant_ids=grant_ids).to_pandas()

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _error(error: ApiError) -> Exception:
    if isinstance(error.body, dict) and error.code in ERROR_CODES:
        return PolicyError(error.code, error.message)
    body = error.body if isinstance(error.body, str) else error.message
    return GatewayHTTPError(error.status, body)
