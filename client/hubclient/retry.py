"""Retries with backoff, as an httpx transport: every request of the client — the token
endpoint included — is sent again when the hub answers 429 `rate_limited` or 503.

The wait is the response's `Retry-After` when it gives one (the hub's rate limiter always
does), else exponential backoff with full jitter. A 429 `quota_exhausted` is not retried: the
order's quota does not come back by waiting. Connection failures before a request reached the
hub are retried by httpx's own transport (`retries=`).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Generator

import backoff
import httpx

from hubclient.errors import error_code, retry_after

__all__ = ["RetryTransport", "retryable"]


def retryable(response: httpx.Response) -> bool:
    """Whether waiting may help: a 503, or a 429 that is a rate limit (not a used-up quota)."""
    if response.status_code == 503:
        return True
    if response.status_code != 429:
        return False
    response.read()  # an error body is small
    return error_code(response) in ("rate_limited", None)


def _waits(*, base: float, cap: float) -> Generator[float, httpx.Response, None]:
    """backoff's wait generator: it is sent each refused response and yields the wait."""
    response = yield 0.0  # primed by backoff
    for attempt in itertools.count():
        asked = retry_after(response)
        response = yield (min(cap, asked) if asked is not None
                          else random.uniform(0, min(cap, base * 2 ** attempt)))


class RetryTransport(httpx.BaseTransport):
    """Wraps a transport; at most `attempts` sends per request, waits capped at `cap` s."""

    def __init__(self, inner: httpx.BaseTransport, *, attempts: int = 6, base: float = 0.5,
                 cap: float = 60.0) -> None:
        self._inner = inner
        self._send = backoff.on_predicate(
            _waits, predicate=retryable, max_tries=max(1, attempts), jitter=None,
            on_backoff=lambda details: details["value"].close(), logger=None,
            base=base, cap=cap)(inner.handle_request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._send(request)

    def close(self) -> None:
        self._inner.close()
