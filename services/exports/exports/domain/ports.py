"""What the exports use-cases need from the outside world (adapters implement these)."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

from meskit.audit import AuditRecord
from meskit.events import Envelope

from exports.domain.models import Chunk, Export, Space


class Repository(Protocol):
    def add_export(self, e: Export) -> bool: ...
    def get_export(self, patient_id: str, export_id: str) -> Export | None: ...
    def list_exports(self, patient_id: str, limit: int | None) -> list[Export]: ...
    def claim_build(self, now: datetime, lease_until: datetime) -> Export | None: ...
    def release_build(self, export_id: str, *, error: str, retry_at: datetime | None) -> None: ...
    def mark_ready(self, export_id: str, *, object_key: str, size_bytes: int, sha256: str, ready_at: datetime,
                   expires_at: datetime) -> bool: ...
    def claim_expired(self, now: datetime, limit: int) -> list[Export]: ...
    def mark_expired(self, export_id: str) -> None: ...
    def delete_exports(self, patient_id: str) -> int: ...
    def delete_published_events(self, patient_id: str) -> int: ...
    def add_audit(self, record: AuditRecord) -> None: ...
    def add_notice(self, envelope: Envelope, *, once: bool = False) -> bool: ...


class ObjectStore(Protocol):
    def put_file(self, key: str, source: Path, content_type: str) -> str: ...
    def stream(self, key: str) -> Iterator[bytes]: ...
    def delete(self, key: str) -> None: ...


class Spaces(Protocol):
    """identity's GetAccessContext; raises meskit.errors (NotFound, Unavailable)."""
    def get(self, patient_id: str) -> Space: ...


class AuditTrail(Protocol):
    def append(self, record: AuditRecord) -> None: ...


class SourceFailed(Exception):
    """A service did not give its part (unreachable, refused, a bad path): the build is retried."""


class SourceWithoutExport(Exception):
    """A service that does not export yet (UNIMPLEMENTED, e.g. during a rolling upgrade): its part is
    missing, and the archive's export.json says so."""


@dataclass(frozen=True)
class Source:
    """One service's ExportSubjectData: `folder` is where its files go in the archive."""
    name: str
    folder: str
    export: Callable[[str, str], Iterator[Chunk]]     # (account_id, export_id); raises SourceFailed


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Dependencies:
    unit_of_work: Callable[[], AbstractContextManager[Repository]]
    objects: ObjectStore
    spaces: Spaces
    audit: AuditTrail
    sources: list[Source]
    ttl_hours: int = 72
    now: Callable[[], datetime] = utc_now
