"""Domain exports to proto."""
from __future__ import annotations

from mes.exports.v1 import exports_pb2 as pb

from meskit.timestamps import timestamp

from exports.domain.models import CONTENT_TYPE, EXPIRED, FAILED, READY, RUNNING, Export

STATES = {RUNNING: pb.EXPORT_STATE_RUNNING, READY: pb.EXPORT_STATE_READY, FAILED: pb.EXPORT_STATE_FAILED,
          EXPIRED: pb.EXPORT_STATE_EXPIRED}


def export(e: Export) -> pb.Export:
    ready = e.state in (READY, EXPIRED)
    return pb.Export(export_id=e.export_id, patient_id=e.patient_id, state=STATES[e.state],
                     requested_at=timestamp(e.requested_at), ready_at=timestamp(e.ready_at) if ready else None,
                     expires_at=timestamp(e.expires_at) if ready else None, filename=e.filename,
                     content_type=CONTENT_TYPE, size_bytes=e.size_bytes if e.state == READY else 0,
                     sha256=e.sha256 if e.state == READY else "")
