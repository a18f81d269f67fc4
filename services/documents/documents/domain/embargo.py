"""The embargo's lifecycle ("masqué au patient jusqu'à la consultation d'annonce", DOMAIN §10.3).

- Set by the author professional at deposit (or later, SetDocumentVisibility hidden_from_patient):
  the author is reminded (RAPPEL_CONSULTATION_ANNONCE, to their MSSanté address else their email)
  to hold the announcement visit within two weeks; audit learns the restriction (RESOURCE_VISIBILITY,
  and with every record about the document) and shows the patient's side a neutral history record.
- Lifted by the author (SetDocumentVisibility hidden_from_patient = false), or automatically once
  `Document.visible_to_patient_from()` passes (one month after deposit at the latest) by `lift_due`,
  a background pass safe with several replicas (rows claimed FOR UPDATE SKIP LOCKED; a lift is an
  update of a still-hidden row, so a document is lifted once; after downtime, the next pass lifts
  everything overdue).
- While embargoed nothing reaches the patient or anyone acting for her: the access decision hides
  it from lists and reads, no AJOUT_DOCUMENT is written, professionals' changes tell nothing. At the
  lift she is told once (REMISE_VISIBILITE_AUTO, deterministic event id): that single notice stands
  for the deposit too, no AJOUT_DOCUMENT follows (one notice for one new document).
"""
from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timedelta

from meskit import events
from meskit.auth import SERVICE, Caller
from meskit.events import RAPPEL_CONSULTATION_ANNONCE

from documents.domain import auditing
from documents.domain.access import Decision
from documents.domain.models import Document
from documents.domain.ports import Dependencies

REMISE_VISIBILITE_AUTO = "REMISE_VISIBILITE_AUTO"
ANNOUNCEMENT_WITHIN = timedelta(weeks=2)   # what the reminder asks of the author
LIFT_NAMESPACE = uuid.UUID("0f5c7f8e-2d0b-4a53-9a55-6f1f5a3c2b71")
AUTOMATIC_LIFT = "embargo_lifted_automatically"
BATCH = 100
A_PROFESSIONAL = "Un professionnel de santé"


def embargoed(document: Document, now: datetime) -> bool:
    """Hidden from the patient right now (the patient's side learns nothing of it)."""
    lifts_at = document.visible_to_patient_from()
    return not document.deleted and lifts_at is not None and now < lifts_at


def restriction_changed(repo, document: Document, now: datetime) -> None:
    """Tell audit the document's restriction, in the transaction that changed it."""
    visibility = auditing.visibility_of(document, now)
    repo.add_visibility(visibility)


def reminder(document: Document, professional_id: str, address: str, now: datetime) -> events.Envelope:
    """To the author: hold the announcement visit within two weeks, before it becomes visible on its own."""
    return events.envelope(RAPPEL_CONSULTATION_ANNONCE, document.patient_id, events.AnnouncementReminder(
        professional_id=professional_id, professional_email=address, document_id=document.document_id,
        visible_from=document.visible_to_patient_from()), occurred_at=now,
        hidden_from_legal_representatives=document.visibility.hidden_from_legal_representatives)


def without_embargo(document: Document) -> Document:
    return dataclasses.replace(document, visibility=dataclasses.replace(
        document.visibility, hidden_from_patient=False, hidden_from_patient_until=None))


def lifted(repo, document: Document, now: datetime, after: Document | None = None) -> None:
    """After the update that lifted `document` (as it was before; `after` as it is now; same
    transaction): audit learns it, the patient is told once."""
    restriction_changed(repo, after or without_embargo(document), now)
    until = document.visible_to_patient_from()
    event_id = uuid.uuid5(LIFT_NAMESPACE, f"{document.document_id}|{until.isoformat() if until else ''}")
    repo.add_notice(events.envelope(
        REMISE_VISIBILITE_AUTO, document.patient_id, events.ActorNotice(
            actor_display=document.author.display_name or A_PROFESSIONAL), occurred_at=now, event_id=event_id,
        hidden_from_legal_representatives=document.visibility.hidden_from_legal_representatives), once=True)


def lift_due(deps: Dependencies) -> int:
    """One pass of the automatic lift: every document whose embargo has run out, a batch at a time."""
    now = deps.now()
    caller = Caller(SERVICE, "documents")
    decision = Decision(True, AUTOMATIC_LIFT, "one month after deposit at the latest (DOMAIN §10.3)")
    with deps.unit_of_work() as repo:
        due = repo.claim_due_embargoes(now, BATCH)
        for document in due:
            repo.update_document(document.patient_id, document.document_id, hidden_from_patient=False, hidden_from_patient_until=None,
                                 updated_at=now)
            record = auditing.record_of(caller, patient_id=document.patient_id, action=auditing.VISIBILITY_CHANGE,
                                        decision=decision, now=now, resource_id=document.document_id,
                                        resource_label=document.title)
            repo.add_audit(dataclasses.replace(record, visibility=auditing.visibility_of(without_embargo(document), now)))
            lifted(repo, document, now)
    return len(due)
