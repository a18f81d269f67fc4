"""decide(): may this actor read this document of this patient, now, in this mode? Deny unless a rule allows.

Pure: every input is explicit, the matrix is a lookup table passed in, `now` is given. The returned rule
name is stable and goes into the audit record; RULES below lists them all, and each reason names
the DOMAIN.md section it comes from. README.md beside this file explains the choices made where
DOMAIN.md is silent or ambiguous.
"""
from __future__ import annotations

import calendar
from datetime import datetime

from documents.domain.access.matrix import Matrix
from documents.domain.access.model import (
    Actor, ActorType, AuthorType, Decision, DelegationType, DocumentAttrs, Mode, PatientSettings)

# ---- rule names (stable: stored in audit records) -------------------------------------------
# allowing rules
PATIENT_OWNER = "patient_owner"
LEGAL_REPRESENTATIVE = "legal_representative"
CAREGIVER = "caregiver"
AUTHOR = "author"
MATRIX_ALLOWED = "matrix_allowed"
ADMINISTRATOR_SEES_MASKED = "administrator_sees_masked"
SAMU_REGULATOR = "samu_regulator"
BREAK_GLASS = "break_glass"
MASKED_IN_EMERGENCY = "masked_in_emergency"
# denying rules
INCONSISTENT_INPUTS = "inconsistent_inputs"
DOCUMENT_DELETED = "document_deleted"
ACTOR_WITHOUT_DOCUMENT_ACCESS = "actor_without_document_access"
EMERGENCY_MODE_PROFESSIONALS_ONLY = "emergency_mode_professionals_only"
NOT_THE_PATIENT = "not_the_patient"
EMBARGO_UNTIL_ANNOUNCEMENT = "embargo_until_announcement"
NOT_THE_PATIENTS_DELEGATE = "not_the_patients_delegate"
UNKNOWN_DELEGATION_TYPE = "unknown_delegation_type"
LEGAL_REPRESENTATION_OF_ADULT = "legal_representation_of_adult"
HIDDEN_FROM_LEGAL_REPRESENTATIVES = "hidden_from_legal_representatives"
OCCUPATIONAL_MEDICINE_NEVER = "occupational_medicine_never"
INSURER_NEVER = "insurer_never"
BLOCKED_PROFESSIONAL = "blocked_professional"
MASKED_DOCUMENT = "masked_document"
NOT_A_SAMU_REGULATOR = "not_a_samu_regulator"
SAMU_OPPOSED = "samu_opposed"
BREAK_GLASS_WITHOUT_JUSTIFICATION = "break_glass_without_justification"
BREAK_GLASS_OPPOSED = "break_glass_opposed"
MASKED_IN_EMERGENCY_OPPOSED = "masked_in_emergency_opposed"
MATRIX_UNKNOWN_TYPE = "matrix_unknown_type"
MATRIX_UNKNOWN_PROFESSION = "matrix_unknown_profession"
MATRIX_CLASS_MISMATCH = "matrix_class_mismatch"
MATRIX_DENIED = "matrix_denied"
NOT_IN_CARE_TEAM = "not_in_care_team"

ALLOWING_RULES = frozenset({PATIENT_OWNER, LEGAL_REPRESENTATIVE, CAREGIVER, AUTHOR, MATRIX_ALLOWED,
                            ADMINISTRATOR_SEES_MASKED, SAMU_REGULATOR, BREAK_GLASS, MASKED_IN_EMERGENCY})
DENYING_RULES = frozenset({
    INCONSISTENT_INPUTS, DOCUMENT_DELETED, ACTOR_WITHOUT_DOCUMENT_ACCESS, EMERGENCY_MODE_PROFESSIONALS_ONLY,
    NOT_THE_PATIENT, EMBARGO_UNTIL_ANNOUNCEMENT, NOT_THE_PATIENTS_DELEGATE, UNKNOWN_DELEGATION_TYPE,
    LEGAL_REPRESENTATION_OF_ADULT, HIDDEN_FROM_LEGAL_REPRESENTATIVES, OCCUPATIONAL_MEDICINE_NEVER,
    INSURER_NEVER, BLOCKED_PROFESSIONAL, MASKED_DOCUMENT, NOT_A_SAMU_REGULATOR, SAMU_OPPOSED,
    BREAK_GLASS_WITHOUT_JUSTIFICATION, BREAK_GLASS_OPPOSED, MASKED_IN_EMERGENCY_OPPOSED,
    MATRIX_UNKNOWN_TYPE, MATRIX_UNKNOWN_PROFESSION, MATRIX_CLASS_MISMATCH, MATRIX_DENIED, NOT_IN_CARE_TEAM})
