"""One background loop: a pass every interval (with jitter) on its own daemon thread, stopped in time.

A pass that raises is logged with its traceback and counted in `mes_loop_errors_total{loop}`; the
loop goes on at the next interval. With `more_work`, a pass whose result says there is more to do
(a full batch, say) is followed at once by the next one. Pure threading: importable without a
database or gRPC.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import Counter

log = logging.getLogger("meskit.loop")

LOOP_ERRORS = Counter("mes_loop_errors_total", "Background passes that raised, by loop", ["loop"])


def jittered(interval: float, jitter: float, rng: random.Random | None = None) -> float:
    """`interval` spread by ±`jitter` of itself, so that replicas started together drift apart."""
    return max(0.0, interval * (1 + jitter * (2 * (rng or random).random() - 1)))


class Loop:
    def __init__(self, name: str, step: Callable[[], Any], interval: float | Callable[[], float], *,
                 jitter: float = 0.1, more_work: Callable[[Any], bool] | None = None, wait_first: bool = False,
                 on_exit: Callable[[], None] | None = None, stop_event: threading.Event | None = None):
        """`interval`: seconds between passes, or a function asked after each pass.
        `wait_first`: the first pass comes after one interval rather than at start.
        `on_exit`: called on the loop's own thread when it ends (closing what the passes opened).
        `stop_event`: an event owned by someone else that also ends the loop once set."""
        self.name = name
        self._step, self._interval, self._jitter = step, interval, jitter
        self._more_work, self._wait_first, self._on_exit = more_work, wait_first, on_exit
        self.stopping = stop_event or threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._errors = LOOP_ERRORS.labels(loop=name)

    def start(self) -> Loop:
        self._thread.start()
        return self

    def request_stop(self) -> None:
        self.stopping.set()

    def join(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the current pass to end; True once the thread is gone."""
        if self._thread.ident is not None:
            self._thread.join(max(0.0, timeout))
        if self._thread.is_alive():
            log.warning("background loop still running after its stop timeout",
                        extra={"loop": self.name, "timeout_seconds": timeout})
            return False
        return True

    def stop(self, timeout: float = 5.0) -> bool:
        self.request_stop()
        return self.join(timeout)

    def _wait(self) -> bool:
        interval = self._interval() if callable(self._interval) else self._interval
        return self.stopping.wait(jittered(interval, self._jitter))

    def _run(self) -> None:
        try:
            if self._wait_first and self._wait():
                return
            while not self.stopping.is_set():
                try:
                    result = self._step()
                except Exception:
                    self._errors.inc()
                    log.exception("background pass failed", extra={"loop": self.name})
                else:
                    if self._more_work is not None and self._more_work(result):
                        continue
                self._wait()
        finally:
            if self._on_exit is not None:
                self._on_exit()


def stop_all(loops: Iterable[Loop], timeout: float) -> bool:
    """Ask every loop to stop, then join them all within one shared `timeout`."""
    loops = list(loops)
    for loop in loops:
        loop.request_stop()
    deadline = time.monotonic() + timeout
    return all([loop.join(deadline - time.monotonic()) for loop in loops])
