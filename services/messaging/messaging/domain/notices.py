"""What the patient is told: RECEPTION_MESSAGE for each message a professional writes to her (bell,
and email, push or letter by her NOTIF_MESSAGE preference). Who wrote, never what."""
from __future__ import annotations

import uuid
from datetime import datetime

from meskit import events

RECEPTION_MESSAGE = "RECEPTION_MESSAGE"
NAMESPACE = uuid.UUID("0c8f3e0a-4f0e-4d55-9a61-3b7f1f0f4a12")
A_PROFESSIONAL = "Un professionnel de santé"


def message_received(patient_id: str, message_id: str, sender_display: str, now: datetime, *,
                     hidden_from_legal_representatives: bool = False) -> events.Envelope:
    """One notice per message (its id derives from the message's: a retried send tells once); one in a
    conversation hidden from the legal representatives is told to the minor's own channels only."""
    return events.envelope(RECEPTION_MESSAGE, patient_id, events.ActorNotice(actor_display=sender_display or A_PROFESSIONAL),
                           occurred_at=now, event_id=uuid.uuid5(NAMESPACE, message_id),
                           hidden_from_legal_representatives=hidden_from_legal_representatives)
