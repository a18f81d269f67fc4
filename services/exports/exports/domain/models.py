"""An export of a person's data, as exports keeps it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

RUNNING, READY, FAILED, EXPIRED = "running", "ready", "failed", "expired"
CONTENT_TYPE = "application/zip"


@dataclass(frozen=True, kw_only=True)
class Export:
    export_id: str
    patient_id: str
    requested_by: str
    state: str
    requested_at: datetime
    attempts: int = 0
    object_key: str = ""
    size_bytes: int = 0
    sha256: str = ""
    ready_at: datetime | None = None
    expires_at: datetime | None = None

    @property
    def filename(self) -> str:
        return f"mon-espace-sante-{self.requested_at.date().isoformat()}.zip"

    def expired(self, now: datetime) -> bool:
        return self.state == EXPIRED or (self.state == READY and self.expires_at is not None and now >= self.expires_at)


@dataclass(frozen=True)
class Chunk:
    """A piece of one file of a service's part of the archive (mes.lifecycle.v1 ExportChunk)."""
    path: str
    content_type: str
    data: bytes


@dataclass(frozen=True, kw_only=True)
class Space:
    """identity's access context, in exports' terms."""
    patient_id: str
    closed: bool = False
    absent: bool = False          # pending, opposed or deleted: no space
