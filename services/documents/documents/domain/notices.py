"""What the patient is told through notifications (meskit.events, written to the outbox with the change)."""
from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from datetime import datetime
from typing import Any

from meskit import events
from meskit.events import ACCES_BRIS_GLACE, ACCES_DMP_PS, AJOUT_DOCUMENT

from documents.domain.access import Mode
from documents.domain.actors import Who

__all__ = ["ACCES_BRIS_GLACE", "ACCES_DMP_PS", "AJOUT_DOCUMENT", "NoticesWritten", "access_notice",
           "access_notice_id", "document_added"]
ACCESS_NOTICE_NAMESPACE = uuid.UUID("6b1f7f64-5a43-4c36-9f0b-1f1d2b0c5e11")
A_PROFESSIONAL = "Un professionnel de santé"


def document_added(patient_id: str, document_id: str, author_display: str, now: datetime, *,
                   hidden_from_legal_representatives: bool = False) -> events.Envelope:
    return events.envelope(AJOUT_DOCUMENT, patient_id, events.DocumentAdded(
        actor_display=author_display or A_PROFESSIONAL, document_id=document_id), occurred_at=now,
        hidden_from_legal_representatives=hidden_from_legal_representatives)


def access_notice(w: Who, mode: Mode, now: datetime, *, hidden_from_legal_representatives: bool = False) -> events.Envelope:
    """The patient is told of every access by a professional (the caller, DOMAIN §8): ACCES_DMP_PS, or
    ACCES_BRIS_GLACE in an emergency mode (the GP is told too); one per professional, mode and day
    (its event id: written to the outbox once). An access to documents hidden from the legal
    representatives is told to the minor's own channels only (DOMAIN §10.4), under its own event id:
    never merged with (nor swallowed by) a normal one."""
    mode = Mode(mode)
    event_id = access_notice_id(w, mode, now, hidden_from_legal_representatives=hidden_from_legal_representatives)
    who: dict[str, Any] = dict(actor_display=w.display_name or A_PROFESSIONAL, professional_id=w.caller.subject,
                               access_mode=mode.value)
    if mode == Mode.NORMAL:
        return events.envelope(ACCES_DMP_PS, w.patient_id, events.ProfessionalAccess(**who),
                               occurred_at=now, event_id=event_id,
                               hidden_from_legal_representatives=hidden_from_legal_representatives)
    return events.envelope(ACCES_BRIS_GLACE, w.patient_id, events.EmergencyAccess(
        **who, general_practitioner_ids=tuple(sorted(w.context.general_practitioner_ids)),
        general_practitioner_emails=tuple(sorted(w.context.general_practitioner_emails))),
        occurred_at=now, event_id=event_id, hidden_from_legal_representatives=hidden_from_legal_representatives)


def access_notice_id(w: Who, mode: Mode, now: datetime, *, hidden_from_legal_representatives: bool = False) -> str:
    """The event id of access_notice's envelope (known before it is built: most reads find it written)."""
    secrecy = "|hidden_from_legal_representatives" if hidden_from_legal_representatives else ""
    return str(uuid.uuid5(ACCESS_NOTICE_NAMESPACE, f"{w.patient_id}|{w.caller.subject}|{Mode(mode).value}|"
                                                   f"{now.date().isoformat()}{secrecy}"))


class NoticesWritten:
    """The ids of the access notices this process has written (committed) to the outbox, the newest
    ones: a professional's next reads that day need no transaction to find theirs there already."""

    def __init__(self, capacity: int = 10_000):
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def __contains__(self, event_id: str) -> bool:
        with self._lock:
            return event_id in self._ids

    def add(self, event_id: str) -> None:
        with self._lock:
            self._ids[event_id] = None
            while len(self._ids) > self._capacity:
                self._ids.popitem(last=False)
