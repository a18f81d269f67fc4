"""What messaging keeps: conversations between a patient and professionals, their messages,
attachments, receipts and drafts. Plain data; the rules are in the use-case modules."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

# participant types
PATIENT, PROFESSIONAL, ORGANISATION = "patient", "professional", "organisation"
# conversation states
OPEN, CLOSED = "open", "closed"
# MSSanté mailbox types (typeBal)
PERSONAL, ORGANISATIONAL, APPLICATIVE = "personal", "organisational", "applicative"
# where an attachment came from
UPLOAD, DOCUMENT, PROFILE_SYNTHESIS, RECEIVED = "upload", "document", "profile_synthesis", "received"
# reply options
REPLY, REPLY_TO_ALL, REPLY_BLOCKED, NO_REPLY, NEW_MESSAGE = (
    "reply", "reply_to_all", "reply_blocked", "no_reply", "new_message")

MAX_ATTACHMENTS = 5                       # DOMAIN §10.6
MAX_ATTACHMENT_BYTES = 5_000_000          # each
MAX_MESSAGE_ATTACHMENT_BYTES = 10_000_000  # all of one message's
MAX_BODY_CHARS = 20_000
MAX_SUBJECT_CHARS = 200
PREVIEW_CHARS = 100
UPLOAD_KEPT_HOURS = 24                    # an uploaded file not attached by then is deleted
PATIENT_DOMAIN = "patient.mssante.fr"      # DOMAIN §10.6: <NIR+key>@patient.<domain>; also names our Message-IDs


@dataclass(frozen=True, kw_only=True)
class Participant:
    participant_id: str
    type: str
    display_name: str = ""
    profession_code: str = ""
    specialty: str = ""
    mssante_address: str = ""
    mailbox_type: str = ""
    id_nat: str = ""


@dataclass(frozen=True, kw_only=True)
class Conversation:
    conversation_id: str
    patient_id: str
    subject: str
    state: str
    started_by: str
    created_at: datetime
    last_message_at: datetime
    closed_by: str = ""
    closed_at: datetime | None = None
    deleted_by_patient_at: datetime | None = None
    participants: tuple[Participant, ...] = ()
    hidden_from_legal_representatives: bool = False     # DOMAIN §10.4, set when it starts

    def participant(self, participant_id: str) -> Participant | None:
        return next((p for p in self.participants if p.participant_id == participant_id), None)

    @property
    def closed(self) -> bool:
        return self.state == CLOSED


@dataclass(frozen=True, kw_only=True)
class Summary:
    """A conversation as one reader sees it in the list."""
    conversation: Conversation
    message_count: int = 0
    unread_count: int = 0
    last_message_preview: str = ""


@dataclass(frozen=True, kw_only=True)
class Attachment:
    attachment_id: str
    patient_id: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    object_key: str
    source: str
    created_at: datetime
    source_document_id: str = ""
    uploaded_by: str = ""
    message_id: str = ""
    draft_id: str = ""
    position: int = 0
    saved_document_id: str = ""


@dataclass(frozen=True, kw_only=True)
class Receipt:
    recipient_id: str
    delivered_at: datetime | None = None
    displayed_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class Message:
    message_id: str
    conversation_id: str
    sender_id: str
    recipient_ids: tuple[str, ...]
    body: str
    sent_at: datetime
    seq: int = 0
    acknowledgement_requested: bool = False
    written_by_account_id: str = ""
    signature: str = ""
    mssante_message_id: str = ""
    attachments: tuple[Attachment, ...] = ()
    receipts: tuple[Receipt, ...] = ()
    mss_headers: dict[str, str] = field(default_factory=dict)   # a received mail's X-MSS-* headers


@dataclass(frozen=True, kw_only=True)
class Draft:
    draft_id: str
    patient_id: str
    author_id: str
    created_at: datetime
    updated_at: datetime
    conversation_id: str = ""
    recipient_ids: tuple[str, ...] = ()
    reply_option: str = ""
    subject: str = ""
    body: str = ""
    request_acknowledgement: bool = False
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)


@dataclass(frozen=True, kw_only=True)
class Pharmacy:
    """A pharmacy of the directory; `id_nat` its FINESS (or another national id)."""
    pharmacy_id: str
    id_nat: str
    name: str
    address: str = ""
    postal_code: str = ""
    city: str = ""
    phone: str = ""
    mssante_address: str = ""
    mailbox_type: str = ""
    last_visit: date | None = None      # in the reader's last 12 months of reimbursements

    @property
    def reachable(self) -> bool:
        """Only an organisational MSSanté mailbox receives (DOMAIN §7)."""
        return self.mailbox_type == ORGANISATIONAL and bool(self.mssante_address)