RULES = ALLOWING_RULES | DENYING_RULES


def _allow(rule: str, reason: str) -> Decision:
    return Decision(True, rule, reason)


def _deny(rule: str, reason: str) -> Decision:
    return Decision(False, rule, reason)


def decide(actor: Actor, settings: PatientSettings, document: DocumentAttrs, *,
           mode: Mode | str = Mode.NORMAL, justification: str = "", now: datetime, matrix: Matrix) -> Decision:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    mode = Mode(mode)
    if settings.patient_id != document.patient_id:
        return _deny(INCONSISTENT_INPUTS, "the settings given are not those of the document's patient")
    if document.deleted:
        return _deny(DOCUMENT_DELETED, "the document was deleted")
    if actor.type == ActorType.PROFESSIONAL:
        return _professional(actor, settings, document, mode, justification, matrix)
    if mode != Mode.NORMAL:
        return _deny(EMERGENCY_MODE_PROFESSIONALS_ONLY,
                     f"the {mode.value} access mode is for health professionals only (DOMAIN §3.2)")
    if actor.type == ActorType.PATIENT:
        return _patient(actor, document, now)
    if actor.type == ActorType.DELEGATE:
        return _delegate(actor, settings, document, now)
    return _deny(ACTOR_WITHOUT_DOCUMENT_ACCESS,
                 f"a {str(actor.type)!r} actor never reads document content (DOMAIN §1.1, §3.6)")


# ---- the patient and their delegates ---------------------------------------------------------

def _patient(actor: Actor, document: DocumentAttrs, now: datetime) -> Decision:
    if actor.id != document.patient_id:
        return _deny(NOT_THE_PATIENT, "a patient reads only their own documents")
    embargo = _embargo(document, now)
    if embargo:
        return embargo
    return _allow(PATIENT_OWNER, "the patient sees every document of their space, masked ones included (DOMAIN §2.4)")


def _delegate(actor: Actor, settings: PatientSettings, document: DocumentAttrs, now: datetime) -> Decision:
    if not actor.on_behalf_of or actor.on_behalf_of != document.patient_id:
        return _deny(NOT_THE_PATIENTS_DELEGATE, "the delegate does not act for this patient")
    if actor.delegation_type not in (DelegationType.LEGAL_REPRESENTATION, DelegationType.CAREGIVING):
        return _deny(UNKNOWN_DELEGATION_TYPE, "the delegation type is missing or unknown")
    legal = actor.delegation_type == DelegationType.LEGAL_REPRESENTATION
    if legal and not settings.patient_is_minor:
        return _deny(LEGAL_REPRESENTATION_OF_ADULT,
                     "legal representation of a minor gives no access once the patient is an adult (DOMAIN §3.3)")
    if document.invisible_to_legal_representatives:
        return _deny(HIDDEN_FROM_LEGAL_REPRESENTATIVES,
                     "the document is hidden from the minor's legal representatives and delegates (DOMAIN §2.4)")
    embargo = _embargo(document, now)
    if embargo:
        return embargo
    if legal:
        return _allow(LEGAL_REPRESENTATIVE, "a minor's legal representative sees what the patient sees (DOMAIN §3.3)")
    return _allow(CAREGIVER, "a caregiver sees what the patient sees (DOMAIN §3.4)")


def add_one_month(moment: datetime) -> datetime:
    """The same day one calendar month later, clamped to the month's last day (31 Jan -> 28/29 Feb)."""
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def embargo_lifted_at(document: DocumentAttrs) -> datetime | None:
    """When a document hidden from the patient (INVISIBLE_PATIENT) becomes visible to them.

    The author hides it until the announcement visit (`invisible_to_patient_until`); it becomes
    visible automatically one month after deposit at the latest.
    """
    if document.invisible_to_patient_until is None:
        return None
    return min(document.invisible_to_patient_until, add_one_month(document.deposited_at))


def _embargo(document: DocumentAttrs, now: datetime) -> Decision | None:
    lifted_at = embargo_lifted_at(document)
    if lifted_at is not None and now < lifted_at:
        return _deny(EMBARGO_UNTIL_ANNOUNCEMENT,
                     "hidden from the patient until the announcement visit, at most one month after deposit (DOMAIN §2.4)")
    return None


