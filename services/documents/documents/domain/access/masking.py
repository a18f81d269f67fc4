"""The masked flag a new document starts with (applied by documents at deposit)."""
from __future__ import annotations

from documents.domain.access.model import ActorType, PatientSettings


def initial_masked(settings: PatientSettings, *, depositor: ActorType | str, requested: bool | None = None) -> bool:
    """MASQUE_PS at deposit (DOMAIN §2.4).

    - The patient (or a delegate acting for them) chooses visibility on upload: their explicit
      choice wins; without one, the patient's "mask new documents by default" setting applies.
    - Anyone else (a professional, a service such as the insurer's feed) cannot override the
      patient's default: the document is masked if the default says so, or if the depositor
      masks it at the patient's request.
    """
    if ActorType(depositor) in (ActorType.PATIENT, ActorType.DELEGATE):
        return settings.mask_new_documents_by_default if requested is None else requested
    return settings.mask_new_documents_by_default or bool(requested)
