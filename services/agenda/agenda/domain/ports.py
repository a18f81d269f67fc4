"""What the agenda use-cases need from the outside world (adapters implement these)."""
from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Protocol
from zoneinfo import ZoneInfo

from meskit.audit import AuditRecord

from agenda.domain.access import AccessContext
from agenda.domain.calendar_ports import CalendarRepository
from agenda.domain.prevention_ports import PreventionRepository
from agenda.domain.schedule import Schedule

PARIS = ZoneInfo("Europe/Paris")


class AgendaRepository(CalendarRepository, PreventionRepository, Protocol):
    """One transaction's queries of both parts (adapters.repository.AgendaRepository)."""


class AccessContexts(Protocol):
    """identity's GetAccessContext; raises meskit.errors (NotFound, Unavailable)."""
    def get(self, patient_id: str) -> AccessContext: ...


class AuditTrail(Protocol):
    """Appends one record synchronously, with a deadline; raises meskit.errors.Unavailable on failure."""
    def append(self, record: AuditRecord) -> None: ...


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Dependencies:
    unit_of_work: Callable[[], AbstractContextManager[AgendaRepository]]   # one transaction
    contexts: AccessContexts
    audit: AuditTrail
    schedule: Schedule                  # the prevention schedule (PREVENTION_SCHEDULE_FILE)
    now: Callable[[], datetime] = utc_now
    public_url: str = ""                # origin of the calendar feed's subscription URLs (PUBLIC_URL)
    today_override: Callable[[], date] | None = None

    def today(self) -> date:
        """The calendar date in Europe/Paris."""
        return self.today_override() if self.today_override else self.now().astimezone(PARIS).date()
