"""What the notifications use-cases work with (plain data, no I/O)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from meskit.events import Recipient

# Delivery states (the API's DeliveryState, plus BATCHED: in a print file being built).
PENDING, RETRYING, SENT, DEAD, SKIPPED, FELL_BACK, BATCHED = (
    "PENDING", "RETRYING", "SENT", "DEAD", "SKIPPED", "FELL_BACK", "BATCHED")
# Why a delivery waits for identity's snapshot of a person; it is due again when the snapshot comes.
UNKNOWN_RECIPIENT = "destinataire inconnu (coordonnées non reçues d'identity)"
UNKNOWN_PATIENT = "patient inconnu (coordonnées non reçues d'identity)"
# Campaign states.
RUNNING, PAUSED, DONE = "RUNNING", "PAUSED", "DONE"
EXPLICIT, NOT_ACTIVATED_ADULTS_WITH_EMAIL = "EXPLICIT", "NOT_ACTIVATED_ADULTS_WITH_EMAIL"
# Letters and their batches.
RENDERING, HANDED_TO_PRINTER, POSTED, RETURNED = "RENDERING", "HANDED_TO_PRINTER", "POSTED", "RETURNED"
BUILDING, WRITTEN = "BUILDING", "WRITTEN"

_NAMESPACE = uuid.UUID("5b1f3c0e-7d6a-4f0c-9a51-2f3e8c1d0b7a")


def notification_id(event_id: str, recipient_id: str) -> str:
    """One notification per (event, person): the same on every redelivery of the event."""
    return str(uuid.uuid5(_NAMESPACE, f"event:{event_id}:{recipient_id}"))


def professional_recipient_id(address: str) -> str:
    """The recipient id of a professional's address (not an account): stable, at most 64 characters."""
    return "professional:" + str(uuid.uuid5(_NAMESPACE, f"address:{address.strip().lower()}"))


def campaign_notification_id(campaign_id: str, recipient_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"campaign:{campaign_id}:{recipient_id}"))


@dataclass(frozen=True)
class IncomingEvent:
    event_id: str
    event_type: str
    patient_id: str
    payload_json: str
    occurred_at: datetime | None
    critical: bool
    recipient: Recipient | None = None     # identity's view of the person
    hidden_from_legal_representatives: bool = False   # DOMAIN.md §10.4: to the minor's own channels only


@dataclass(frozen=True)
class BellItem:
    notification_id: str
    profile_id: str
    event_type: str
    title: str
    body: str
    read: bool
    critical: bool
    created_at: datetime
    seq: int = 0
    hidden_from_legal_representatives: bool = False


@dataclass(frozen=True)
class ProfileCount:
    profile_id: str
    relation: str
    given_name: str
    unread: int


@dataclass(frozen=True)
class Device:
    device_id: str
    account_id: str
    endpoint: str
    p256dh: str
    auth: str
    platform: str
    created_at: datetime | None = None


@dataclass(frozen=True)
class Claimed:
    """A delivery a sender holds under its lease, with what it needs to send it."""
    delivery_id: str
    notification_id: str
    event_id: str | None
    campaign_id: str | None
    recipient_id: str
    profile_id: str
    channel: str
    target: str
    event_type: str
    critical: bool
    attempts: int
    payload: dict = field(default_factory=dict)
    occurred_at: datetime | None = None
    template: str = ""                       # campaigns
    # the recipient (None fields: unknown person)
    known: bool = False
    given_name: str = ""
    family_name: str = ""
    email: str | None = None
    email_bad: bool = False
    postal_address: str | None = None
    activated: bool = False
    closed: bool = False
    campaign_opt_out: bool = False
    unsubscribe_token: str = ""
    profile_name: str = ""
    device: Device | None = None
    quiet_start: str | None = None           # the recipient's quiet hours, when they set their own
    quiet_end: str | None = None
    has_preferences: bool = False
    minor: bool = False
    hidden_from_legal_representatives: bool = False   # the event's: the minor's own channels only
    address: str | None = None               # a professional's address (the recipient is not an account)


@dataclass(frozen=True)
class DeliveryRecord:
    delivery_id: str
    notification_id: str
    event_id: str | None
    campaign_id: str | None
    recipient_id: str
    channel: str
    target: str
    event_type: str
    state: str
    attempts: int
    last_error: str | None
    available_at: datetime
    updated_at: datetime
    message_id: str | None
    letter_id: str | None
    created_at: datetime | None = None


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    name: str
    template: str
    audience: str
    state: str
    rate_per_day: int
    audience_complete: bool
    created_at: datetime
    finished_at: datetime | None
    counts: dict[str, int] = field(default_factory=dict)   # delivery state -> count


@dataclass(frozen=True)
class Letter:
    letter_id: str
    batch_id: str
    recipient_id: str
    status: str
    notices: int
    pages: int
    file_name: str
    updated_at: datetime


@dataclass(frozen=True)
class LetterBatch:
    batch_id: str
    batch_key: str
    state: str
    letter_count: int
    location: str | None
    manifest_location: str | None
    created_at: datetime
    written_at: datetime | None
    letters: tuple[Letter, ...] = ()


@dataclass(frozen=True)
class LetterNotice:
    event_type: str
    profile_name: str
    payload: dict
    occurred_at: datetime | None


@dataclass(frozen=True)
class LetterToRender:
    letter_id: str
    recipient_id: str
    given_name: str
    family_name: str
    postal_address: str
    file_name: str
    notices: tuple[LetterNotice, ...]
