"""Whose agenda it is and who asks, checked at every request: the token's caller plus identity's
access context.

The patient herself, or a delegate (legal representative or caregiver) whose delegation identity
reports in force for that profile and whose token (SwitchProfile's) carries the `health_data` scope.
Anyone else (a professional, another patient, a delegate of another profile) is refused: deny unless
a rule allows.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from meskit import space
from meskit.auth import DELEGATE, PATIENT, Caller
from meskit.errors import FailedPrecondition, NotFound, PermissionDenied

if TYPE_CHECKING:
    from agenda.domain.ports import Dependencies

ME = "me"
AGENDA_SCOPE = "health_data"     # the delegation's reach over the profile's health data (identity's SCOPES)
CAREGIVING, LEGAL_REPRESENTATION = "CAREGIVING", "LEGAL_REPRESENTATION"


@dataclass(frozen=True, kw_only=True)
class AccessContext:
    """identity's GetAccessContext, what agenda needs of it."""
    patient_id: str
    patient_display_name: str = ""
    birth_date: date | None = None
    sex: str = ""                       # "F", "M" or "" (unknown)
    legal_representative_ids: frozenset[str] = frozenset()
    caregiver_ids: frozenset[str] = frozenset()
    delegate_display_names: Mapping[str, str] = field(default_factory=dict)
    space_closed: bool = False
    space_missing: bool = False        # pending, opposed or deleted: no space (NO_SPACE)


@dataclass(frozen=True)
class Who:
    caller: Caller
    context: AccessContext

    @property
    def patient_id(self) -> str:
        return self.context.patient_id

    @property
    def is_delegate(self) -> bool:
        return self.caller.actor_type == DELEGATE

    @property
    def delegation(self) -> str:
        """LEGAL_REPRESENTATION or CAREGIVING for a delegate; "" for the patient herself."""
        if not self.is_delegate:
            return ""
        if self.caller.subject in self.context.legal_representative_ids:
            return LEGAL_REPRESENTATION
        if self.caller.subject in self.context.caregiver_ids:
            return CAREGIVING
        return ""

    @property
    def birth_date(self) -> date:
        """Known: prevention's callers went through require_birth_date()."""
        return require_birth_date(self)

    @property
    def display_name(self) -> str:
        if self.is_delegate:
            return self.context.delegate_display_names.get(self.caller.subject, "")
        return self.context.patient_display_name


def profile_of(caller: Caller, patient_id: str) -> str:
    """The profile asked for: "me" or empty = the caller's own space (the profile a delegate acts for)."""
    if patient_id in ("", ME):
        return caller.on_behalf_of if caller.actor_type == DELEGATE else caller.subject
    return patient_id


def who(deps: Dependencies, caller: Caller, patient_id: str) -> Who:
    caller.require(PATIENT, DELEGATE)
    patient_id = profile_of(caller, patient_id)
    if (caller.actor_type == PATIENT and caller.subject != patient_id) or (
            caller.actor_type == DELEGATE and caller.on_behalf_of != patient_id):
        raise PermissionDenied("Vous n'avez pas accès à l'agenda de ce profil", reason="PROFILE_ACCESS")
    try:
        context = deps.contexts.get(patient_id)
    except NotFound:
        raise NotFound("Profil introuvable", reason="PROFILE_NOT_FOUND") from None
    if context.space_missing:
        raise space.no_space()
    w = Who(caller, context)
    if w.is_delegate and not w.delegation:
        raise PermissionDenied("Votre accès à ce profil n'est plus en vigueur", reason="DELEGATION_NOT_IN_FORCE")
    if w.is_delegate and AGENDA_SCOPE not in caller.scopes:
        raise PermissionDenied("Votre accès à ce profil ne permet pas l'agenda", reason="DELEGATION_SCOPE")
    if context.space_closed:
        raise FailedPrecondition("Ce profil est clôturé", reason="PROFILE_CLOSED")
    return w


def require_birth_date(w: Who) -> date:
    """The prevention calendar is computed from the birth date."""
    if w.context.birth_date is None:
        raise FailedPrecondition("Date de naissance inconnue : le calendrier de prévention ne peut être calculé",
                                 reason="BIRTH_DATE_UNKNOWN")
    return w.context.birth_date
