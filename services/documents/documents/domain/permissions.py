"""Who may deposit, list and change what (reading one document is `access.decide`).

DOMAIN.md §2.3-§2.4, §3.1: the patient (or a delegate acting for them: a minor's legal
representative, a caregiver) edits and deletes only what the patient's side filed; documents filed
by professionals, the insurer or MES are read-only for them except for masking. The professional who
filed a document deletes it (a tombstone remains), masks it at the patient's request and hides it
from the patient until the announcement visit. Rule names are stable: they go into audit records.
"""
from __future__ import annotations

from datetime import datetime

from meskit.errors import PermissionDenied

from documents.domain.access import Actor, ActorType, Decision, DelegationType, Mode, PatientSettings, decide
from documents.domain.access.decide import (
    ACTOR_WITHOUT_DOCUMENT_ACCESS, BREAK_GLASS, BREAK_GLASS_OPPOSED, BREAK_GLASS_WITHOUT_JUSTIFICATION, CAREGIVER,
    EMERGENCY_MODE_PROFESSIONALS_ONLY, INSURER_NEVER, LEGAL_REPRESENTATION_OF_ADULT, LEGAL_REPRESENTATIVE,
    MATRIX_ALLOWED, NOT_A_SAMU_REGULATOR, NOT_THE_PATIENT, NOT_THE_PATIENTS_DELEGATE, OCCUPATIONAL_MEDICINE_NEVER,
    PATIENT_OWNER, SAMU_OPPOSED, SAMU_REGULATOR, UNKNOWN_DELEGATION_TYPE)
from documents.domain.actors import Who
from documents.domain.models import Document

# ---- rule names of changes (allowing, then denying) ----
PATIENT_OWN_DEPOSIT = "patient_own_deposit"
HOLDER_ORGANISES = "holder_organises"
HOLDER_SETS_VISIBILITY = "holder_sets_visibility"
AUTHOR_CHANGES = "author"
PROFESSIONAL_DEPOSIT = "professional_deposit"
SERVICE_DEPOSIT = "service_deposit"
APP_DEPOSIT = "app_deposit"
OPERATOR_ERASURE = "operator_erasure"
READ_ONLY_FOR_PATIENT = "read_only_for_patient"
NOT_THE_AUTHOR = "not_the_author"
NOT_VISIBLE = "not_visible_to_actor"
ONLY_THE_PATIENT_UNMASKS = "only_the_patient_unmasks"
ONLY_THE_AUTHOR_HIDES_FROM_PATIENT = "only_the_author_hides_from_patient"
DELEGATES_CANNOT_HIDE_FROM_DELEGATES = "delegates_cannot_hide_from_legal_representatives"
ACTOR_CANNOT_CHANGE = "actor_cannot_change_documents"
ALREADY_DELETED = "document_deleted"

# operations
UPDATE_METADATA, ORGANISE, DELETE = "update_metadata", "organise", "delete"
MASK, UNMASK, HIDE_FROM_PATIENT, HIDE_FROM_LEGAL_REPRESENTATIVES = (
    "mask", "unmask", "hide_from_patient", "hide_from_legal_representatives")


def _allow(rule: str, reason: str) -> Decision:
    return Decision(True, rule, reason)


def _deny(rule: str, reason: str) -> Decision:
    return Decision(False, rule, reason)


def holder_decision(actor: Actor, settings: PatientSettings) -> Decision:
    """May this actor act as the holder of the space (the patient, or a delegate for them)?"""
    if actor.type == ActorType.PATIENT:
        if actor.id != settings.patient_id:
            return _deny(NOT_THE_PATIENT, "a patient acts only on their own space")
        return _allow(PATIENT_OWNER, "the patient acts on their own space")
    if actor.type == ActorType.DELEGATE:
        if not actor.on_behalf_of or actor.on_behalf_of != settings.patient_id:
            return _deny(NOT_THE_PATIENTS_DELEGATE, "the delegate does not act for this patient")
        if actor.delegation_type not in (DelegationType.LEGAL_REPRESENTATION, DelegationType.CAREGIVING):
            return _deny(UNKNOWN_DELEGATION_TYPE, "no legal representation or caregiving for this patient")
        if actor.delegation_type == DelegationType.LEGAL_REPRESENTATION:
            if not settings.patient_is_minor:
                return _deny(LEGAL_REPRESENTATION_OF_ADULT, "legal representation ends at majority (DOMAIN §3.3)")
            return _allow(LEGAL_REPRESENTATIVE, "a minor's legal representative acts for them (DOMAIN §3.3)")
        return _allow(CAREGIVER, "a caregiver acts for the person they help (DOMAIN §3.4)")
    return _deny(ACTOR_CANNOT_CHANGE, f"a {actor.type.value} is not the holder of this space")


def deposit_decision(actor: Actor, settings: PatientSettings) -> Decision:
    if actor.type in (ActorType.PATIENT, ActorType.DELEGATE):
        return holder_decision(actor, settings)
    if actor.type == ActorType.PROFESSIONAL:
        if actor.occupational_medicine:
            return _deny(OCCUPATIONAL_MEDICINE_NEVER, "occupational medicine does not feed the DMP yet (DOMAIN §1.1)")
        if actor.insurer_doctor:
            return _deny(INSURER_NEVER, "insurers' doctors are not care professionals (DOMAIN §1.1)")
        return _allow(PROFESSIONAL_DEPOSIT, "a professional files documents, blocked or not (DOMAIN §3.1)")
    if actor.type == ActorType.SERVICE:
        return _allow(SERVICE_DEPOSIT, "a platform service files on behalf of a named author")
    if actor.type == ActorType.APP:
        return _allow(APP_DEPOSIT, "a connected app files in its holder's space, each type within her consents (DOMAIN §9)")
    return _deny(ACTOR_CANNOT_CHANGE, f"a {actor.type.value} does not file documents")