# ---- professionals -----------------------------------------------------------------------------

def _professional(actor: Actor, settings: PatientSettings, document: DocumentAttrs, mode: Mode,
                  justification: str, matrix: Matrix) -> Decision:
    if actor.occupational_medicine:
        return _deny(OCCUPATIONAL_MEDICINE_NEVER, "occupational medicine never reads the DMP, even in an emergency (DOMAIN §3.6)")
    if actor.insurer_doctor:
        return _deny(INSURER_NEVER, "insurers' doctors never read the DMP, even in an emergency (DOMAIN §3.6)")
    if document.author_type == AuthorType.PROFESSIONAL and document.author_id == actor.id:
        return _allow(AUTHOR, "the professional who filed the document reads it, masked or blocked (DOMAIN §2.4, §3.1)")
    if actor.id in settings.blocked_professional_ids:
        return _deny(BLOCKED_PROFESSIONAL, "the patient blocked this professional (DOMAIN §3.1)")
    administrator = actor.id in settings.administrator_ids
    masked = document.masked_from_professionals
    if mode == Mode.NORMAL:
        if actor.id not in settings.care_team_ids:
            return _deny(NOT_IN_CARE_TEAM, "normal-mode reads need the professional in the patient's care team (DOMAIN §10.2)")
        if masked and not administrator:
            return _deny(MASKED_DOCUMENT, "the patient masked this document from professionals (DOMAIN §2.4)")
        if masked:
            return _within_matrix(matrix, actor, document, ADMINISTRATOR_SEES_MASKED,
                                  "an administrator professional sees masked documents, within the matrix (DOMAIN §3.1)")
        return _within_matrix(matrix, actor, document, MATRIX_ALLOWED,
                              "the patient did not block this professional and the matrix allows the type (DOMAIN §3.1)")
    if mode == Mode.CENTRE_15:
        if not actor.samu_regulator:
            return _deny(NOT_A_SAMU_REGULATOR, "the centre_15 mode is for SAMU regulating doctors (DOMAIN §3.2)")
        if not settings.samu_access:
            return _deny(SAMU_OPPOSED, "the patient opposed access by the SAMU - Centre 15 (DOMAIN §3.2)")
        rule, reason = SAMU_REGULATOR, "SAMU regulating doctor, no justification needed (DOMAIN §3.2)"
    else:
        if not justification.strip():
            return _deny(BREAK_GLASS_WITHOUT_JUSTIFICATION, "break-glass access needs a written justification (DOMAIN §3.2)")
        if not settings.break_glass:
            return _deny(BREAK_GLASS_OPPOSED, "the patient opposed break-glass access (DOMAIN §3.2)")
        rule, reason = BREAK_GLASS, "break-glass access with a written justification (DOMAIN §3.2)"
    if masked:
        if administrator:
            reason += "; masked, seen as the patient's administrator professional"
        elif settings.effective_masked_in_emergency:
            rule, reason = MASKED_IN_EMERGENCY, f"masked document opened in an emergency ({mode.value}) with the patient's MASKED consent (DOMAIN §3.2)"
        else:
            return _deny(MASKED_IN_EMERGENCY_OPPOSED,
                         "masked documents are not opened in an emergency without the patient's MASKED consent (DOMAIN §3.2)")
    return _within_matrix(matrix, actor, document, rule, reason)


def _within_matrix(matrix: Matrix, actor: Actor, document: DocumentAttrs, rule: str, reason: str) -> Decision:
    """Every professional path, emergencies included, stays within the matrix (DOMAIN §1.1)."""
    found = matrix.lookup(actor.profession_code, document.type_code)
    row = found.row
    if row is None:
        return _deny(MATRIX_UNKNOWN_TYPE,
                     f"no matrix row for type {document.type_code!r}: denied to every professional until the matrix has one (DOMAIN §1.4)")
    if not found.known_profession:
        return _deny(MATRIX_UNKNOWN_PROFESSION,
                     f"profession code {actor.profession_code!r} has no column in the matrix (DOMAIN §1.2)")
    if row.class_code != document.class_code:
        return _deny(MATRIX_CLASS_MISMATCH,
                     f"the document's class {document.class_code!r} is not its type's class {row.class_code!r}")
    if not found.allowed:
        return _deny(MATRIX_DENIED, f"the matrix does not let {'/'.join(found.groups)} read type {document.type_code!r}")
    if row.provisional:
        reason += " [provisional matrix row]"
    return _allow(rule, reason)
