"""The background job: build the archives asked for, expire those past their time.

Safe with several replicas: a replica leases one running export (FOR UPDATE SKIP LOCKED, then
`lease_until`); a replica that dies leaves its lease to run out and another builds it again from
the start. Only the first replica to finish marks it ready (a conditional update), and the notice
EXPORT_DISPONIBLE has an id derived from the export, so it is sent once. A service that fails is
retried later; after MAX_ATTEMPTS the export is FAILED and she may ask again."""
from __future__ import annotations

import logging
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

from meskit import events

from exports.domain import archive
from exports.domain.models import CONTENT_TYPE
from exports.domain.ports import Dependencies, SourceFailed
from exports.domain.requests import expire

log = logging.getLogger("exports.building")
LEASE = timedelta(minutes=15)
RETRY_AFTER = timedelta(seconds=30)
MAX_ATTEMPTS = 5
EXPIRY_BATCH = 50
NOTICE_IDS = uuid.UUID("6d0c5a53-9f0e-4c8e-8b52-3f7a1e0d2b44")


def build_next(deps: Dependencies) -> int:
    """One export built (or put back for later); 0 when none is waiting."""
    now = deps.now()
    with deps.unit_of_work() as repo:
        claimed = repo.claim_build(now, now + LEASE)
    if claimed is None:
        return 0
    key = f"{claimed.export_id}.zip"
    try:
        with tempfile.TemporaryDirectory(prefix="export-") as folder:
            target = Path(folder) / key
            size, digest = archive.write(target, claimed, deps.sources, now)
            deps.objects.put_file(key, target, CONTENT_TYPE)
    except Exception as exc:      # a service down, a bad part, the store: retried, then FAILED
        last = claimed.attempts >= MAX_ATTEMPTS
        log.warning("export build failed", extra={"export_id": claimed.export_id, "attempt": claimed.attempts,
                                                  "error": str(exc)[:200] if isinstance(exc, SourceFailed)
                                                  else type(exc).__name__, "gave_up": last})
        with deps.unit_of_work() as repo:
            repo.release_build(claimed.export_id, error=str(exc)[:200] if isinstance(exc, SourceFailed)
                               else type(exc).__name__, retry_at=None if last else deps.now() + RETRY_AFTER)
        return 1
    ready_at = deps.now()
    expires_at = ready_at + timedelta(hours=deps.ttl_hours)
    gone = False
    with deps.unit_of_work() as repo:
        done = repo.mark_ready(claimed.export_id, object_key=key, size_bytes=size, sha256=digest, ready_at=ready_at,
                               expires_at=expires_at)
        if done:
            repo.add_notice(events.envelope(
                events.EXPORT_DISPONIBLE, claimed.patient_id,
                events.ExportReady(export_id=claimed.export_id, expires_at=expires_at), occurred_at=ready_at,
                event_id=uuid.uuid5(NOTICE_IDS, claimed.export_id)), once=True)
        else:
            gone = repo.get_export(claimed.patient_id, claimed.export_id) is None
    if gone:     # erased meanwhile (her space was deleted): no bytes left behind
        deps.objects.delete(key)
    elif done:
        log.info("export ready", extra={"export_id": claimed.export_id, "size_bytes": size})
    return 1


def expire_due(deps: Dependencies) -> int:
    """Archives past `expires_at`: bytes deleted, state EXPIRED; how many."""
    with deps.unit_of_work() as repo:
        due = repo.claim_expired(deps.now(), EXPIRY_BATCH)
    for e in due:
        expire(deps, e)
    return len(due)


def run_pass(deps: Dependencies) -> int:
    return build_next(deps) + expire_due(deps)
