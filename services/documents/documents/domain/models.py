"""The documents service's own records (frozen, no framework)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from documents.domain.access import AuthorType, DocumentAttrs, embargo_lifted_at
from documents.domain.access.decide import add_one_month

AVAILABLE, DELETED_BY_AUTHOR = "available", "deleted_by_author"


@dataclass(frozen=True, kw_only=True)
class Author:
    type: str                       # documents.domain.access.AuthorType value (patient, professional...)
    id: str
    display_name: str = ""
    profession_code: str = ""
    organisation_type: str = ""     # organisations only: ES, ASSURANCE_MALADIE, MON_ESPACE_SANTE
    delegate_account_id: str = ""   # the delegate who filed it for the patient


@dataclass(frozen=True, kw_only=True)
class Visibility:
    masked: bool = False                          # MASQUE_PS
    hidden_from_patient: bool = False             # INVISIBLE_PATIENT
    hidden_from_patient_until: datetime | None = None
    hidden_from_legal_representatives: bool = False


@dataclass(frozen=True, kw_only=True)
class Document:
    document_id: str
    patient_id: str
    title: str
    document_date: date
    category: str
    class_code: str
    type_code: str
    author: Author
    content_type: str
    size_bytes: int
    sha256: str
    filename: str
    object_key: str
    visibility: Visibility
    state: str = AVAILABLE
    pinned: bool = False
    pinned_at: datetime | None = None
    folder_id: str | None = None
    upload_id: str | None = None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None

    @property
    def patient_side(self) -> bool:
        """Filed by the patient or a delegate acting for them (the only ones the patient edits)."""
        return self.author.type in (AuthorType.PATIENT, AuthorType.DELEGATE)

    @property
    def deleted(self) -> bool:
        return self.state != AVAILABLE

    def attrs(self) -> DocumentAttrs:
        """The inputs of the access decision."""
        author_type = AuthorType(self.author.type)
        if author_type == AuthorType.PATIENT and self.author.delegate_account_id:
            author_type = AuthorType.DELEGATE
        return DocumentAttrs(
            document_id=self.document_id, patient_id=self.patient_id, type_code=self.type_code,
            class_code=self.class_code, author_type=author_type,
            author_id=self.author.delegate_account_id or self.author.id, deposited_at=self.created_at,
            masked_from_professionals=self.visibility.masked,
            invisible_to_patient_until=self.embargo_until(), invisible_to_legal_representatives=
            self.visibility.hidden_from_legal_representatives, deleted=self.deleted)

    def embargo_until(self) -> datetime | None:
        """The stored announcement date, or one month after deposit when the author set none."""
        if not self.visibility.hidden_from_patient:
            return None
        return self.visibility.hidden_from_patient_until or add_one_month(self.created_at)

    def visible_to_patient_from(self) -> datetime | None:
        return embargo_lifted_at(self.attrs()) if self.visibility.hidden_from_patient else None


@dataclass(frozen=True, kw_only=True)
class Folder:
    folder_id: str
    patient_id: str
    name: str
    document_count: int = 0
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, kw_only=True)
class Permissions:
    can_download: bool = False
    can_delete: bool = False
    can_update_title: bool = False
    can_update_date: bool = False
    can_update_category: bool = False
    can_update_visibility: bool = False
    can_organise: bool = False


@dataclass(frozen=True, kw_only=True)
class Shown:
    """A document as one caller sees it."""
    document: Document
    permissions: Permissions = field(default_factory=Permissions)
