"""Request rate limits per client address and per authenticated client: 429 with Retry-After.

Order quotas count uses over an order's life; these limits stop bursts — id probes, secret
guessing, scraping — whatever the quota. Each key (an address, a client id) has a sliding
window of `rate_limit_window_seconds` holding at most `rate_limit_per_address` or
`rate_limit_per_client` requests (pyrate-limiter's in-memory log bucket, which also says how
long to wait). The windows live in the serving process: with `hub serve --workers N` each
worker keeps its own, so the limits apply per worker. The least recently seen keys are
forgotten beyond `_MAX_KEYS`, so a flood of addresses cannot grow memory without bound.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict

from pyrate_limiter import InMemoryBucket, MonotonicClock, Rate, RateItem

from catalog import HubSettings

__all__ = ["RateLimits"]

_MAX_KEYS = 100_000


class _Window:
    """Sliding windows of one kind of key."""

    def __init__(self, limit: int, window_ms: int) -> None:
        self._rates = [Rate(limit, window_ms)]
        self._buckets: OrderedDict[str, InMemoryBucket] = OrderedDict()
        self._lock = threading.Lock()
        self._clock = MonotonicClock()

    def hit(self, key: str) -> int | None:
        """Count one request of `key`; None if allowed, else whole seconds to wait (≥ 1)."""
        now = self._clock.now()
        with self._lock:
            bucket = self._buckets.pop(key, None)
            if bucket is None:
                bucket = InMemoryBucket(self._rates)
                if len(self._buckets) >= _MAX_KEYS:
                    self._buckets.popitem(last=False)
            self._buckets[key] = bucket
            bucket.leak(now)
            decision = bucket.put_decision(RateItem(key, now))
        if decision.allowed:
            return None
        return max(1, math.ceil((decision.retry_after_ms or 1000) / 1000))


class RateLimits:
    """The hub's two limits; `address` and `client` say how long to wait, or None."""

    def __init__(self, settings: HubSettings) -> None:
        window = int(settings.rate_limit_window_seconds * 1000)
        self._addresses = _Window(settings.rate_limit_per_address, window)
        self._clients = _Window(settings.rate_limit_per_client, window)

    def address(self, host: str) -> int | None:
        return self._addresses.hit(host)

    def client(self, client_id: str) -> int | None:
        return self._clients.hit(client_id)
