"""Who may ask for, follow and download a person's export: the holder herself (DOMAIN §4.4); never a
delegate, a professional or a service. A minor's legal representatives act for her, but the services
export everything the holder sees, including what a minor keeps from them (DOMAIN §10.4): they are
refused until the export can leave that out. Only a space that exists and is open can be exported."""
from __future__ import annotations

from meskit.auth import PATIENT, Caller
from meskit.errors import FailedPrecondition, PermissionDenied, require_ids

from exports.domain.models import Space
from exports.domain.ports import Dependencies

NOT_THE_HOLDER = PermissionDenied("Seul le titulaire du profil télécharge ses données", reason="NOT_THE_HOLDER")


def holder_space(deps: Dependencies, caller: Caller, patient_id: str) -> Space:
    """The space, once the caller is allowed to export it; raises otherwise."""
    require_ids(patient_id=patient_id)
    if caller.actor_type != PATIENT or caller.subject != patient_id:
        raise NOT_THE_HOLDER
    space = deps.spaces.get(patient_id)
    if space.absent:
        raise FailedPrecondition("Ce patient n'a pas de profil Mon espace santé", reason="NO_SPACE")
    if space.closed:
        raise FailedPrecondition("Profil clôturé", reason="PROFILE_CLOSED")
    return space
