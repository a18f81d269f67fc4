"""Who is calling, as the access decision sees them: the token's caller plus identity's access context.

The first step of every use-case: `who(deps, caller, patient_id)` asks identity once and gives the
`Who` that the decision, the audit record and the answer then use.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Mapping

from meskit.auth import APP, DELEGATE, PATIENT, PROFESSIONAL, Caller
from meskit.errors import NotFound

from documents.domain import apps
from documents.domain.access import Actor, ActorType, DelegationType, Matrix, PatientSettings

if TYPE_CHECKING:
    from documents.domain.ports import Dependencies


@dataclass(frozen=True, kw_only=True)
class ProfessionalRecord:
    professional_id: str
    rpps: str = ""
    profession_code: str = ""
    display_name: str = ""
    samu_regulator: bool = False
    occupational_medicine: bool = False
    insurer_doctor: bool = False
    mssante_address: str = ""     # where their professional mail goes (the announcement reminder, DOMAIN §10.3)
    email: str = ""

    @property
    def notification_address(self) -> str:
        """Their MSSanté address, else their email."""
        return self.mssante_address or self.email


@dataclass(frozen=True, kw_only=True)
class AccessContext:
    """identity's GetAccessContext, in the decision's terms."""
    settings: PatientSettings
    professional: ProfessionalRecord | None = None
    legal_representative_ids: frozenset[str] = frozenset()
    caregiver_ids: frozenset[str] = frozenset()
    general_practitioner_ids: frozenset[str] = frozenset()   # care-team members with role MEDECIN_TRAITANT
    general_practitioner_emails: frozenset[str] = frozenset()   # their MSSanté address, else email (DOMAIN §3.2)
    patient_identity: PatientIdentity | None = None   # checked against what a break-glass request types
    delegate_display_names: Mapping[str, str] = field(default_factory=dict)   # legal representatives' and caregivers'
    space_closed: bool = False                        # the space is closed (archived): nobody reads or changes it
    space_absent: bool = False                        # no space: pending (opt-out feed), opposed or deleted
    app: apps.AppGrant | None = None                  # a connected app's caller: what it may exchange


@dataclass(frozen=True, kw_only=True)
class PatientIdentity:
    """The patient as the insurer records her (never shown to the caller)."""
    family_name: str
    given_name: str
    birth_date: str                                  # ISO 8601 YYYY-MM-DD


def delegation_of(subject: str, context: AccessContext) -> DelegationType | None:
    if subject in context.legal_representative_ids:
        return DelegationType.LEGAL_REPRESENTATION
    if subject in context.caregiver_ids:
        return DelegationType.CAREGIVING
    return None


def actor_for(caller: Caller, context: AccessContext) -> Actor:
    kind = ActorType(caller.actor_type)
    if kind == ActorType.PROFESSIONAL:
        record = context.professional
        if record is None or record.professional_id != caller.subject:
            # identity does not know this professional: the token's claims only, no flags
            return Actor(type=kind, id=caller.subject, profession_code=caller.profession_code, rpps=caller.rpps)
        return Actor(type=kind, id=caller.subject, profession_code=record.profession_code or caller.profession_code,
                     rpps=record.rpps or caller.rpps, samu_regulator=record.samu_regulator,
                     occupational_medicine=record.occupational_medicine, insurer_doctor=record.insurer_doctor)
    if kind == ActorType.DELEGATE:
        delegation = delegation_of(caller.subject, context) if caller.on_behalf_of == context.settings.patient_id else None
        return Actor(type=kind, id=caller.subject, on_behalf_of=caller.on_behalf_of, delegation_type=delegation)
    return Actor(type=kind, id=caller.subject)


def display_name(caller: Caller, context: AccessContext) -> str:
    if caller.actor_type == PROFESSIONAL and context.professional is not None:
        return context.professional.display_name
    if caller.actor_type == DELEGATE:
        return context.delegate_display_names.get(caller.subject, "")
    if caller.actor_type == APP and context.app is not None:
        return context.app.app_name
    return ""


@dataclass(frozen=True)
class Who:
    """The caller of one request, resolved against the patient's access context."""
    caller: Caller
    context: AccessContext
    actor: Actor
    matrix: Matrix                # what the read decisions of this request go by

    @property
    def patient_id(self) -> str:
        return self.context.settings.patient_id

    @property
    def display_name(self) -> str:
        return display_name(self.caller, self.context)


def _outside_the_space(caller: Caller, patient_id: str) -> bool:
    """A patient or delegate whose token is for another space: refused there whatever it holds."""
    return ((caller.actor_type == PATIENT and caller.subject != patient_id)
            or (caller.actor_type == DELEGATE and caller.on_behalf_of != patient_id))


def who(deps: Dependencies, caller: Caller, patient_id: str) -> Who:
    """An app is refused outside its holder's space before anything is asked; identity then checks
    its token and connection (UNAUTHENTICATED, PERMISSION_DENIED CONSENT_NOT_GIVEN)."""
    if caller.actor_type == APP:
        apps.require_holder(caller, patient_id)
        context = deps.contexts.get(patient_id, app=caller)
        return Who(caller, context, actor_for(caller, context), deps.matrix)
    professional_id = caller.subject if caller.actor_type == PROFESSIONAL else ""
    try:
        context = deps.contexts.get(patient_id, professional_id)
    except NotFound:
        if not _outside_the_space(caller, patient_id):
            raise
        # a space that does not exist answers as another's does: whether it exists is not told (issue 10, point 8)
        context = AccessContext(settings=PatientSettings(patient_id=patient_id))
    return Who(caller, context, actor_for(caller, context), deps.matrix)
