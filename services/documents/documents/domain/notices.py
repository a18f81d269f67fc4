"""What the patient is told through notifications (written to the outbox with the change)."""
from __future__ import annotations

import uuid
from datetime import datetime

from documents.domain.access import Mode
from documents.domain.actors import Who

ACCES_BRIS_GLACE, ACCES_DMP_PS, AJOUT_DOCUMENT = "ACCES_BRIS_GLACE", "ACCES_DMP_PS", "AJOUT_DOCUMENT"
ACCESS_NOTICE_NAMESPACE = uuid.UUID("6b1f7f64-5a43-4c36-9f0b-1f1d2b0c5e11")


def access_notice(repo, w: Who, mode: Mode, now: datetime) -> None:
    """The patient is told of every access by a professional (the caller, DOMAIN §8): ACCES_DMP_PS, or
    ACCES_BRIS_GLACE in an emergency mode (the GP is told too); one per professional, mode and day."""
    mode = Mode(mode)
    event_id = uuid.uuid5(ACCESS_NOTICE_NAMESPACE, f"{w.patient_id}|{w.caller.subject}|{mode.value}|"
                                                   f"{now.date().isoformat()}")
    payload = {"patient_id": w.patient_id, "actor_display": w.display_name or "Un professionnel de santé",
               "professional_id": w.caller.subject, "access_mode": mode.value, "occurred_at": now.isoformat()}
    if mode == Mode.NORMAL:
        repo.add_event_once(event_id, ACCES_DMP_PS, w.patient_id, payload)
    else:
        repo.add_event_once(event_id, ACCES_BRIS_GLACE, w.patient_id, {
            **payload, "general_practitioner_ids": sorted(w.context.general_practitioner_ids)})