def list_decision(actor: Actor, settings: PatientSettings, *, mode: Mode, justification: str) -> Decision:
    """May this actor list the patient's documents at all? Each document is then decided by itself.

    Blocking is left to each document: a blocked professional still lists what they filed.
    """
    mode = Mode(mode)
    if actor.type == ActorType.PROFESSIONAL:
        if actor.occupational_medicine:
            return _deny(OCCUPATIONAL_MEDICINE_NEVER, "occupational medicine never reads the DMP (DOMAIN §3.6)")
        if actor.insurer_doctor:
            return _deny(INSURER_NEVER, "insurers' doctors never read the DMP (DOMAIN §3.6)")
        if mode == Mode.CENTRE_15:
            if not actor.samu_regulator:
                return _deny(NOT_A_SAMU_REGULATOR, "the centre_15 mode is for SAMU regulating doctors (DOMAIN §3.2)")
            if not settings.samu_access:
                return _deny(SAMU_OPPOSED, "the patient opposed access by the SAMU - Centre 15 (DOMAIN §3.2)")
            return _allow(SAMU_REGULATOR, "SAMU regulating doctor; each document within the matrix")
        if mode == Mode.BRIS_DE_GLACE:
            if not justification.strip():
                return _deny(BREAK_GLASS_WITHOUT_JUSTIFICATION, "break-glass access needs a written justification")
            if not settings.break_glass:
                return _deny(BREAK_GLASS_OPPOSED, "the patient opposed break-glass access (DOMAIN §3.2)")
            return _allow(BREAK_GLASS, "break-glass access with a justification; each document within the matrix")
        return _allow(MATRIX_ALLOWED, "each document is decided by the matrix and the patient's settings")
    if mode != Mode.NORMAL:
        return _deny(EMERGENCY_MODE_PROFESSIONALS_ONLY, f"the {mode.value} mode is for health professionals only")
    if actor.type in (ActorType.PATIENT, ActorType.DELEGATE):
        return holder_decision(actor, settings)
    return _deny(ACTOR_WITHOUT_DOCUMENT_ACCESS, f"a {actor.type.value!r} actor never reads document content")


def _is_author(actor: Actor, document: Document) -> bool:
    return actor.type == ActorType.PROFESSIONAL and document.author.type == "professional" \
        and document.author.id == actor.id


def change_decision(actor: Actor, settings: PatientSettings, document: Document, operation: str,
                    read: Decision) -> Decision:
    """May `actor` make this change? `read` is access.decide()'s answer for the same actor."""
    if document.deleted:
        return _deny(ALREADY_DELETED, "the document was deleted")
    author = _is_author(actor, document)
    if author and operation in (DELETE, MASK, HIDE_FROM_PATIENT, HIDE_FROM_LEGAL_REPRESENTATIVES):
        return _allow(AUTHOR_CHANGES, "the professional who filed the document (DOMAIN §2.4)")
    if actor.type == ActorType.PROFESSIONAL:
        if author and operation == UNMASK:
            return _deny(ONLY_THE_PATIENT_UNMASKS, "only the patient lifts a mask (DOMAIN §2.4)")
        if operation == HIDE_FROM_PATIENT:
            return _deny(ONLY_THE_AUTHOR_HIDES_FROM_PATIENT, "only the author hides a document from the patient")
        return _deny(NOT_THE_AUTHOR, "a professional changes only the documents they filed (DOMAIN §2.4)")
    holder = holder_decision(actor, settings)
    if not holder.allowed:
        return holder
    if not read.allowed:
        return _deny(NOT_VISIBLE, f"the document is not visible to this actor ({read.rule})")
    if operation == ORGANISE:
        return _allow(HOLDER_ORGANISES, "the holder pins and files every document they see (DOMAIN §2.3)")
    if operation in (MASK, UNMASK):
        return _allow(HOLDER_SETS_VISIBILITY, "the patient masks any document from professionals (DOMAIN §2.4)")
    if operation == HIDE_FROM_PATIENT:
        return _deny(ONLY_THE_AUTHOR_HIDES_FROM_PATIENT, "only the author hides a document from the patient")
    if operation == HIDE_FROM_LEGAL_REPRESENTATIVES:
        if actor.type == ActorType.DELEGATE:
            return _deny(DELEGATES_CANNOT_HIDE_FROM_DELEGATES, "a delegate cannot change what delegates see")
        return _allow(HOLDER_SETS_VISIBILITY, "the patient hides a document from their legal representatives")
    if document.patient_side:
        return _allow(PATIENT_OWN_DEPOSIT, "the patient's side changes what it filed (DOMAIN §2.3)")
    return _deny(READ_ONLY_FOR_PATIENT, "documents filed by professionals, the insurer or MES are read-only (DOMAIN §2.3)")


def read_decision(w: Who, document: Document, now: datetime, mode: Mode = Mode.NORMAL,
                  justification: str = "") -> Decision:
    return decide(w.actor, w.context.settings, document.attrs(), mode=mode, justification=justification, now=now,
                  matrix=w.matrix)


def denied(decision: Decision, message: str = "Accès refusé à ce document") -> PermissionDenied:
    return PermissionDenied(message, reason=decision.rule.upper())
