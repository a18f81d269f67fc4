"""A token bucket per key (client address on public routes, token subject elsewhere): small and in memory."""
from __future__ import annotations

import math
import time
from collections import OrderedDict

from gateway.problems import Problem


class RateLimiter:
    """`per_minute` requests per key, in bursts of up to `per_minute`; `max_clients` buckets
    at most (the least recently seen are forgotten first)."""

    def __init__(self, per_minute: int, *, max_clients: int = 100_000, clock=time.monotonic):
        self._capacity = float(per_minute)
        self._rate = per_minute / 60.0
        self._max_clients = max_clients
        self._clock = clock
        self._buckets: OrderedDict[str, list[float]] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self._capacity > 0

    def take(self, client: str) -> float:
        """0 if the request may go on, else the seconds to wait before the next one."""
        now = self._clock()
        bucket = self._buckets.get(client)
        if bucket is None:
            bucket = self._buckets[client] = [self._capacity, now]
            if len(self._buckets) > self._max_clients:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(client)
            bucket[0] = min(self._capacity, bucket[0] + (now - bucket[1]) * self._rate)
            bucket[1] = now
        if bucket[0] >= 1.0:
            bucket[0] -= 1.0
            return 0.0
        return (1.0 - bucket[0]) / self._rate

    @staticmethod
    def retry_after(wait: float) -> str:
        return str(max(1, math.ceil(wait)))


def rate_limited(wait: float) -> Problem:
    return Problem(429, "Trop de requêtes, veuillez patienter", "RESOURCE_EXHAUSTED",
                   reason="RATE_LIMITED", headers={"retry-after": RateLimiter.retry_after(wait)})
