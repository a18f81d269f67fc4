"""Latency statistics over one measured window (pure functions, unit tested)."""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The q-th percentile (0 <= q <= 100) of already sorted values, interpolating linearly
    between the two closest ranks (numpy's default, Excel's PERCENTILE.INC)."""
    if not sorted_values:
        return math.nan
    if not 0 <= q <= 100:
        raise ValueError(f"percentile out of range: {q}")
    position = (len(sorted_values) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    fraction = position - low
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * fraction


@dataclass(frozen=True)
class Summary:
    count: int             # successful operations in the window
    errors: int            # failed operations in the window
    seconds: float         # length of the window
    p50: float             # seconds
    p90: float
    p99: float
    mean: float
    max: float

    @property
    def rate(self) -> float:
        """Successful operations per second."""
        return self.count / self.seconds if self.seconds > 0 else math.nan


def summarize(latencies: Iterable[float], seconds: float, errors: int = 0) -> Summary:
    """Latencies in seconds of the operations that succeeded during a window of `seconds`."""
    values = sorted(latencies)
    if not values:
        return Summary(0, errors, seconds, math.nan, math.nan, math.nan, math.nan, math.nan)
    return Summary(count=len(values), errors=errors, seconds=seconds,
                   p50=percentile(values, 50), p90=percentile(values, 90), p99=percentile(values, 99),
                   mean=sum(values) / len(values), max=values[-1])
