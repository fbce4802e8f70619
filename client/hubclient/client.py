"""`HubClient`: a department's code using its grants — orders, extracts read as Arrow (then
pandas or Spark) with the delivery manifest checked, the governed SQL gateway, verification."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Self
from urllib.parse import quote, urlsplit

import httpx
import pyarrow as pa

from hubclient.auth import TOKEN_PATH, oauth_client, private_key_auth
from hubclient.errors import HubClientError, NotReady, error_from_response
from hubclient.profile import Profile
from hubclient.retry import RetryTransport
from hubclient.transfer import check_manifest, read_arrow

__all__ = ["ARROW_STREAM", "HubClient", "Verification"]

ARROW_STREAM = "application/vnd.apache.arrow.stream"
_LOOPBACK = ("127.0.0.1", "::1", "localhost")
OrderRef = str | dict[str, Any]  # an order id, or an order as the API returns it


@dataclass(frozen=True)
class Verification:
    """A verification (核验) answer: yes or no, the calls the order has left, the audit entry."""

    check: str
    order_id: str
    answer: bool
    calls_left: int
    audit_seq: int


def _order_id(order: OrderRef) -> str:
    value = order.get("id") if isinstance(order, dict) else order
    if not isinstance(value, str) or not value:
        raise TypeError("an order is its id or the order the API returned (with 'id')")
    return value


def _order_path(order: OrderRef) -> str:
    return "/v1/orders/" + quote(_order_id(order), safe="")


class HubClient:
    """One client of the hub. Give a profile (`from_profile`), client credentials, or a bearer
    token obtained elsewhere (`token=`, never renewed). Every request is retried with backoff
    on 429 `rate_limited` and 503 (`attempts` sends at most); refusals raise the typed
    exceptions of `hubclient.errors`. Secrets and tokens travel over HTTPS only (plain HTTP to
    this machine's loopback, or where `allow_insecure_http` says so)."""

    def __init__(self, endpoint: str, client_id: str | None = None, *,
                 client_secret: str | None = None, private_key: str | None = None,
                 token: str | None = None, scope: str | None = None, timeout: float = 120.0,
                 attempts: int = 6, transport: httpx.BaseTransport | None = None,
                 allow_insecure_http: bool = False) -> None:
        url = urlsplit(endpoint)
        if url.scheme not in ("https", "http") or not url.hostname:
            raise HubClientError(f"the endpoint must be an https:// URL, not {endpoint!r}")
        if url.scheme == "http" and url.hostname not in _LOOPBACK and not allow_insecure_http:
            raise HubClientError("the endpoint must be https:// (plain http only to this "
                                 "machine): secrets and tokens would travel in clear")
        if token is None and (client_id is None or (client_secret is None) == (
                private_key is None)):
            raise HubClientError("give a client id with one of client_secret or private_key, "
                                 "or a token")
        inner = transport or httpx.HTTPTransport(retries=2)
        self._private_key = private_key
        self._renewable = token is None
        self._http = oauth_client(
            client_id=client_id, credential=client_secret, scope=scope,
            auth_method="private_key_jwt" if private_key else None,
            token={"access_token": token, "token_type": "Bearer"} if token else None,
            base_url=endpoint.rstrip("/"), timeout=timeout, follow_redirects=False,
            transport=RetryTransport(inner, attempts=attempts))

    @classmethod
    def from_profile(cls, path: str | Path, **options: Any) -> HubClient:
        """A client as the profile file says (`hubclient.profile`)."""
        profile = Profile.load(path)
        return cls(profile.endpoint, profile.client_id, client_secret=profile.client_secret,
                   private_key=profile.private_key, scope=profile.scope,
                   timeout=profile.timeout, **options)

    # -- tokens and requests --------------------------------------------------------------

    @property
    def token(self) -> dict | None:
        """The current token response (`access_token`, `expires_at`, `scope`), if any."""
        return self._http.token

    def fetch_token(self) -> dict:
        """Fetch a new access token now (otherwise done on first use and before expiry)."""
        if not self._renewable:
            raise HubClientError("this client was given a token and cannot fetch another")
        if self._private_key is not None and self._http.client_secret is None:
            audience = self._get("/.well-known/oauth-authorization-server",
                                 anonymous=True)["token_endpoint"]
            key, method = private_key_auth(self._private_key, audience)
            self._http.client_secret = key
            self._http.register_client_auth_method(method)
        return self._http.fetch_token(TOKEN_PATH, grant_type="client_credentials")

    def _authorised(self, renew: bool) -> None:
        if self._http.token is None or renew:
            self.fetch_token()
        else:
            self._http.ensure_active_token(self._http.token)

    def _send(self, method: str, path: str, *, stream: bool = False, anonymous: bool = False,
              **request: Any) -> httpx.Response:
        """One request, authorised unless `anonymous`; raises the typed error of a refusal.
        A refused token is renewed once (the hub may have rotated keys or credentials)."""
        for renew in (False, True):
            auth = None
            if not anonymous:
                self._authorised(renew)
                auth = self._http.token_auth
            response = self._http.send(self._http.build_request(method, path, **request),
                                       auth=auth, stream=stream)
            if response.status_code == 401 and not renew and self._renewable and not anonymous:
                response.close()
                continue
            break
        if response.status_code >= 400:
            response.read()
            response.close()
            raise error_from_response(response)
        return response

    def _get(self, path: str, **request: Any) -> Any:
        return self._send("GET", path, **request).json()

    def _pages(self, path: str, params: dict[str, Any] | None = None) -> list[dict]:
        """Every item of a paged list (`items`, `next_offset`)."""
        items, offset = [], 0
        while offset is not None:
            page = self._get(path, params={**(params or {}), "offset": offset})
            items.extend(page["items"])
            offset = page["next_offset"]
        return items

    # -- who, orders ----------------------------------------------------------------------

    def me(self) -> dict:
        """Who the token says this client is: client id, department, roles, scopes."""
        return self._get("/v1/me")

    def list_orders(self, status: str | None = None, *, escalated: bool | None = None
                    ) -> list[dict]:
        """Every order this client may see (its department's; reviewers: their resources')."""
        params = {k: v for k, v in (("status", status), ("escalated", escalated))
                  if v is not None}
        return self._pages("/v1/orders", params)

    def order(self, order: OrderRef) -> dict:
        """One order, with its history."""
        return self._get(_order_path(order))

    def place_order(self, resource: str, *, mode: str, purpose: str, legal_basis: str,
                    valid_until: date | str, quota_calls: int, items: list[str] | None = None,
                    **fields: Any) -> dict:
        """Order one resource; other fields as the API takes them (`valid_from`, `row_scope`,
        `subscribe`, `delivery_format`). Returns the order (approved at once or in review)."""
        body = {"resource": resource, "mode": mode, "items": list(items or []),
                "purpose": purpose, "legal_basis": legal_basis, "quota_calls": quota_calls,
                "valid_until": str(valid_until), **fields}
        body = {k: v.isoformat() if isinstance(v, date) else v for k, v in body.items()}
        return self._send("POST", "/v1/orders", json=body).json()

    # -- extracts -------------------------------------------------------------------------

    def delivery(self, delivery_id: str) -> dict:
        """A delivery's manifest: status, rows, bytes, SHA-256, policy version."""
        return self._get(f"/v1/deliveries/{quote(delivery_id, safe='')}")

    def deliveries(self, order: OrderRef) -> list[dict]:
        """The manifests of every extract delivered under the order."""
        return self._pages(f"{_order_path(order)}/deliveries")

    def load_as_arrow(self, order: OrderRef, *, wait: float = 0.0) -> pa.Table:
        """The order's rows, masked and filtered as its grant allows, read as an Arrow stream
        and checked against the delivery's manifest (`ManifestMismatch` if they differ). An
        extract too large to stream is prepared by the hub: waited for up to `wait` seconds,
        else `NotReady` (its `body` is the delivery: `load_delivery` it later)."""
        response = self._send("GET", f"{_order_path(order)}/extract",
                              params={"format": "arrow"}, stream=True)
        if response.status_code == 202:
            response.read()
            response.close()
            return self.load_delivery(response.json()["id"], wait=wait)
        return self._read_checked(response)

    def load_delivery(self, delivery_id: str, *, wait: float = 0.0) -> pa.Table:
        """A prepared (queued) Arrow extract, once written — waited for up to `wait` seconds,
        else `NotReady` — downloaded and checked against its manifest; a download is a use."""
        delivery, pause = self.delivery(delivery_id), 0.5
        deadline = time.monotonic() + wait
        while delivery["status"] == "queued" and time.monotonic() < deadline:
            time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
            pause = min(pause * 2, 5.0)
            delivery = self.delivery(delivery_id)
        if delivery["status"] != "complete":
            raise NotReady("not_ready", f"The delivery {delivery_id} is {delivery['status']}: "
                           "load it later with load_delivery.", 409, delivery)
        if delivery["format"] != "arrow":
            raise HubClientError(f"the delivery {delivery_id} is {delivery['format']}, not arrow")
        return self._read_checked(self._send(
            "GET", f"/v1/deliveries/{quote(delivery_id, safe='')}/file", stream=True))

    def _read_checked(self, response: httpx.Response) -> pa.Table:
        try:
            delivery_id = response.headers["x-delivery-id"]
            table, body = read_arrow(response)
        finally:
            response.close()
        check_manifest(self.delivery(delivery_id), table, body)
        return table

    def load_as_pandas(self, order: OrderRef, *, wait: float = 0.0):
        """`load_as_arrow` as a pandas DataFrame (the `pandas` extra)."""
        _need("pandas", "pandas")
        return self.load_as_arrow(order, wait=wait).to_pandas()

    def load_as_spark(self, order: OrderRef, spark=None, *, wait: float = 0.0):
        """`load_as_arrow` as a Spark DataFrame of `spark` (default: the active session, or a
        new local one); the `spark` extra."""
        _need("pyspark", "spark")
        from pyspark.sql import SparkSession

        session = spark or SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()
        return session.createDataFrame(self.load_as_arrow(order, wait=wait))  # Spark 4: Arrow

    # -- SQL and verification -------------------------------------------------------------

    def sql(self, query: str, *, order: OrderRef | None = None,
            grant_ids: list[str] | None = None) -> pa.Table:
        """One read-only SELECT through the governed SQL gateway (query and aggregate
        orders), as Arrow; `order` or `grant_ids` choose the grants where several apply."""
        body: dict[str, Any] = {"sql": query, "format": "arrow"}
        if order is not None:
            body["order_id"] = _order_id(order)
        if grant_ids:
            body["grant_ids"] = list(grant_ids)
        response = self._send("POST", "/v1/sql", json=body, headers={"Accept": ARROW_STREAM})
        return pa.ipc.open_stream(response.content).read_all()

    def verify(self, check: str, order: OrderRef, id_number: str,
               name: str | None = None) -> Verification:
        """Ask one verification question (e.g. `identity`: does this name hold this ID number?)
        under a verify order; uses one call of its quota."""
        body = {"order_id": _order_id(order), "id_number": id_number}
        if name is not None:
            body["name"] = name
        answer = self._send("POST", f"/v1/verify/{quote(check, safe='')}", json=body).json()
        return Verification(**{k: answer[k] for k in Verification.__dataclass_fields__})

    # -- lifetime -------------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _need(module: str, extra: str) -> None:
    try:
        __import__(module)
    except ImportError:
        raise HubClientError(f"{module} is not installed: pip install "
                             f"'city-data-hub-client[{extra}]'") from None
