"""Request ids, HTTP metrics and the error access log."""
from __future__ import annotations

import logging
import random
import re

from prometheus_client import Counter, Histogram

HTTP_REQUESTS = Counter("mes_http_requests_total", "HTTP requests answered by the gateway",
                        ["route", "method", "status"])
HTTP_LATENCY = Histogram("mes_http_request_duration_seconds", "HTTP request handling time",
                         ["route", "method"],
                         buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))

_series: dict[tuple[str, str, int], tuple] = {}   # label lookups cost more than the update
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
access_log = logging.getLogger("gateway.access")


def request_id(offered: str | None) -> str:
    """The client's X-Request-Id when it is sane, else a fresh one."""
    if offered and _SANE_REQUEST_ID.match(offered):
        return offered
    return f"{random.getrandbits(128):032x}"   # unique, not secret: no system call per request


def record(route: str, method: str, status: int, seconds: float, problem: dict | None = None) -> None:
    """Count every request; log a line only for errors (the hot path stays quiet)."""
    series = _series.get((route, method, status))
    if series is None:
        series = _series[(route, method, status)] = (HTTP_REQUESTS.labels(route, method, str(status)),
                                                     HTTP_LATENCY.labels(route, method))
    series[0].inc()
    series[1].observe(seconds)
    if status >= 400:
        level = logging.WARNING if status >= 500 else logging.INFO
        extra = {"route": route, "method": method, "status": status, "duration_ms": round(seconds * 1000, 2)}
        if problem:
            extra["code"] = problem.get("code", "")
            if problem.get("reason"):
                extra["reason"] = problem["reason"]
        access_log.log(level, "request failed", extra=extra)
