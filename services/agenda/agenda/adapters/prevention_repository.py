"""The prevention part of AgendaRepository: the person's marks, the reminders' pass."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from agenda.adapters.tables import prevention_marks, prevention_people, prevention_reminders_sent
from agenda.domain.prevention_calendar import StoredMark


class PreventionQueries:
    _session: Session

    def marks_of(self, patient_id: str, *, for_update: bool = False) -> dict[str, StoredMark]:
        query = sa.select(prevention_marks).where(prevention_marks.c.patient_id == patient_id)
        if for_update:      # one patient's marks change one at a time
            self._session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(patient_id))))
        return {r.item_id: StoredMark(r.done, r.execution_date, r.marked_at, r.marked_by)
                for r in self._session.execute(query)}

    def save_mark(self, patient_id: str, item_id: str, mark: StoredMark) -> None:
        values = {"done": mark.done, "execution_date": mark.execution_date, "marked_at": mark.marked_at,
                  "marked_by": mark.marked_by}
        self._session.execute(insert(prevention_marks).values(patient_id=patient_id, item_id=item_id, **values)
                              .on_conflict_do_update(index_elements=["patient_id", "item_id"], set_=values))

    def delete_mark(self, patient_id: str, item_id: str) -> None:
        self._session.execute(sa.delete(prevention_marks).where(
            prevention_marks.c.patient_id == patient_id, prevention_marks.c.item_id == item_id))

    # ---- the reminders' pass ----
    def know_person(self, patient_id: str, today: date) -> None:
        self._session.execute(insert(prevention_people).values(patient_id=patient_id, next_check_on=today)
                              .on_conflict_do_nothing(index_elements=["patient_id"]))

    def claim_people(self, today: date, limit: int) -> list[str]:
        """People due for a check, locked for this transaction; the ones another replica holds are skipped."""
        return list(self._session.execute(
            sa.select(prevention_people.c.patient_id).where(prevention_people.c.next_check_on <= today)
            .order_by(prevention_people.c.next_check_on).limit(limit).with_for_update(skip_locked=True)).scalars())

    def next_check(self, patient_id: str, on: date) -> None:
        self._session.execute(sa.update(prevention_people).where(prevention_people.c.patient_id == patient_id)
                              .values(next_check_on=on))

    def forget_person(self, patient_id: str) -> None:
        self._session.execute(sa.delete(prevention_people).where(prevention_people.c.patient_id == patient_id))

    def record_sent(self, patient_id: str, item_id: str, moment: str, now: datetime) -> bool:
        """False when already told."""
        return self._session.execute(
            insert(prevention_reminders_sent).values(patient_id=patient_id, item_id=item_id, moment=moment, sent_at=now)
            .on_conflict_do_nothing().returning(prevention_reminders_sent.c.item_id)).first() is not None
