"""Thresholds a run must meet, per operation: `error_rate` (0.01 = 1 %), `p95_ms`, `p99_ms`. A
profile's `thresholds` give `default` and per-operation overrides (`per_op`); a limit left out is not
checked. Throttled answers (429, honoured) are no errors and count apart."""
from __future__ import annotations

from dataclasses import dataclass

THROTTLED = "THROTTLED"
# Every operation of the journeys (locustfile.py): each must have run for a run to pass.
OPERATIONS = ["login_start", "login_code", "login_complete", "documents_list", "document_get", "document_download",
              "document_upload", "history", "bell_counts", "bell_list", "conversations_list", "messages_list",
              "message_send", "appointments_list", "appointment_create"]


@dataclass(frozen=True)
class OpFigures:
    op: str
    requests: int
    failures: int
    p95_ms: float
    p99_ms: float


def limits_of(thresholds: dict, op: str) -> dict:
    return {**thresholds.get("default", {}), **thresholds.get("per_op", {}).get(op, {})}


def breaches(figures: list[OpFigures], thresholds: dict, required_ops: list[str]) -> list[str]:
    """One sentence per threshold not met; empty when the run passes."""
    found = []
    ran = {f.op for f in figures if f.requests}
    found += [f"{op}: never ran" for op in required_ops if op not in ran]
    for f in figures:
        if not f.requests:
            continue
        limits = limits_of(thresholds, f.op)
        rate = f.failures / f.requests
        if "error_rate" in limits and rate > limits["error_rate"]:
            found.append(f"{f.op}: error rate {rate:.2%} ({f.failures}/{f.requests}) above {limits['error_rate']:.2%}")
        for name in ("p95_ms", "p99_ms"):
            if name in limits and getattr(f, name) > limits[name]:
                found.append(f"{f.op}: {name[:3]} {getattr(f, name):.0f} ms above {limits[name]} ms")
    return found
