"""All of agenda's queries, one class per part (calendar, prevention). A repository works inside the session
it is given and never commits: the use-case's unit of work does."""
from __future__ import annotations

from sqlalchemy.orm import Session

from meskit.audit import AuditRecord
from meskit.events import Envelope
from meskit.outbox import add_audit_record, add_envelope

from agenda.adapters.calendar_repository import CalendarQueries
from agenda.adapters.prevention_repository import PreventionQueries
from agenda.adapters.tables import outbox


class AgendaRepository(CalendarQueries, PreventionQueries):
    def __init__(self, session: Session):
        self._session = session

    # ---- outbox ----
    def add_audit(self, record: AuditRecord) -> None:
        add_audit_record(self._session, outbox, record)

    def add_notice(self, envelope: Envelope, *, once: bool = False) -> bool:
        return add_envelope(self._session, outbox, envelope, once=once)
