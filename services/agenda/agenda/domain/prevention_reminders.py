"""Prevention reminders (DOMAIN §6.1, §10.7): a notice to the profile when an item's window opens and
one month before it is overdue (its window's end), by the profile's preferences (notifications
applies NOTIF_APPOINTMENT or NOTIF_DEPISTAGE from the type: RAPPEL_RDV_PREV_VACC for vaccinations,
RAPPEL_RDV_PREV_DEPIST for cancer screenings, RAPPEL_RDV_PREV otherwise).

Whom the agenda knows: the people whose calendar was listed, read or marked (a row in
prevention_people, added on those requests); a background pass takes the people whose check is due
(SKIP LOCKED: replicas share them), reads each one's birth date and sex from identity again, and
plans the next check for the next day. At most once per occurrence and moment: the sent table's key
(person, item, moment) and the notice's event id derived from it. Not reminded: items marked DONE or
NOT_DONE, items for people at risk only (a condition), windows that ended. Catching up after downtime:
an opening is still told within OPENING_GRACE of it; the month before the end lasts a month. A window
shorter than SHORT_WINDOW gets the opening notice only (its last month is nearly all of it).
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from meskit import events
from meskit.errors import NotFound, PermissionDenied

from agenda.domain import durations, prevention
from agenda.domain.durations import Age
from agenda.domain.prevention import Mark, Occurrence

if TYPE_CHECKING:
    from agenda.domain.ports import Dependencies

OPENING, BEFORE_OVERDUE = "opening", "before_overdue"
OPENING_GRACE = timedelta(days=30)
BEFORE_END = Age(1, 0)
SHORT_WINDOW = Age(2, 0)
BATCH = 20
EVENT_TYPES = {"CAR_VAC": "RAPPEL_RDV_PREV_VACC", "EXAMEN_DEPISTAGE": "RAPPEL_RDV_PREV_DEPIST"}
NAMESPACE = uuid.UUID("7b0e7a53-4a4e-4f43-9d8c-6a1b2c3d4e5f")
log = logging.getLogger("agenda")


@dataclass(frozen=True)
class Due:
    occurrence: Occurrence
    moment: str               # OPENING or BEFORE_OVERDUE

    @property
    def event_type(self) -> str:
        return EVENT_TYPES.get(self.occurrence.rule.type, "RAPPEL_RDV_PREV")


def due(occurrences: list[Occurrence], marks: dict[str, Mark], today: date) -> list[Due]:
    """Pure: what is to be told today (the sent table keeps each from being told twice)."""
    found = []
    for o in occurrences:
        if o.item_id in marks or o.rule.condition or o.ended(today) or o.start > today:
            continue
        if today - o.start < OPENING_GRACE:
            found.append(Due(o, OPENING))
        if o.end is not None and durations.add(o.start, SHORT_WINDOW) <= o.end:
            last_month = durations.add(o.end, Age(-BEFORE_END.months, -BEFORE_END.days))
            if last_month <= today:
                found.append(Due(o, BEFORE_OVERDUE))
    return found


def event_id(patient_id: str, item_id: str, moment: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{patient_id}/{item_id}/{moment}")


def run_pass(deps: Dependencies) -> int:
    """One batch of people; returns how many were checked (a full batch: there may be more)."""
    today, now = deps.today(), deps.now()
    with deps.unit_of_work() as repo:
        claimed = repo.claim_people(today, BATCH)
        for patient_id in claimed:
            try:
                person = deps.contexts.get(patient_id)
            except (NotFound, PermissionDenied):
                repo.forget_person(patient_id)
                continue
            if person.space_closed or person.space_missing or person.birth_date is None:
                repo.forget_person(patient_id)
                continue
            marks = {k: Mark(m.done, m.execution_date) for k, m in repo.marks_of(patient_id).items()}
            for d in due(prevention.occurrences(deps.schedule, person.birth_date, person.sex), marks, today):
                if repo.record_sent(patient_id, d.occurrence.item_id, d.moment, now):
                    repo.add_notice(events.envelope(
                        d.event_type, patient_id, events.ActorNotice(), occurred_at=now,
                        event_id=event_id(patient_id, d.occurrence.item_id, d.moment)), once=True)
            repo.next_check(patient_id, today + timedelta(days=1))
    return len(claimed)
