"""Her agenda in her export (`agenda/agenda.json`, and `agenda/agenda.ics` rendered as her calendar
feed renders it, with the details) and its erasure when her space is deleted."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from meskit import audit, subject_data
from meskit.auth import Caller

from agenda.domain.calendar_feed import render
from agenda.domain.calendar_models import Appointment
from agenda.domain.ports import Dependencies

FOLDER = "agenda/"
EXPORT = "subject_data_export"


class Store(Protocol):
    def export(self, patient_id: str) -> tuple[dict, list[Appointment]]: ...
    def erase(self, patient_id: str) -> dict[str, int]: ...


def erase(store: Store, account_id: str) -> dict[str, int]:
    return store.erase(account_id)


def export(deps: Dependencies, store: Store, caller: Caller, account_id: str, export_id: str) -> Iterator:
    """Audited before anything leaves; an empty stream for someone agenda knows nothing about."""
    subject_data.require_service(caller, subject_data.EXPORTER)
    subject_data.require_uuids(account_id=account_id, export_id=export_id)
    content, found = store.export(account_id)
    if not any(content.values()):
        return iter(())
    now = deps.now()
    deps.audit.append(audit.record(caller, group=audit.GENERAL, resource_type=EXPORT, action=audit.EXPORT,
                                   patient_id=account_id, allowed=True, rule=EXPORT, now=now, resource_id=export_id,
                                   resource_label="Export de mes données : agenda"))
    return _files(content, render(found, [], show_details=True, now=now))


def _files(content: dict, ics: bytes) -> Iterator:
    yield from subject_data.json_file(FOLDER + "agenda.json", content)
    yield from subject_data.file_chunks(FOLDER + "agenda.ics", "text/calendar", ics)
