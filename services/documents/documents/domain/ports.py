"""What the documents use-cases need from the outside world (adapters implement these)."""
from __future__ import annotations

from collections.abc import Callable, Generator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from meskit.audit import AuditRecord, ResourceVisibility
from meskit.auth import Caller
from meskit.events import Envelope

from documents.domain.access import Matrix
from documents.domain.actors import AccessContext
from documents.domain.listing import Filters, Reach
from documents.domain.models import Document, Folder
from documents.domain.notices import NoticesWritten


class Repository(Protocol):
    """Documents, folders, audit records and outbox events of one transaction (adapters.repository)."""

    def add_document(self, d: Document, *, upload_key: str = "", if_absent: bool = False) -> bool: ...
    def get_document(self, patient_id: str, document_id: str, *, for_update: bool = False) -> Document | None: ...
    def list_documents(self, patient_id: str, *, for_update: bool = False) -> list[Document]: ...
    def page_documents(self, patient_id: str, filters: Filters, reach: Reach, *, sort: str, after: tuple | None,
                       limit: int) -> list[tuple[list[str], Document]]: ...
    def find_upload(self, patient_id: str, upload_key: str, upload_id: str) -> Document | None: ...
    def update_document(self, patient_id: str, document_id: str, **values: Any) -> None: ...
    def delete_document(self, patient_id: str, document_id: str) -> None: ...
    def delete_patient_documents(self, patient_id: str) -> list[str]: ...
    def add_folder(self, f: Folder) -> None: ...
    def get_folder(self, patient_id: str, folder_id: str) -> Folder | None: ...
    def list_folders(self, patient_id: str) -> list[Folder]: ...
    def rename_folder(self, folder_id: str, name: str, now: datetime) -> None: ...
    def delete_folder(self, patient_id: str, folder_id: str) -> None: ...
    def add_audit(self, record: AuditRecord) -> None: ...
    def delete_published_events(self, patient_id: str) -> int: ...
    def add_notice(self, envelope: Envelope, *, once: bool = False) -> bool: ...
    def add_visibility(self, visibility: ResourceVisibility) -> None: ...
    def claim_due_embargoes(self, now: datetime, limit: int) -> list[Document]: ...


class ObjectStore(Protocol):
    """File bytes by opaque key (S3 or a local folder)."""
    def put(self, key: str, data: bytes, content_type: str) -> str: ...
    def get(self, key: str) -> bytes: ...
    def stream(self, key: str, chunk_size: int = ...) -> Generator[bytes, None, None]: ...
    def delete(self, key: str) -> None: ...


class AccessContexts(Protocol):
    """identity's GetAccessContext; raises meskit.errors (NotFound, Unavailable; for an app's caller,
    Unauthenticated and PermissionDenied too)."""
    def get(self, patient_id: str, professional_id: str = "", app: Caller | None = None) -> AccessContext: ...


class AuditTrail(Protocol):
    """Appends one record synchronously, with a deadline; raises meskit.errors.Unavailable on failure."""
    def append(self, record: AuditRecord) -> None: ...


@dataclass(frozen=True, kw_only=True)
class PendingAttestation:
    """A caregiving attestation identity keeps for the helped person's documents (DOMAIN §3.4)."""
    attestation_id: str
    patient_id: str
    delegation_id: str
    kind: str                     # ACCEPTED | ENDED
    title: str
    content: bytes                # application/pdf
    occurred_at: datetime


class Attestations(Protocol):
    """identity's ListPendingAttestations / AcknowledgeAttestations; raise meskit.errors (Unavailable)."""
    def pending(self, limit: int) -> list[PendingAttestation]: ...
    def acknowledge(self, attestation_ids: list[str]) -> int: ...


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Dependencies:
    unit_of_work: Callable[[], AbstractContextManager[Repository]]   # one transaction
    objects: ObjectStore
    contexts: AccessContexts
    audit: AuditTrail
    matrix: Matrix                                        # the DMP read matrix, parsed at start
    now: Callable[[], datetime] = utc_now
    notices_written: NoticesWritten = field(default_factory=NoticesWritten)   # the access notices in the outbox
    # outside a transaction, each statement its own snapshot (one round trip): reads of one statement
    read: Callable[[], AbstractContextManager[Repository]] | None = None

    def reader(self) -> AbstractContextManager[Repository]:
        return (self.read or self.unit_of_work)()
