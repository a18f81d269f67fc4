"""Appointments the person (or a delegate) enters (DOMAIN §6.1): create, list by period, get, change,
delete. Each keeps its reminder's time and state: the day before at 09:00 Paris time while it is still
ahead (booked, proposed, pending, waitlist), or at the time the person chose; changing its start reschedules the reminder, cancelling
it drops the reminder. Bad input is refused with every violation at once, nothing changed."""
from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from meskit import paging
from meskit.auth import Caller
from meskit.errors import NotFound, Violations

from agenda.domain import auditing as audit
from agenda.domain.access import who
from agenda.domain.calendar_models import (
    APPOINTMENT_TYPES, BOOKED, DROPPED, NO_NOTICE, PATIENT_AUTHOR, PENDING, REMINDED_STATUSES, SENT, STATUSES,
    Appointment)
from agenda.domain.notice_times import DEFAULT_NOTICE_TIME, appointment_notice_at, notice_time

if TYPE_CHECKING:
    from agenda.domain.ports import Dependencies

LIMITS = {"title": 100, "directory_id": 32, "name": 200, "specialty": 200, "address": 500, "note": 1000,
          "prevention_item_id": 64}
EDITABLE = frozenset({"type", "title", "directory_id", "name", "specialty", "address", "start_time", "end_time",
                      "note", "status", "prevention_item_id", "reminder_time"})


def _check(values: dict[str, Any]) -> None:
    v = Violations()
    if values["type"] not in APPOINTMENT_TYPES:
        v.add("type", "PRACTITIONER ou HEALTHCARE_SERVICE attendu")
    if values["status"] not in STATUSES:
        v.add("status", "statut inconnu")
    v.require(values["name"].strip(), "name")
    if values["start_time"] is None:
        v.add("start_time", "champ obligatoire")
    for name, limit in LIMITS.items():
        v.max_length(values[name], name, limit)
    if notice_time(values["reminder_time"]) is None:
        v.add("reminder_time", "heure HH:MM attendue (00:00 à 23:59)")
    end, start = values["end_time"], values["start_time"]
    if end is not None and start is not None and end < start:
        v.add("end_time", "la fin ne peut précéder le début")
    v.raise_if_any("Rendez-vous invalide")


def _notice(a: Appointment, now: datetime, before: Appointment | None = None) -> dict[str, Any]:
    """The reminder's time and state for the appointment as it now is."""
    if a.status not in REMINDED_STATUSES:
        return {"notice_at": None, "notice_state": NO_NOTICE}
    at = appointment_notice_at(a.start_time, notice_time(a.reminder_time) or DEFAULT_NOTICE_TIME)
    if before is not None and before.notice_at == at and before.notice_state in (PENDING, SENT, DROPPED):
        return {"notice_at": at, "notice_state": before.notice_state}     # same reminder: told once
    # entered (or moved) after its reminder's time: nothing left to remind of
    return {"notice_at": at, "notice_state": PENDING if at > now else NO_NOTICE}


def _missing(appointment_id: str) -> NotFound:
    return NotFound("Rendez-vous introuvable", reason="APPOINTMENT_NOT_FOUND")


def create(deps: Dependencies, caller: Caller, patient_id: str, fields: dict[str, Any]) -> Appointment:
    w = who(deps, caller, patient_id)
    values = {"title": "", "directory_id": "", "name": "", "specialty": "", "address": "", "note": "",
              "end_time": None, "start_time": None, "prevention_item_id": "", "reminder_time": "", **fields}
    values["status"] = values.get("status") or BOOKED
    _check(values)
    now = deps.now()
    a = Appointment(appointment_id=str(uuid.uuid4()), patient_id=w.patient_id, author_type=PATIENT_AUTHOR,
                    author_id=caller.subject, created_at=now, updated_at=now, **values)
    a = dataclasses.replace(a, **_notice(a, now))
    with deps.unit_of_work() as repo:
        repo.add_appointment(a)
        audit.change(w, repo, action=audit.CREATE, resource_type=audit.APPOINTMENT, resource_id=a.appointment_id,
                     now=now)
    return a


def get(deps: Dependencies, caller: Caller, patient_id: str, appointment_id: str) -> Appointment:
    w = who(deps, caller, patient_id)
    with deps.unit_of_work() as repo:
        found = repo.get_appointment(w.patient_id, appointment_id)
    if found is None:
        raise _missing(appointment_id)
    audit.read(deps, w, action=audit.READ, resource_type=audit.APPOINTMENT, resource_id=appointment_id)
    return found


def listing(deps: Dependencies, caller: Caller, patient_id: str, *, start: datetime | None, end: datetime | None,
            statuses: list[str], newest_first: bool, page_size: int, page_token: str) -> tuple[list[Appointment], str]:
    w = who(deps, caller, patient_id)
    offset, limit = paging.page(page_size, page_token, default=50, maximum=200)
    if start is not None and end is not None and end < start:
        v = Violations()
        v.add("end_time", "la fin de la période ne peut précéder son début")
        v.raise_if_any("Période invalide")
    with deps.unit_of_work() as repo:
        found = repo.list_appointments(w.patient_id, start=start, end=end, statuses=statuses,
                                       newest_first=newest_first, offset=offset, limit=limit + 1)
    audit.read(deps, w, action=audit.LIST, resource_type=audit.APPOINTMENT)
    return found[:limit], paging.next_token(offset, limit, len(found))


def update(deps: Dependencies, caller: Caller, patient_id: str, appointment_id: str,
           changes: dict[str, Any]) -> Appointment:
    w = who(deps, caller, patient_id)
    assert set(changes) <= EDITABLE, set(changes) - EDITABLE
    now = deps.now()
    with deps.unit_of_work() as repo:
        before = repo.get_appointment(w.patient_id, appointment_id, for_update=True)
        if before is None:
            raise _missing(appointment_id)
        values = {name: changes.get(name, getattr(before, name)) for name in EDITABLE}
        _check(values)
        after = dataclasses.replace(before, **values, updated_at=now, sequence=before.sequence + 1)
        after = dataclasses.replace(after, **_notice(after, now, before))
        repo.update_appointment(appointment_id, **values, updated_at=now, sequence=after.sequence,
                                notice_at=after.notice_at, notice_state=after.notice_state)
        audit.change(w, repo, action=audit.UPDATE, resource_type=audit.APPOINTMENT, resource_id=appointment_id,
                     now=now)
    return after


def delete(deps: Dependencies, caller: Caller, patient_id: str, appointment_id: str) -> None:
    w = who(deps, caller, patient_id)
    with deps.unit_of_work() as repo:
        if repo.get_appointment(w.patient_id, appointment_id, for_update=True) is None:
            raise _missing(appointment_id)
        repo.delete_appointment(appointment_id)
        audit.change(w, repo, action=audit.DELETE, resource_type=audit.APPOINTMENT, resource_id=appointment_id,
                     now=deps.now())
