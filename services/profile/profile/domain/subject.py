"""One person's profile as a whole: erased at identity's request (meskit.erasure), exported for the
exports service (mes.lifecycle.v1) under `profil-medical/`."""
from __future__ import annotations

import json
from collections.abc import Iterator

from meskit import audit
from meskit.auth import SERVICE, Caller
from meskit.errors import PermissionDenied, require_ids

from profile.domain import profile, rendering
from profile.domain.ports import Dependencies

EXPORTS = "exports"
FOLDER = "profil-medical"
PROFILE_EXPORT = "medical_profile"


def erase(deps: Dependencies, account_id: str) -> dict[str, int]:
    """Idempotent: what is already gone counts zero."""
    with deps.unit_of_work() as repo:
        return repo.erase(account_id)


def export(deps: Dependencies, caller: Caller, account_id: str, export_id: str) -> Iterator[tuple[str, str, bytes]]:
    """(path, content type, bytes) of each file; nothing for a person the profile knows nothing about.
    The read is recorded (with the export's id) before anything leaves."""
    if caller.actor_type != SERVICE or caller.subject != EXPORTS:
        raise PermissionDenied("Réservé au service des exports", reason="EXPORTS_ONLY")
    require_ids(account_id=account_id)
    view = profile.collect(deps, account_id)
    with deps.unit_of_work() as repo:
        view = profile.ProfileView(**{**view.__dict__, "latest_measurements": repo.all_measurements(account_id)})
    if not (view.entries or view.declarations or view.latest_measurements or view.facts.blood_group
            or view.facts.advance_directives or view.facts.informed_about_organ_donation):
        return
    deps.audit.append(audit.record(
        caller, group=audit.GENERAL, resource_type=PROFILE_EXPORT, action=audit.READ, patient_id=account_id,
        allowed=True, rule="subject_export", now=deps.now(), resource_id=export_id,
        resource_label="Profil médical (téléchargement de vos données)"))
    document = json.dumps(rendering.profile_json(view), ensure_ascii=False, indent=2).encode()
    yield f"{FOLDER}/profil.json", "application/json", document
    yield f"{FOLDER}/profil.pdf", "application/pdf", rendering.synthesis_pdf(
        view, rendering.PDF_SECTIONS, "", deps.now())
