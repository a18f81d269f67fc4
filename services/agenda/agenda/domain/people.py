"""Whose calendar it is and who asks: the token's caller plus identity's access context.

The patient reads and marks her own calendar; a delegate (a legal representative or a caregiver in
force in identity's access context, checked at every request, with the "health_data" scope of
SwitchProfile's token) acts for the profile. Anyone else is refused as documents refuses a profile
that is not one's own (PERMISSION_DENIED); nobody else is allowed (deny unless a rule allows).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from meskit.auth import DELEGATE, PATIENT, Caller
from meskit.errors import FailedPrecondition, NotFound, PermissionDenied

HEALTH_DATA_SCOPE = "health_data"
CAREGIVING, LEGAL_REPRESENTATION = "CAREGIVING", "LEGAL_REPRESENTATION"


@dataclass(frozen=True, kw_only=True)
class Person:
    """identity's GetAccessContext, what the agenda needs of it."""
    patient_id: str
    birth_date: date | None
    sex: str = ""                       # "F", "M" or "" (unknown)
    display_name: str = ""
    legal_representative_ids: frozenset[str] = frozenset()
    caregiver_ids: frozenset[str] = frozenset()
    delegate_display_names: Mapping[str, str] = field(default_factory=dict)
    space_closed: bool = False


@dataclass(frozen=True)
class Who:
    caller: Caller
    person: Person

    @property
    def patient_id(self) -> str:
        return self.person.patient_id

    @property
    def birth_date(self) -> date:
        """Known: who() refuses a profile without one."""
        if self.person.birth_date is None:
            raise FailedPrecondition("Date de naissance inconnue", reason="BIRTH_DATE_UNKNOWN")
        return self.person.birth_date

    @property
    def delegation(self) -> str:
        if self.caller.actor_type != DELEGATE:
            return ""
        if self.caller.subject in self.person.legal_representative_ids:
            return LEGAL_REPRESENTATION
        if self.caller.subject in self.person.caregiver_ids:
            return CAREGIVING
        return ""

    @property
    def display_name(self) -> str:
        if self.caller.actor_type == DELEGATE:
            return self.person.delegate_display_names.get(self.caller.subject, "")
        return self.person.display_name


def resolve_me(caller: Caller, patient_id: str) -> str:
    if patient_id in ("", "me"):
        return caller.on_behalf_of if caller.actor_type == DELEGATE else caller.subject
    return patient_id


def who(contexts, caller: Caller, patient_id: str) -> Who:
    """`contexts.get(patient_id) -> Person`; refusals are PERMISSION_DENIED with a reason."""
    caller.require(PATIENT, DELEGATE)
    patient_id = resolve_me(caller, patient_id)
    own = caller.actor_type == PATIENT and caller.subject == patient_id
    acting = caller.actor_type == DELEGATE and caller.on_behalf_of == patient_id
    if not (own or acting):
        raise PermissionDenied("Vous ne pouvez pas consulter l'agenda de ce profil", reason="NOT_YOUR_PROFILE")
    try:
        person = contexts.get(patient_id)
    except NotFound:
        raise PermissionDenied("Vous ne pouvez pas consulter l'agenda de ce profil", reason="NOT_YOUR_PROFILE") from None
    w = Who(caller, person)
    if acting and (not w.delegation or HEALTH_DATA_SCOPE not in caller.scopes):
        raise PermissionDenied("Votre accès à ce profil ne permet pas de consulter son agenda",
                               reason="DELEGATION_SCOPE")
    if person.space_closed:
        raise FailedPrecondition("Ce profil est clôturé", reason="PROFILE_CLOSED")
    if person.birth_date is None:
        raise FailedPrecondition("Date de naissance inconnue : le calendrier de prévention ne peut être calculé",
                                 reason="BIRTH_DATE_UNKNOWN")
    return w
