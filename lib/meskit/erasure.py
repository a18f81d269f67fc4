"""The erasures a service pulls from identity (ListPendingErasures), carries out with its own
`erase(account_id) -> {kind: count}` and reports (ReportErasure). `erase` must be idempotent: after
a crash the same erasure comes back and what is already gone counts zero."""
from __future__ import annotations

import logging
from collections.abc import Callable

import grpc
from mes.identity.v1 import identity_pb2 as pb
from mes.identity.v1 import identity_pb2_grpc
from mes.lifecycle.v1 import lifecycle_pb2

from meskit.loop import Loop

log = logging.getLogger("meskit.erasure")
BATCH = 20
TIMEOUT_SECONDS = 10.0
DEFAULT_INTERVAL_SECONDS = 60.0

Erase = Callable[[str], dict[str, int]]


def run_pass(stub: identity_pb2_grpc.IdentityServiceStub, erase: Erase) -> int:
    """One pass: every pending erasure of this service, carried out and reported; how many."""
    pending = stub.ListPendingErasures(pb.ListPendingErasuresRequest(limit=BATCH), timeout=TIMEOUT_SECONDS)
    for item in pending.erasures:
        counts = erase(item.account_id)
        stub.ReportErasure(pb.ReportErasureRequest(
            erasure_id=item.erasure_id,
            erased=[lifecycle_pb2.ErasedCount(kind=kind, count=count) for kind, count in sorted(counts.items())]),
            timeout=TIMEOUT_SECONDS)
        log.info("erasure carried out", extra={"erasure_id": item.erasure_id, "erased": sum(counts.values())})
    return len(pending.erasures)


def erasure_loop(identity: grpc.Channel, erase: Erase, interval: float = DEFAULT_INTERVAL_SECONDS) -> Loop:
    """The loop a service starts in its wiring (and stops in on_stop); `identity` carries its service token."""
    stub = identity_pb2_grpc.IdentityServiceStub(identity)
    return Loop("erasures", lambda: run_pass(stub, erase), interval, more_work=lambda done: done >= BATCH)
