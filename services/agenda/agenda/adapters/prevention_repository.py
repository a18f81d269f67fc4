"""Prevention marks and the audit outbox, in one transaction (db.unit_of_work)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from meskit.audit import AuditRecord
from meskit.outbox import add_audit_record

from agenda.adapters.tables import outbox, prevention_marks
from agenda.domain.prevention_calendar import StoredMark


class PreventionRepository:
    def __init__(self, session: Session):
        self._session = session

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

    def add_audit(self, record: AuditRecord) -> None:
        add_audit_record(self._session, outbox, record)
