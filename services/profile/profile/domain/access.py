"""Whose profile it is and who asks, checked at every request: the token's caller plus identity's
access context. Deny unless a rule allows:
- the holder herself: everything;
- her delegate (legal representative or caregiver) whose delegation identity reports in force and whose
  token carries the `health_data` scope: everything but writing her advance directives;
- a professional of her care team (not blocked, not occupational medicine nor an insurer's doctor):
  reads vaccinations and "Entourage et volontés", adds and confirms vaccinations.
Only CREATED and ACTIVE spaces exist: PENDING/OPPOSED/DELETED are NO_SPACE, CLOSED/SUSPENDED PROFILE_CLOSED.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from meskit.auth import DELEGATE, PATIENT, PROFESSIONAL, Caller
from meskit.errors import FailedPrecondition, NotFound, PermissionDenied

from profile.domain import models as m

if TYPE_CHECKING:
    from profile.domain.ports import Dependencies

ME = "me"
HEALTH_DATA_SCOPE = "health_data"
CAREGIVING, LEGAL_REPRESENTATION = "CAREGIVING", "LEGAL_REPRESENTATION"
NO_SPACE_STATUSES = ("PENDING", "OPPOSED", "DELETED")
CLOSED_STATUSES = ("CLOSED", "SUSPENDED")


@dataclass(frozen=True, kw_only=True)
class AccessContext:
    """identity's GetAccessContext, what the profile needs of it."""
    patient_id: str
    patient_display_name: str = ""
    birth_date: date | None = None
    is_minor: bool = False
    legal_representative_ids: frozenset[str] = frozenset()
    caregiver_ids: frozenset[str] = frozenset()
    delegate_display_names: Mapping[str, str] = field(default_factory=dict)
    care_team_ids: frozenset[str] = frozenset()
    blocked_professional_ids: frozenset[str] = frozenset()
    mask_new_documents_by_default: bool = False
    professional_display_name: str = ""
    professional_excluded: bool = False        # occupational medicine, an insurer's doctor
    space_closed: bool = False
    status: str = ""                           # AccountStatus name without its prefix; "" when not said


@dataclass(frozen=True)
class Who:
    caller: Caller
    context: AccessContext

    @property
    def patient_id(self) -> str:
        return self.context.patient_id

    @property
    def is_holder(self) -> bool:
        return self.caller.actor_type == PATIENT

    @property
    def is_delegate(self) -> bool:
        return self.caller.actor_type == DELEGATE

    @property
    def is_professional(self) -> bool:
        return self.caller.actor_type == PROFESSIONAL

    @property
    def author_type(self) -> str:
        return {PATIENT: m.PATIENT, DELEGATE: m.DELEGATE, PROFESSIONAL: m.PROFESSIONAL}[self.caller.actor_type]

    @property
    def delegation(self) -> str:
        if not self.is_delegate:
            return ""
        if self.caller.subject in self.context.legal_representative_ids:
            return LEGAL_REPRESENTATION
        if self.caller.subject in self.context.caregiver_ids:
            return CAREGIVING
        return ""

    @property
    def rule(self) -> str:
        if self.is_professional:
            return "care_team_member"
        return "delegation_in_force" if self.is_delegate else "holder"

    @property
    def display_name(self) -> str:
        if self.is_delegate:
            return self.context.delegate_display_names.get(self.caller.subject, "")
        if self.is_professional:
            return self.context.professional_display_name
        return self.context.patient_display_name

    def may_read(self, section: str) -> bool:
        return not self.is_professional or section in m.PROFESSIONAL_SECTIONS

    def require_section(self, section: str, *, write: bool) -> None:
        """A professional reads vaccinations and the entourage, and writes vaccinations only."""
        if self.is_professional and (section not in m.PROFESSIONAL_SECTIONS
                                     or (write and section != m.VACCINATIONS)):
            raise PermissionDenied("Un professionnel de santé ne modifie que les vaccinations et ne lit que les "
                                   "vaccinations et l'entourage", reason="PROFESSIONAL_SECTION")

    def require_holder_side(self) -> None:
        """What only the holder and her delegates do (measurements, declarations, the synthesis…)."""
        if self.is_professional:
            raise PermissionDenied("Réservé au titulaire du profil et à ses représentants", reason="HOLDER_ONLY")


def profile_of(caller: Caller, patient_id: str) -> str:
    """The profile asked for: "me" or empty = the caller's own space (the profile a delegate acts for)."""
    if patient_id in ("", ME):
        return caller.on_behalf_of if caller.actor_type == DELEGATE else caller.subject
    return patient_id


def require_space(context: AccessContext) -> None:
    """Only CREATED and ACTIVE spaces are read or written."""
    if context.status in NO_SPACE_STATUSES:
        raise FailedPrecondition("Ce patient n'a pas de profil Mon espace santé", reason="NO_SPACE")
    if context.space_closed or context.status in CLOSED_STATUSES:
        raise FailedPrecondition("Ce profil est clôturé", reason="PROFILE_CLOSED")


def who(deps: Dependencies, caller: Caller, patient_id: str) -> Who:
    caller.require(PATIENT, DELEGATE, PROFESSIONAL)
    if caller.actor_type == PROFESSIONAL and patient_id in ("", ME):
        raise PermissionDenied("Un professionnel nomme le patient", reason="PROFILE_ACCESS")
    patient_id = profile_of(caller, patient_id)
    if (caller.actor_type == PATIENT and caller.subject != patient_id) or (
            caller.actor_type == DELEGATE and caller.on_behalf_of != patient_id):
        raise PermissionDenied("Vous n'avez pas accès au profil médical de ce patient", reason="PROFILE_ACCESS")
    try:
        context = deps.contexts.get(patient_id, caller.subject if caller.actor_type == PROFESSIONAL else "")
    except NotFound:
        raise NotFound("Profil introuvable", reason="PROFILE_NOT_FOUND") from None
    w = Who(caller, context)
    if w.is_delegate and not w.delegation:
        raise PermissionDenied("Votre accès à ce profil n'est plus en vigueur", reason="DELEGATION_NOT_IN_FORCE")
    if w.is_delegate and HEALTH_DATA_SCOPE not in caller.scopes:
        raise PermissionDenied("Votre accès à ce profil ne permet pas les données de santé", reason="DELEGATION_SCOPE")
    require_space(context)
    if w.is_professional:
        if context.professional_excluded:
            raise PermissionDenied("Ce professionnel n'accède pas au profil médical", reason="PROFESSIONAL_EXCLUDED")
        if caller.subject in context.blocked_professional_ids:
            raise PermissionDenied("Le patient vous a bloqué", reason="PROFESSIONAL_BLOCKED")
        if caller.subject not in context.care_team_ids:
            raise PermissionDenied("Réservé aux professionnels de l'équipe de soins du patient",
                                   reason="NOT_IN_CARE_TEAM")
    return w
