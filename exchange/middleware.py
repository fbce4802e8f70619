"""ASGI middleware: the per-address rate limit, body-size and time limits, security headers,
and the audit of every request.

Each request gets an `AuditRecord` that handlers fill in. Unless a handler already appended it
(data uses are appended with their metering, before the answer leaves), it is appended here
with the response status, before the response starts: a request is never answered unlogged.

An unexpected exception is answered here — the API's error shape, with the security headers —
and audited as an `error` (decision `allow` < 400 ≤ `deny` < 500 ≤ `error`). If the handler had
already audited and metered the request, an error entry follows it and the calls it charged
are given back: a server error is never charged.
"""

from __future__ import annotations

import json
import logging

import anyio
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from catalog import HubSettings
from catalog.i18n import _
from exchange.audit_log import AuditLog, AuditRecord
from exchange.errors import error_body
from exchange.metering import refund
from exchange.ratelimit import RateLimits

__all__ = ["HubMiddleware"]

log = logging.getLogger("exchange")

_HEADERS = [(b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"), (b"referrer-policy", b"no-referrer")]
# Downloads may run longer than the per-request limit: extracts, prepared files, open data.
_STREAMING = ("/extract", "/file", "/data.csv", "/data.parquet")


class _TooLarge(HTTPException):
    """An HTTPException, so FastAPI's body parsing re-raises it instead of calling it a 400."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _("Bodies are limited to {limit} bytes.", limit=limit))


def _finish(record: AuditRecord, status: int) -> None:
    record.status = status
    record.decision = "allow" if status < 400 else "deny" if status < 500 else "error"
    if status >= 400:
        record.rows, record.result_sha256 = None, None


class HubMiddleware:
    def __init__(self, app: ASGIApp, settings: HubSettings, audit: AuditLog,
                 limits: RateLimits) -> None:
        self.app = app
        self.settings = settings
        self.audit = audit
        self.limits = limits

    async def _reply(self, send: Send, status: int, code: str, message: str,
                     extra: list[tuple[bytes, bytes]] = ()) -> None:
        body = json.dumps(error_body(code, message)).encode()
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            *extra, *_HEADERS]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        record = AuditRecord(method=scope["method"], route=scope["path"][:200])
        scope.setdefault("state", {})["audit"] = record
        client = scope.get("client")
        wait = self.limits.address(client[0] if client else "")
        if wait is not None:
            record.detail = {"rate_limit": "address"}
            await self._append(record, scope, 429)
            await self._reply(send, 429, "rate_limited",
                              _("Too many requests from this address: retry after {wait} s.",
                                wait=wait), [(b"retry-after", str(wait).encode())])
            return
        limit = self.settings.max_body_bytes
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._append(record, scope, 413)
            await self._reply(send, 413, "body_too_large",
                              _("Bodies are limited to {limit} bytes.", limit=limit))
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise _TooLarge(limit)
            return message

        async def audited_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if record.written is None:
                    await self._append(record, scope, message["status"])
                message["headers"] = [*message.get("headers", []), *_HEADERS]
            await send(message)

        streaming = scope["path"].endswith(_STREAMING)
        try:
            if streaming:
                await self.app(scope, limited_receive, audited_send)
            else:
                with anyio.move_on_after(self.settings.request_timeout_seconds) as limit_scope:
                    await self.app(scope, limited_receive, audited_send)
                # Out of time — also when a handler swallowed the cancellation and returned
                # without answering (else the server would say nothing useful, unaudited).
                if limit_scope.cancel_called and not started:
                    raise TimeoutError
        except _TooLarge:
            if not started:
                await self._append(record, scope, 413)
                await self._reply(send, 413, "body_too_large",
                                  _("Bodies are limited to {limit} bytes.", limit=limit))
        except TimeoutError:
            if not started:
                await self._failed(record, scope, 504)
                await self._reply(send, 504, "timeout", _("The request took too long."))
        except Exception:
            log.exception("unhandled error")
            if started:  # a streamed body broke off: nothing can be said any more
                raise
            await self._failed(record, scope, 500)
            await self._reply(send, 500, "internal_error",
                              _("The hub could not complete the request."))

    async def _failed(self, record: AuditRecord, scope: Scope, status: int) -> None:
        """Audit a request that failed on the server (500, or 504 out of time); give back
        what it was charged."""
        if record.written is None:
            await self._append(record, scope, status)
            return
        charged = list(record.charged)
        error = AuditRecord(method=record.method, route=record.route,
                            client_id=record.client_id, department=record.department,
                            roles=list(record.roles), order_id=record.order_id,
                            purpose=record.purpose, resource_code=record.resource_code,
                            items=list(record.items),
                            detail={"failed_after": record.written, "refunded": charged})
        _finish(error, status)
        await anyio.to_thread.run_sync(
            lambda: self.audit.append(error, before=lambda s: refund(s, charged)))

    async def _append(self, record: AuditRecord, scope: Scope, status: int) -> None:
        route = scope.get("route")
        if route is not None:
            record.route = getattr(route, "path", record.route)[:200]
            if record.route != scope["path"]:
                record.detail = {**record.detail, "path": scope["path"][:500]}
        _finish(record, status)
        await anyio.to_thread.run_sync(self.audit.append, record)
