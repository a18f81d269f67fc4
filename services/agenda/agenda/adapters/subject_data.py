"""What agenda holds about one person, read for her export and erased for her deleted space: her
appointments, reminders, calendar subscription, prevention marks and the reminders' bookkeeping."""
from __future__ import annotations

import sqlalchemy as sa

from agenda.adapters.calendar_repository import _appointment
from agenda.adapters.tables import (appointments, calendar_feeds, prevention_marks, prevention_people,
                                    prevention_reminders_sent, reminders)
from agenda.domain.calendar_models import Appointment

# (kind reported, table): the feed's token hash is a secret of hers, never exported
ERASED = (("appointments", appointments), ("reminders", reminders), ("calendar_feeds", calendar_feeds),
          ("prevention_marks", prevention_marks), ("prevention_people", prevention_people),
          ("prevention_reminders_sent", prevention_reminders_sent))


class SubjectData:
    def __init__(self, engine: sa.Engine):
        self._engine = engine

    def export(self, patient_id: str) -> tuple[dict, list[Appointment]]:
        with self._engine.connect() as c:
            found = c.execute(sa.select(appointments).where(appointments.c.patient_id == patient_id)
                              .order_by(appointments.c.start_time)).all()
            notes = c.execute(sa.select(reminders).where(reminders.c.patient_id == patient_id)
                              .order_by(reminders.c.remind_at)).all()
            marks = c.execute(sa.select(prevention_marks).where(prevention_marks.c.patient_id == patient_id)
                              .order_by(prevention_marks.c.item_id)).all()
            feed = c.execute(sa.select(calendar_feeds.c.show_details, calendar_feeds.c.created_by,
                                       calendar_feeds.c.created_at)
                             .where(calendar_feeds.c.patient_id == patient_id)).all()
        content = {"appointments": [dict(r._mapping) for r in found], "reminders": [dict(r._mapping) for r in notes],
                   "prevention_marks": [dict(r._mapping) for r in marks],
                   "calendar_subscription": [dict(r._mapping) for r in feed]}
        return content, [_appointment(r) for r in found]

    def erase(self, patient_id: str) -> dict[str, int]:
        with self._engine.begin() as c:
            return {kind: c.execute(sa.delete(table).where(table.c.patient_id == patient_id)).rowcount
                    for kind, table in ERASED}
