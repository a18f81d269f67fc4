"""Load shedding: at most `limit` requests handled at once by one gateway process.

Beyond it a request waits at most `wait` seconds for a slot (at most `limit` of them wait), then
gets a 503 with Retry-After: the backlog, hence the latency of what is admitted, stays bounded
instead of growing with the offered load.
"""
from __future__ import annotations

import asyncio
from collections import deque

from gateway.problems import UNAVAILABLE_RETRY_AFTER, Problem


def overloaded() -> Problem:
    return Problem(503, "Service surchargé, veuillez réessayer dans un instant", "UNAVAILABLE",
                   reason="OVERLOADED", headers={"retry-after": UNAVAILABLE_RETRY_AFTER})


class Admission:
    def __init__(self, limit: int, wait: float):
        self.limit, self._wait = limit, wait
        self.in_flight = 0
        self._waiting: deque[asyncio.Future] = deque()

    @property
    def enabled(self) -> bool:
        return self.limit > 0

    def try_enter(self) -> bool:
        """A slot at once if one is free (while requests wait, none is: `leave` hands it over)."""
        if self.in_flight < self.limit:
            self.in_flight += 1
            return True
        return False

    async def enter(self) -> None:
        """A slot within `wait` seconds, else the 503 problem."""
        if self.try_enter():
            return
        if self._wait <= 0 or len(self._waiting) >= self.limit:
            raise overloaded()
        slot = asyncio.get_running_loop().create_future()
        self._waiting.append(slot)
        try:
            await asyncio.wait_for(asyncio.shield(slot), self._wait)
        except BaseException as exc:   # timed out, or the client went away while waiting
            if slot.done():   # granted as the wait ended: pass the slot on
                self.leave()
            else:
                slot.cancel()
                self._waiting.remove(slot)
            if isinstance(exc, asyncio.TimeoutError):
                raise overloaded() from None
            raise

    def leave(self) -> None:
        """Hands the slot to the oldest waiting request, else frees it."""
        if self._waiting:
            self._waiting.popleft().set_result(None)
        else:
            self.in_flight -= 1
