"""What an audit record is, as the domain sees it (no proto, no SQL)."""
from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import datetime

# Values of the enums, by name without their prefix (as stored and hashed).
HEALTHCARE_PROFESSIONAL = "HEALTHCARE_PROFESSIONAL"
OPERATOR_ACTOR = "OPERATOR"
SYSTEM_ACTOR = "SYSTEM"
ERASE = "ERASE"
EXPORT = "EXPORT"
ALLOWED = "ALLOWED"
GENERAL = "GENERAL"


@dataclass(frozen=True)
class Personal:
    """The personal data of a record: kept beside the leaf, committed to by a salted HMAC, erasable."""

    patient_id: str = ""
    actor_id: str = ""
    rpps: str = ""
    on_behalf_of: str = ""
    display_name: str = ""
    resource_id: str = ""
    resource_label: str = ""
    justification: str = ""


def canonical_id(record_id: str) -> str:
    """The canonical form of a record id (a UUID), or "" when it is not one."""
    try:
        return str(uuid.UUID(record_id))
    except ValueError:
        return ""


PERSONAL_FIELDS = tuple(f.name for f in dataclasses.fields(Personal))
ERASED = Personal()


@dataclass(frozen=True)
class Entry:
    """What the appending service states. `occurred_at` is UTC with microsecond precision."""

    record_id: str
    occurred_at: datetime
    actor_type: str
    action: str
    decision: str
    personal: Personal
    profession_code: str = ""
    group: str = ""
    resource_type: str = ""
    rule: str = ""
    access_mode: str = ""
    service: str = ""
    request_id: str = ""
    matrix_version: str = ""      # the access matrix a decision was taken with (documents' reads and changes)


@dataclass(frozen=True)
class Restriction:
    """Who must not see a resource in the patient's history (DOMAIN §10.3, §10.4), as of `as_of`."""

    patient_id: str
    resource_type: str
    resource_id: str
    hidden_from_patient_until: datetime | None
    hidden_from_legal_representatives: bool
    as_of: datetime

    def hidden_from_patient(self, now: datetime) -> bool:
        return self.hidden_from_patient_until is not None and now < self.hidden_from_patient_until


@dataclass(frozen=True)
class StoredRecord:
    entry: Entry                  # with empty personal data once erased
    leaf_index: int
    leaf_hash: bytes
    appended_at: datetime
    commitment: bytes             # HMAC-SHA256(salt, personal data), part of the leaf
    erased: bool = False
    restriction: Restriction | None = None    # of the record's resource, when audit knows one (never hashed)

    def same_content(self, entry: Entry) -> bool:
        """Whether `entry` states what this record states (only what is left, once erased)."""
        if self.erased:
            return dataclasses.replace(entry, personal=ERASED) == self.entry
        return entry == self.entry


@dataclass(frozen=True)
class TreeHead:
    tree_size: int
    timestamp_ms: int
    root_hash: bytes
    signature: bytes
    key_id: str
    algorithm: str = "Ed25519"


@dataclass(frozen=True)
class LogKey:
    key_id: str
    algorithm: str
    public_key: bytes             # DER SubjectPublicKeyInfo
    not_before: datetime
    not_after: datetime | None = None


@dataclass(frozen=True)
class Page:
    records: list[StoredRecord]
    next_page_token: str = ""
