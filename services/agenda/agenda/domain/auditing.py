"""Audit of the agenda. Appointments, reminders, the feed: a delegate's changes through the outbox (with
the change, atomically), a delegate's reads appended before the data leaves (fail closed). The
prevention calendar: every change of a mark, by anyone, through the outbox (a delegate's names both:
the delegate as actor, the profile acted for). Records name the entry, never its content (no title,
no note, no professional)."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from meskit import audit
from meskit.audit import CREATE, DELETE, LIST, READ, UPDATE, AuditRecord

from agenda.domain.access import Who

if TYPE_CHECKING:
    from agenda.domain.ports import Dependencies

__all__ = ["CREATE", "DELETE", "LIST", "READ", "UPDATE", "change", "prevention_mark", "read"]
APPOINTMENT, REMINDER, FEED, PREVENTION_ITEM = "appointment", "reminder", "calendar_feed", "prevention_item"
LABELS = {APPOINTMENT: "Rendez-vous de l'agenda", REMINDER: "Rappel de l'agenda",
          FEED: "Abonnement au calendrier de l'agenda",
          PREVENTION_ITEM: "Examen ou vaccination du calendrier de prévention"}


def _record(w: Who, action: str, resource_type: str, resource_id: str, now: datetime) -> AuditRecord:
    return audit.record(w.caller, group=audit.GENERAL, resource_type=resource_type, action=action,
                        patient_id=w.patient_id, allowed=True, rule="delegation_in_force", now=now,
                        resource_id=resource_id, resource_label=LABELS[resource_type], display_name=w.display_name)


def change(w: Who, repo, *, action: str, resource_type: str, resource_id: str, now: datetime) -> None:
    """Inside the change's transaction: the record reaches audit through the outbox."""
    if w.is_delegate:
        repo.add_audit(_record(w, action, resource_type, resource_id, now))


def read(deps: Dependencies, w: Who, *, action: str, resource_type: str, resource_id: str = "") -> None:
    """Before the answer leaves: UNAVAILABLE when audit cannot record it."""
    if w.is_delegate:
        deps.audit.append(_record(w, action, resource_type, resource_id, deps.now()))


def prevention_mark(w: Who, repo, *, action: str, item_id: str, item_label: str, now: datetime) -> None:
    """A mark set, changed or cleared, by the patient or a delegate, inside the change's transaction."""
    repo.add_audit(audit.record(
        w.caller, group=audit.GENERAL, resource_type=PREVENTION_ITEM, action=action, patient_id=w.patient_id,
        allowed=True, rule=w.delegation.lower() or "holder", now=now, resource_id=item_id,
        resource_label=f"{LABELS[PREVENTION_ITEM]} : {item_label}", display_name=w.display_name))
