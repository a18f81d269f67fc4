"""Who may ask for, follow and download a person's export: the holder herself, or, for a minor, her
legal representative acting for her (DOMAIN §4.4); never a caregiver, a professional or a service.
Only a space that exists and is open can be exported."""
from __future__ import annotations

from meskit.auth import DELEGATE, PATIENT, Caller
from meskit.errors import FailedPrecondition, PermissionDenied, require_ids

from exports.domain.models import Space
from exports.domain.ports import Dependencies

LEGAL_REPRESENTATION = "LEGAL_REPRESENTATION"
NOT_THE_HOLDER = PermissionDenied("Seul le titulaire du profil (ou le représentant légal d'un mineur) "
                                  "télécharge ses données", reason="NOT_THE_HOLDER")


def holder_space(deps: Dependencies, caller: Caller, patient_id: str) -> Space:
    """The space, once the caller is allowed to export it; raises otherwise."""
    require_ids(patient_id=patient_id)
    acting_for = (caller.subject if caller.actor_type == PATIENT
                  else caller.on_behalf_of if caller.actor_type == DELEGATE and caller.delegation in (LEGAL_REPRESENTATION, "")
                  else "")
    if acting_for != patient_id:
        raise NOT_THE_HOLDER
    space = deps.spaces.get(patient_id)
    if caller.actor_type == DELEGATE and not (space.minor and caller.subject in space.legal_representative_ids):
        raise NOT_THE_HOLDER
    if space.absent:
        raise FailedPrecondition("Ce patient n'a pas de profil Mon espace santé", reason="NO_SPACE")
    if space.closed:
        raise FailedPrecondition("Profil clôturé", reason="PROFILE_CLOSED")
    return space
