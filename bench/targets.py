"""The targets of issue 17, in one place: what `make bench` checks at the end of its report and
writes under "targets" in build/bench/last.json (scripts/capacity.py reads them there).

A target is a ratio of two measurements' throughput (at least `bound`), or a figure of one
measurement (at most `bound`): the p99 of a paced run at PACE of its peak, the download's memory.
Pure data and functions, unit tested."""
from __future__ import annotations

import math
from dataclasses import dataclass

PACE = 0.7                      # the paced run of (o) and (g): this share of the measured peak
RATE = "rate"                   # a measurement's throughput, ops/s (the median repetition)
PACED_P99_MS = "paced_p99_ms"   # the p99 of its paced run, ms
MEMORY_CHUNKS = "peak_above_idle_chunks"


@dataclass(frozen=True)
class Target:
    name: str                   # as the issue writes it: "(b) / (n)"
    meaning: str
    key: str                    # the measurement (the numerator of a ratio)
    versus: str | None          # the denominator; None: a figure of `key` itself
    metric: str = RATE
    bound: float = 0.0
    at_most: bool = False       # False: measured >= bound; True: measured <= bound
    unit: str = ""

    def describe(self) -> str:
        return f"{'≤' if self.at_most else '≥'} {self.bound:g}{' ' + self.unit if self.unit else ''}"


TARGETS = [
    Target("(b) / (n)", "account read / bare pipeline", "b", "n", bound=0.6),
    Target("(o) / (n)", "audited document read / bare pipeline", "o", "n", bound=0.4),
    Target(f"(o) p99 at {PACE:.0%} of peak", "audited document read, paced", "o", None, PACED_P99_MS, 50,
           at_most=True, unit="ms"),
    Target("(g) / (n)", "list of 20 / bare pipeline", "g", "n", bound=0.2),
    Target(f"(g) p99 at {PACE:.0%} of peak", "list of 20, paced", "g", None, PACED_P99_MS, 50, at_most=True,
           unit="ms"),
    Target("(p) / (g)", "list with 2,000 documents / with 20", "p", "g", bound=0.8),
    Target("(h) / (i)", "1 MB upload / raw put_object", "h", "i", bound=0.6),
    Target("(j) / (c)", "audit single append / health check through the kit", "j", "c", bound=0.6),
    Target("(k) / (m)", "audit batch of 50 / raw batched INSERT", "k", "m", bound=0.5),
    Target("(q) memory", "documents' peak memory above idle during a 5 MB download", "q", None, MEMORY_CHUNKS, 2,
           at_most=True, unit="chunks"),
]

# The measurements whose throughput feeds a ratio run `--repeat` times; the paced ones once more.
REPEATED = frozenset(k for t in TARGETS if t.versus for k in (t.key, t.versus))
PACED = frozenset(t.key for t in TARGETS if t.metric == PACED_P99_MS)


@dataclass(frozen=True)
class Outcome:
    target: Target
    measured: float | None      # None: a measurement it needs did not run (or failed)
    met: bool | None

    def as_json(self) -> dict:
        t = self.target
        return {"name": t.name, "meaning": t.meaning, "key": t.key, "versus": t.versus, "metric": t.metric,
                "bound": t.bound, "comparison": "<=" if t.at_most else ">=", "unit": t.unit,
                "measured": self.measured, "met": self.met}


def _figure(figures: dict[str, dict[str, float]], key: str, metric: str) -> float | None:
    value = figures.get(key, {}).get(metric)
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def evaluate(figures: dict[str, dict[str, float]], targets: list[Target] = TARGETS) -> list[Outcome]:
    """`figures`: per measurement key, its "rate" and its other metrics. A ratio uses the two rates."""
    outcomes = []
    for target in targets:
        measured = _figure(figures, target.key, target.metric)
        if target.versus is not None:
            bottom = _figure(figures, target.versus, RATE)
            measured = measured / bottom if measured is not None and bottom else None
        met = None if measured is None else (measured <= target.bound if target.at_most else measured >= target.bound)
        outcomes.append(Outcome(target, measured, met))
    return outcomes
