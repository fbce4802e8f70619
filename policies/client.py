"""A small Python client for the SQL gateway's HTTP route (`POST /v1/sql`, owned by exchange):
results come back as Arrow and convert to pandas. The route runs the same engine and audit."""

from __future__ import annotations

from typing import Self

import httpx
import pyarrow as pa

from policies.errors import ERROR_CODES, PolicyError

__all__ = ["GatewayHTTPError", "HubSQLClient"]

ARROW_STREAM = "application/vnd.apache.arrow.stream"


class GatewayHTTPError(RuntimeError):
    """A response that is not the gateway's JSON error shape (e.g. an auth failure)."""

    def __init__(self, status: int, body: str) -> None:
        self.status = status
        super().__init__(f"HTTP {status}: {body[:200]}")


class HubSQLClient:
    """`HubSQLClient(base_url, token).query(sql)` -> `pyarrow.Table` (bearer-token auth)."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 120.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self._http = httpx.Client(base_url=base_url, timeout=timeout, transport=transport,
                                  headers={"Authorization": f"Bearer {token}"})

    def query(self, sql: str, *, grant_ids: list[str] | None = None) -> pa.Table:
        body: dict[str, object] = {"sql": sql, "format": "arrow"}
        if grant_ids:
            body["grant_ids"] = grant_ids
        response = self._http.post("/v1/sql", json=body, headers={"Accept": ARROW_STREAM})
        if response.status_code != 200:
            raise _error(response)
        return pa.ipc.open_stream(response.content).read_all()

    def query_pandas(self, sql: str, *, grant_ids: list[str] | None = None):
        """The result as a pandas DataFrame (pandas must be installed)."""
        return self.query(sql, grant_ids=grant_ids).to_pandas()

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _error(response: httpx.Response) -> Exception:
    try:
        error = response.json()["error"]
        if error["code"] in ERROR_CODES:
            return PolicyError(error["code"], error["message"])
    except (ValueError, KeyError, TypeError):
        pass
    return GatewayHTTPError(response.status_code, response.text)
