"""Waiting for something to happen, in tests and local tools: poll a condition until it holds."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(condition: Callable[[], T], timeout: float = 10.0, interval: float = 0.05, what: str = "") -> T:
    """The first truthy value `condition()` returns, polled every `interval` seconds. A condition
    may also assert: an AssertionError means "not yet". Once `timeout` seconds have passed, the last
    AssertionError rises, or one naming `what` and the last value. The timeout is a generous bound
    for a busy machine, never a measure: the call returns as soon as the condition holds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = condition()
        except AssertionError:
            if time.monotonic() >= deadline:
                raise
        else:
            if value:
                return value
            if time.monotonic() >= deadline:
                raise AssertionError(f"{what or 'the condition'} did not hold within {timeout} s "
                                     f"(last value: {value!r})")
        time.sleep(interval)


def settled(read: Callable[[], T], quiet: float = 0.5, timeout: float = 30.0) -> T:
    """The value of `read()` once it stops changing: two reads `quiet` seconds apart agree. For
    effects that give no signal of their end (what a stopped sender still had in flight)."""
    deadline = time.monotonic() + timeout
    previous = read()
    while True:
        time.sleep(quiet)
        current = read()
        if current == previous:
            return current
        if time.monotonic() >= deadline:
            raise AssertionError(f"still changing after {timeout} s (last value: {current!r})")
        previous = current
