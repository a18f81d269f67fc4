"""What the person is told when an appointment or a reminder comes: RAPPEL_RDV_USAGER or
RAPPEL_AGENDA, naming who entered it at most, never what it is about (no title, no professional).
Each notice's id derives from the entry and its time: a retried or concurrent pass tells once."""
from __future__ import annotations

import uuid
from datetime import datetime

from meskit import events

from agenda.domain.calendar_models import Appointment, Reminder

RAPPEL_RDV_USAGER, RAPPEL_AGENDA = "RAPPEL_RDV_USAGER", "RAPPEL_AGENDA"
NAMESPACE = uuid.UUID("5b3c9a52-2f5e-4c1e-8d0a-7c1f6a1e0b13")


def event_id(kind: str, entry_id: str, at: datetime) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{kind}:{entry_id}:{at.isoformat()}")


def appointment_coming(a: Appointment, now: datetime) -> events.Envelope:
    assert a.notice_at is not None
    return events.envelope(RAPPEL_RDV_USAGER, a.patient_id, events.ActorNotice(), occurred_at=now,
                           event_id=event_id("appointment", a.appointment_id, a.notice_at))


def reminder_due(r: Reminder, now: datetime) -> events.Envelope:
    return events.envelope(RAPPEL_AGENDA, r.patient_id, events.ActorNotice(), occurred_at=now,
                           event_id=event_id("reminder", r.reminder_id, r.remind_at))
