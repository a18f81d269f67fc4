"""What the agenda use-cases need from the outside world (adapters implement these)."""
from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Protocol

from meskit.audit import AuditRecord

from agenda.domain.access import AccessContext
from agenda.domain.calendar_ports import CalendarRepository


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
    unit_of_work: Callable[[], AbstractContextManager[CalendarRepository]]   # one transaction
    contexts: AccessContexts
    audit: AuditTrail
    now: Callable[[], datetime] = utc_now
    # ---- calendar ----
    public_url: str = ""          # origin of the calendar feed's subscription URLs (PUBLIC_URL)
