"""Who is calling, in messaging's terms: the token's caller plus identity's access context.

Two sides: the patient's (the patient, or a delegate acting for her with the "messages" scope, who
shares her reading marker and unread counts) and a professional's (one participant among others).
A caller outside both sides, or a patient's token for another space, gets NOT_FOUND wherever a
conversation is named: whether one exists is never told.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from meskit import space
from meskit.auth import DELEGATE, PATIENT, PROFESSIONAL, Caller
from meskit.errors import FailedPrecondition, NotFound, PermissionDenied

if TYPE_CHECKING:
    from messaging.domain.ports import Dependencies

MESSAGES_SCOPE = "messages"
CAREGIVING, LEGAL_REPRESENTATION = "CAREGIVING", "LEGAL_REPRESENTATION"


@dataclass(frozen=True, kw_only=True)
class ProfessionalRecord:
    professional_id: str
    rpps: str = ""
    profession_code: str = ""
    display_name: str = ""
    specialty: str = ""
    mssante_address: str = ""     # empty: outside MSSanté, cannot write


@dataclass(frozen=True, kw_only=True)
class AccessContext:
    """identity's GetAccessContext, what messaging needs of it."""
    patient_id: str
    patient_display_name: str = ""
    blocked_professional_ids: frozenset[str] = frozenset()
    legal_representative_ids: frozenset[str] = frozenset()
    caregiver_ids: frozenset[str] = frozenset()
    delegate_display_names: Mapping[str, str] = field(default_factory=dict)
    professional: ProfessionalRecord | None = None
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
    def patient_side(self) -> bool:
        return self.caller.actor_type in (PATIENT, DELEGATE)

    @property
    def reader_id(self) -> str:
        """Whose marker and unread counts: the patient's for her side, else the professional's own."""
        return self.patient_id if self.patient_side else self.caller.subject

    @property
    def participant_id(self) -> str:
        """Who writes, as the conversation knows them: the patient for her side."""
        return self.reader_id

    @property
    def delegation(self) -> str:
        if self.caller.actor_type != DELEGATE:
            return ""
        if self.caller.subject in self.context.caregiver_ids:
            return CAREGIVING
        if self.caller.subject in self.context.legal_representative_ids:
            return LEGAL_REPRESENTATION
        return ""

    @property
    def kept_from_secret(self) -> bool:
        """A legal representative never learns of what is hidden from her (DOMAIN §10.4)."""
        return self.delegation == LEGAL_REPRESENTATION

    @property
    def display_name(self) -> str:
        if self.caller.actor_type == PROFESSIONAL and self.context.professional is not None:
            return self.context.professional.display_name
        if self.caller.actor_type == DELEGATE:
            return self.context.delegate_display_names.get(self.caller.subject, "")
        if self.caller.actor_type == PATIENT:
            return self.context.patient_display_name
        return ""


def _outside(caller: Caller, patient_id: str) -> bool:
    return ((caller.actor_type == PATIENT and caller.subject != patient_id)
            or (caller.actor_type == DELEGATE and caller.on_behalf_of != patient_id))


def who(deps: Dependencies, caller: Caller, patient_id: str, *, missing: str = "Conversation introuvable") -> Who:
    """The caller resolved for the patient's space; `missing` is the NOT_FOUND a stranger gets."""
    caller.require(PATIENT, DELEGATE, PROFESSIONAL)
    if _outside(caller, patient_id):
        raise NotFound(missing)
    professional_id = caller.subject if caller.actor_type == PROFESSIONAL else ""
    try:
        context = deps.contexts.get(patient_id, professional_id)
    except NotFound:
        raise NotFound(missing) from None
    if context.space_missing:
        raise space.no_space()
    w = Who(caller, context)
    if caller.actor_type == DELEGATE and (not w.delegation or MESSAGES_SCOPE not in caller.scopes):
        raise PermissionDenied("Votre accès à ce profil ne permet pas la messagerie", reason="DELEGATION_SCOPE")
    if context.space_closed:
        raise FailedPrecondition("Ce profil est clôturé", reason="PROFILE_CLOSED")
    return w


def may_write(w: Who) -> None:
    """A professional writes only from MSSanté, and never when the patient blocked them."""
    if w.patient_side:
        return
    record = w.context.professional
    if record is None or not record.mssante_address:
        raise PermissionDenied("Seuls les professionnels équipés d'une messagerie MSSanté peuvent écrire aux patients",
                               reason="NOT_IN_MSSANTE")
    if w.caller.subject in w.context.blocked_professional_ids:
        raise PermissionDenied("Ce patient a bloqué votre accès à son profil", reason="PROFESSIONAL_BLOCKED")


def signature(w: Who) -> str:
    """The line under a delegate's message ("rédigé par X, l'aidant de Y")."""
    kind = w.delegation
    if not kind:
        return ""
    writer = w.display_name or "un proche"
    patient = w.context.patient_display_name or "la personne aidée"
    link = "l'aidant de" if kind == CAREGIVING else "représentant légal de"
    return f"rédigé par {writer}, {link} {patient}"
