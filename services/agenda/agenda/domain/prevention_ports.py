"""What the prevention use-cases need from the outside world (adapters implement these)."""
from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

from meskit.audit import AuditRecord
from meskit.events import Envelope

from agenda.domain.people import Person
from agenda.domain.schedule import Schedule

if TYPE_CHECKING:
    from agenda.domain.prevention_calendar import StoredMark


class PreventionRepository(Protocol):
    def know_person(self, patient_id: str, today: date) -> None: ...
    def claim_people(self, today: date, limit: int) -> list[str]: ...
    def next_check(self, patient_id: str, on: date) -> None: ...
    def forget_person(self, patient_id: str) -> None: ...
    def record_sent(self, patient_id: str, item_id: str, moment: str, now: datetime) -> bool: ...
    def add_notice(self, envelope: Envelope) -> bool: ...
    def marks_of(self, patient_id: str, *, for_update: bool = False) -> dict[str, StoredMark]: ...
    def save_mark(self, patient_id: str, item_id: str, mark: StoredMark) -> None: ...
    def delete_mark(self, patient_id: str, item_id: str) -> None: ...
    def add_audit(self, record: AuditRecord) -> None: ...


class AccessContexts(Protocol):
    def get(self, patient_id: str) -> Person: ...


@dataclass(frozen=True)
class PreventionDependencies:
    unit_of_work: Callable[[], AbstractContextManager[PreventionRepository]]
    contexts: AccessContexts
    schedule: Schedule
    now: Callable[[], datetime]
    today: Callable[[], date]      # the calendar date in Europe/Paris
