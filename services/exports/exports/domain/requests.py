"""The holder's side: ask for an export, follow it, download it (each audited as it happens)."""
from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

from meskit import audit
from meskit.audit import AuditRecord
from meskit.auth import Caller
from meskit.errors import FailedPrecondition, NotFound, Unavailable, require_ids

from exports.domain.access import holder_space
from exports.domain.models import EXPIRED, FAILED, RUNNING, Export
from exports.domain.ports import Dependencies

log = logging.getLogger("exports")
EXPORT, RESOURCE = "EXPORT", "export"
LISTED = 20
NO_SUCH_EXPORT = "Export introuvable"


def _record(caller: Caller, e: Export, action: str, now) -> AuditRecord:
    return audit.record(caller, group=audit.GENERAL, resource_type=RESOURCE, action=action, patient_id=e.patient_id,
                        allowed=True, rule="holder", now=now, resource_id=e.export_id,
                        resource_label="Export de vos données")


def request_export(deps: Dependencies, caller: Caller, patient_id: str) -> Export:
    holder_space(deps, caller, patient_id)
    now = deps.now()
    export = Export(export_id=str(uuid.uuid4()), patient_id=patient_id, requested_by=caller.subject,
                    state=RUNNING, requested_at=now)
    with deps.unit_of_work() as repo:
        if not repo.add_export(export):
            raise FailedPrecondition("Un export de vos données est déjà en cours : vous serez prévenu quand il "
                                     "sera prêt", reason="EXPORT_RUNNING")
        repo.add_audit(_record(caller, export, EXPORT, now))
    return export


def get_export(deps: Dependencies, caller: Caller, patient_id: str, export_id: str) -> Export:
    holder_space(deps, caller, patient_id)
    require_ids(export_id=export_id)
    with deps.unit_of_work() as repo:
        found = repo.get_export(patient_id, export_id)
    if found is None:
        raise NotFound(NO_SUCH_EXPORT)
    return found


def list_exports(deps: Dependencies, caller: Caller, patient_id: str) -> list[Export]:
    holder_space(deps, caller, patient_id)
    with deps.unit_of_work() as repo:
        return repo.list_exports(patient_id, LISTED)


def download(deps: Dependencies, caller: Caller, patient_id: str, export_id: str) -> tuple[Export, Iterator[bytes]]:
    found = get_export(deps, caller, patient_id, export_id)
    now = deps.now()
    if found.state == RUNNING:
        raise FailedPrecondition("L'export de vos données est en cours de préparation", reason="EXPORT_NOT_READY")
    if found.state == FAILED:
        raise FailedPrecondition("L'export de vos données n'a pas pu être préparé : demandez-en un nouveau",
                                 reason="EXPORT_FAILED")
    if found.expired(now):
        expire(deps, found)
        raise FailedPrecondition("Ce lien de téléchargement a expiré : demandez un nouvel export",
                                 reason="EXPORT_EXPIRED")
    deps.audit.append(_record(caller, found, audit.DOWNLOAD, now))
    try:
        return found, deps.objects.stream(found.object_key)
    except Exception as exc:
        log.error("object store read failed", extra={"export_id": export_id, "error": type(exc).__name__})
        raise Unavailable("Stockage des exports indisponible, réessayez plus tard",
                          reason="STORAGE_UNAVAILABLE") from None


def expire(deps: Dependencies, e: Export) -> None:
    """Its bytes deleted, then the state (a crash in between: the next pass deletes again, harmlessly)."""
    if e.state != EXPIRED and e.object_key:
        deps.objects.delete(e.object_key)
    with deps.unit_of_work() as repo:
        repo.mark_expired(e.export_id)
