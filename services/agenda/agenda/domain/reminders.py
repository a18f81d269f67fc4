"""Reminders the person (or a delegate) enters (DOMAIN §6.1): a title, a date and time, a note; at most
10 per date (its date in Europe/Paris); notified at their time by email and in the bell."""
from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from meskit import paging
from meskit.auth import Caller
from meskit.errors import FailedPrecondition, InvalidArgument, NotFound, Violations

from agenda.domain import auditing as audit
from agenda.domain.access import who
from agenda.domain.calendar_models import PATIENT_AUTHOR, PENDING, Reminder
from agenda.domain.notice_times import paris_date

if TYPE_CHECKING:
    from agenda.domain.ports import Dependencies

MAX_PER_DATE = 10
TITLE_LIMIT, NOTE_LIMIT = 100, 1000


def _check(title: str, remind_at: datetime | None, note: str, now: datetime, *, time_changed: bool) -> None:
    v = Violations()
    v.require(title.strip(), "title")
    v.max_length(title, "title", TITLE_LIMIT)
    v.max_length(note, "note", NOTE_LIMIT)
    if remind_at is None:
        v.add("remind_at", "champ obligatoire")
    v.raise_if_any("Rappel invalide")
    if time_changed and remind_at is not None and remind_at <= now:
        raise InvalidArgument("Un rappel ne peut être programmé dans le passé", reason="REMINDER_IN_PAST")


def _room_on(repo, patient_id: str, remind_at: datetime, besides: str = "") -> None:
    if repo.count_reminders_on(patient_id, paris_date(remind_at), besides=besides) >= MAX_PER_DATE:
        raise FailedPrecondition(f"{MAX_PER_DATE} rappels au plus par date", reason="REMINDERS_PER_DATE")


def _missing() -> NotFound:
    return NotFound("Rappel introuvable", reason="REMINDER_NOT_FOUND")


def create(deps: Dependencies, caller: Caller, patient_id: str, *, title: str, remind_at: datetime | None,
           note: str) -> Reminder:
    w = who(deps, caller, patient_id)
    now = deps.now()
    _check(title, remind_at, note, now, time_changed=True)
    assert remind_at is not None
    r = Reminder(reminder_id=str(uuid.uuid4()), patient_id=w.patient_id, title=title, remind_at=remind_at,
                 remind_date=paris_date(remind_at), note=note, author_type=PATIENT_AUTHOR, author_id=caller.subject,
                 created_at=now, updated_at=now)
    with deps.unit_of_work() as repo:
        repo.lock_profile(w.patient_id)
        _room_on(repo, w.patient_id, remind_at)
        repo.add_reminder(r)
        audit.change(w, repo, action=audit.CREATE, resource_type=audit.REMINDER, resource_id=r.reminder_id, now=now)
    return r


def get(deps: Dependencies, caller: Caller, patient_id: str, reminder_id: str) -> Reminder:
    w = who(deps, caller, patient_id)
    with deps.unit_of_work() as repo:
        found = repo.get_reminder(w.patient_id, reminder_id)
    if found is None:
        raise _missing()
    audit.read(deps, w, action=audit.READ, resource_type=audit.REMINDER, resource_id=reminder_id)
    return found


def listing(deps: Dependencies, caller: Caller, patient_id: str, *, start: datetime | None, end: datetime | None,
            page_size: int, page_token: str) -> tuple[list[Reminder], str]:
    w = who(deps, caller, patient_id)
    offset, limit = paging.page(page_size, page_token, default=50, maximum=200)
    with deps.unit_of_work() as repo:
        found = repo.list_reminders(w.patient_id, start=start, end=end, offset=offset, limit=limit + 1)
    audit.read(deps, w, action=audit.LIST, resource_type=audit.REMINDER)
    return found[:limit], paging.next_token(offset, limit, len(found))


def update(deps: Dependencies, caller: Caller, patient_id: str, reminder_id: str, changes: dict[str, Any]) -> Reminder:
    w = who(deps, caller, patient_id)
    now = deps.now()
    with deps.unit_of_work() as repo:
        repo.lock_profile(w.patient_id)
        before = repo.get_reminder(w.patient_id, reminder_id, for_update=True)
        if before is None:
            raise _missing()
        title, note = changes.get("title", before.title), changes.get("note", before.note)
        remind_at = changes.get("remind_at") or before.remind_at
        moved = remind_at != before.remind_at
        _check(title, remind_at, note, now, time_changed=moved)
        values: dict[str, Any] = {"title": title, "note": note, "updated_at": now}
        if moved:
            _room_on(repo, w.patient_id, remind_at, besides=reminder_id)
            values.update(remind_at=remind_at, remind_date=paris_date(remind_at), notice_state=PENDING,
                          notified_at=None)
        repo.update_reminder(reminder_id, **values)
        audit.change(w, repo, action=audit.UPDATE, resource_type=audit.REMINDER, resource_id=reminder_id, now=now)
    return dataclasses.replace(before, **values)


def delete(deps: Dependencies, caller: Caller, patient_id: str, reminder_id: str) -> None:
    w = who(deps, caller, patient_id)
    with deps.unit_of_work() as repo:
        if repo.get_reminder(w.patient_id, reminder_id, for_update=True) is None:
            raise _missing()
        repo.delete_reminder(reminder_id)
        audit.change(w, repo, action=audit.DELETE, resource_type=audit.REMINDER, resource_id=reminder_id,
                     now=deps.now())
