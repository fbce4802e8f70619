"""The far ends of notifications, started by the tests on 127.0.0.1: a webhook receiver (the
standard library's threaded HTTP server) that checks each request's signature as a real
receiver would, and an SMTP server (aiosmtpd) that keeps what it is sent."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

from tests.live import free_port


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    signature_ok: bool

    @property
    def payload(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook endpoint: answers 503 to the first `fail_first` requests, then 200."""

    url: str = ""
    fail_first: int = 0
    secrets: list[str] = field(default_factory=list)  # the subscriptions' signing secrets
    received: list[Received] = field(default_factory=list)  # the requests answered 200
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def verify(self, headers: dict[str, str], body: bytes) -> bool:
        """As a receiver checks: HMAC-SHA256 of `<timestamp>.<body>` under its secret."""
        stamp, given = headers.get("x-hub-timestamp", ""), headers.get("x-hub-signature", "")
        return any(hmac.compare_digest(given, "sha256=" + hmac.new(
            secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest())
            for secret in self.secrets)

    def events(self, key: str | None = None) -> list[dict]:
        with self.lock:
            return [r.payload for r in self.received if key in (None, r.payload["event"])]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            with receiver.lock:
                fail = receiver.refused < receiver.fail_first
                if fail:
                    receiver.refused += 1
                else:
                    receiver.received.append(
                        Received(headers, body, receiver.verify(headers, body)))
            self.send_response(503 if fail else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args) -> None:
            pass

    return Handler


@contextmanager
def webhook_receiver(fail_first: int = 0) -> Iterator[Receiver]:
    receiver = Receiver(fail_first=fail_first)
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _handler(receiver))
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/hub"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class _Keep:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, _server, _session, envelope) -> str:
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server() -> Iterator[tuple[str, list[EmailMessage]]]:
    """An SMTP server on a free port: (its `HUB_SMTP_URL`, the messages it received)."""
    keep = _Keep()
    port = free_port()
    controller = Controller(keep, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", keep.messages
    finally:
        controller.stop()


def wait_for(check: Callable[[], bool], what: str, timeout: float = 60) -> None:
    """Until `check()` holds (a guard against hanging, not a measure of speed)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
