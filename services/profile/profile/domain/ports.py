"""What the profile use-cases need from the outside world (adapters implement these)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Protocol
from zoneinfo import ZoneInfo

from meskit.audit import AuditRecord
from meskit.auth import Caller

from profile.domain.access import AccessContext
from profile.domain.models import Declaration, Entry, Facts, Measurement

PARIS = ZoneInfo("Europe/Paris")


class ProfileRepository(Protocol):
    """One transaction's queries (adapters.repository.ProfileRepository); never commits."""
    def entries(self, patient_id: str, sections: Iterable[str] | None = None) -> list[Entry]: ...
    def entry(self, patient_id: str, entry_id: str, *, for_update: bool = False) -> Entry | None: ...
    def add_entry(self, entry: Entry) -> None: ...
    def replace_entry(self, entry: Entry) -> None: ...
    def delete_entry(self, patient_id: str, entry_id: str) -> None: ...
    def count_entries(self, patient_id: str, section: str) -> int: ...
    def trusted_contacts(self, patient_id: str) -> list[str]: ...
    def lock_profile(self, patient_id: str) -> None: ...
    def declarations(self, patient_id: str) -> list[Declaration]: ...
    def set_declaration(self, patient_id: str, section: str, declared_at: datetime | None) -> None: ...
    def facts(self, patient_id: str) -> Facts: ...
    def save_facts(self, patient_id: str, facts: Facts) -> None: ...
    def add_measurement(self, measurement: Measurement) -> None: ...
    def measurements(self, patient_id: str, code: str, offset: int, limit: int) -> list[Measurement]: ...
    def measurements_between(self, patient_id: str, codes: Iterable[str], start: datetime | None,
                             end: datetime | None, offset: int, limit: int) -> list[Measurement]: ...
    def measurement_by_identifier(self, patient_id: str, author_id: str, system: str,
                                  value: str) -> Measurement | None: ...
    def latest_measurements(self, patient_id: str) -> list[Measurement]: ...
    def all_measurements(self, patient_id: str) -> list[Measurement]: ...
    def latest(self, patient_id: str, code: str) -> Measurement | None: ...
    def measurement(self, patient_id: str, measurement_id: str) -> Measurement | None: ...
    def delete_measurement(self, patient_id: str, measurement_id: str) -> int: ...
    def erase(self, patient_id: str) -> dict[str, int]: ...
    def add_audit(self, record: AuditRecord) -> None: ...


class AppGrant(Protocol):
    """What a connected app may exchange with the space (identity's AccessContext.app_grant)."""
    @property
    def app_id(self) -> str: ...

    @property
    def app_name(self) -> str: ...

    def require(self, code: str, *, write: bool) -> None:
        """PERMISSION_DENIED CONSENT_NOT_GIVEN unless a consented purpose's MEASURES exchange allows the
        measurement code in that direction."""


class AccessContexts(Protocol):
    """identity's GetAccessContext; raises meskit.errors (NotFound, Unavailable)."""
    def get(self, patient_id: str, professional_id: str = "") -> AccessContext: ...

    def for_app(self, patient_id: str, app: Caller) -> tuple[AccessContext, AppGrant]:
        """Also UNAUTHENTICATED APP_TOKEN_REVOKED, PERMISSION_DENIED CONSENT_NOT_GIVEN (identity's answers)."""


class AuditTrail(Protocol):
    """Appends one record synchronously, with a deadline; raises meskit.errors.Unavailable on failure."""
    def append(self, record: AuditRecord) -> None: ...


@dataclass(frozen=True, kw_only=True)
class SynthesisDeposit:
    patient_id: str
    author_display_name: str
    title: str
    upload_id: str
    mask: bool = False           # she asked for it masked (a service can mask, never unmask)


class DocumentStore(Protocol):
    """documents' API; its refusals come back as meskit.errors."""
    def deposit_synthesis(self, deposit: SynthesisDeposit, pdf: bytes) -> tuple[str, bool]:
        """(document id, masked): masked as her default for new documents says."""
    def unmask(self, authorization: str, patient_id: str, document_id: str) -> None:
        """As the caller of `authorization` (only the holder unmasks)."""


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Dependencies:
    unit_of_work: Callable[[], AbstractContextManager[ProfileRepository]]
    contexts: AccessContexts
    audit: AuditTrail
    documents: DocumentStore
    now: Callable[[], datetime] = utc_now

    def today(self):
        return self.now().astimezone(PARIS).date()
