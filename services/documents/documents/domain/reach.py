"""What a caller learns of a document outside their reach: never whether it exists (issue 10, point 8).

A refusal that depends on the document (the matrix, a mask, an embargo, the minor's secrecy, a
deletion) is answered exactly as a missing document: NOT_FOUND "Document introuvable". A refusal that
depends only on the caller and the patient's space (another patient's space, a blocked professional,
a professional outside the care team, an emergency mode the patient opposed) says so, and is the same
for every document id of that space, existing or not. Both answers are computed from the caller and
the space alone (`space_refusal`), never from the document, so they cannot differ. Every attempt is
audited, a missing document included (rule `document_not_found`), so that even an audit outage
answers both alike.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from meskit.audit import AuditRecord
from meskit.auth import APP, DELEGATE, PATIENT, PROFESSIONAL
from meskit.errors import DomainError, FailedPrecondition, NotFound, PermissionDenied

from documents.domain import auditing
from documents.domain.access import AuthorType, Decision, DocumentAttrs, Mode, decide
from documents.domain.access.decide import (
    ACTOR_WITHOUT_DOCUMENT_ACCESS, BLOCKED_PROFESSIONAL, BREAK_GLASS_OPPOSED, BREAK_GLASS_WITHOUT_JUSTIFICATION,
    EMERGENCY_MODE_PROFESSIONALS_ONLY, INSURER_NEVER, LEGAL_REPRESENTATION_OF_ADULT, NOT_A_SAMU_REGULATOR,
    NOT_IN_CARE_TEAM, NOT_THE_PATIENT, NOT_THE_PATIENTS_DELEGATE, OCCUPATIONAL_MEDICINE_NEVER, SAMU_OPPOSED,
    UNKNOWN_DELEGATION_TYPE)
from documents.domain.actors import Who
from documents.domain.lookup import NO_SUCH_DOCUMENT

if TYPE_CHECKING:
    from documents.domain.ports import Dependencies

DOCUMENT_NOT_FOUND = "document_not_found"
MISSING = Decision(False, DOCUMENT_NOT_FOUND, "no document with this id in this space")

# Refusals that depend on the caller and the space only: told as they are. Any other rule (those of
# the document, and any rule added later) is told as a missing document.
SPACE_RULES = frozenset({
    NOT_THE_PATIENT, NOT_THE_PATIENTS_DELEGATE, UNKNOWN_DELEGATION_TYPE, LEGAL_REPRESENTATION_OF_ADULT,
    ACTOR_WITHOUT_DOCUMENT_ACCESS, EMERGENCY_MODE_PROFESSIONALS_ONLY, OCCUPATIONAL_MEDICINE_NEVER, INSURER_NEVER,
    BLOCKED_PROFESSIONAL, NOT_IN_CARE_TEAM,
    NOT_A_SAMU_REGULATOR, SAMU_OPPOSED, BREAK_GLASS_WITHOUT_JUSTIFICATION, BREAK_GLASS_OPPOSED})


def space_refusal(w: Who, now: datetime, mode: Mode = Mode.NORMAL, justification: str = "") -> Decision | None:
    """The refusal this caller gets for any document of the space they did not file, if it depends
    on nothing else: the decision for a document with no attribute of its own."""
    nobody_s = DocumentAttrs(document_id="", patient_id=w.patient_id, type_code="", class_code="",
                             author_type=AuthorType.ORGANISATION, author_id="", deposited_at=now)
    decision = decide(w.actor, w.context.settings, nobody_s, mode=mode, justification=justification, now=now,
                      matrix=w.matrix)
    return decision if not decision.allowed and decision.rule in SPACE_RULES else None


def refusal(w: Who, now: datetime, message: str, mode: Mode = Mode.NORMAL, justification: str = "") -> DomainError:
    """The answer to a document missing, or outside the caller's reach: one and the same."""
    space = space_refusal(w, now, mode, justification)
    if space is not None:
        return PermissionDenied(message, reason=space.rule.upper())
    return NotFound(NO_SUCH_DOCUMENT)


def reachable(read: Decision | None) -> bool:
    """`read` is the read decision for the document, None when there is no such document."""
    return read is not None and read.allowed


def naming(record: AuditRecord, document_id: str) -> AuditRecord:
    """The audit record of an attempt names the id asked for, even when no such document exists."""
    return record if record.resource_id else replace(record, resource_id=document_id)


# ---- a closed space (DOMAIN §4.4): archived, nobody reads, lists, deposits or changes anything ----
# ---- and a person without a space (pending, opposed, deleted): there is nothing to read or write ----
PROFILE_CLOSED = "profile_closed"
CLOSED = Decision(False, PROFILE_CLOSED, "the space is closed (archived)")
CLOSED_MESSAGE = "Profil clôturé"
NO_SPACE = "no_space"
ABSENT = Decision(False, NO_SPACE, "the person has no space (pending, opposed or deleted)")
NO_SPACE_MESSAGE = "Ce patient n'a pas de profil Mon espace santé"
MESSAGES = {PROFILE_CLOSED: CLOSED_MESSAGE, NO_SPACE: NO_SPACE_MESSAGE}


def closed_decision(w: Who) -> Decision | None:
    """The refusal of a closed space, or of a person without a space, for the patient, her (former)
    delegates and professionals; the same for every document id. A patient or delegate of another
    space keeps the answer she gets for any other space (nothing tells her this one closed); services
    (the attestations) are not refused; the holder's apps are."""
    caller = w.caller
    refused = ABSENT if w.context.space_absent else CLOSED if w.context.space_closed else None
    if refused is None or caller.actor_type not in (PATIENT, DELEGATE, PROFESSIONAL, APP):
        return None
    if (caller.actor_type == PATIENT and caller.subject != w.patient_id) or (
            caller.actor_type == DELEGATE and caller.on_behalf_of != w.patient_id):
        return None
    return refused


def refuse_if_closed(deps: Dependencies, w: Who, *, action: str, now: datetime, read: bool) -> None:
    """FAILED_PRECONDITION PROFILE_CLOSED on a closed space, audited like any refusal: a read's record
    appended at once (fail closed), a change's written to the outbox in its own transaction."""
    decision = closed_decision(w)
    if decision is None:
        return
    record = auditing.record(w, action=action, decision=decision, now=now)
    if read:
        deps.audit.append(record)
    else:
        with deps.unit_of_work() as repo:
            repo.add_audit(record)
    raise closed_error(decision)


def closed_error(decision: Decision = CLOSED) -> FailedPrecondition:
    """FAILED_PRECONDITION PROFILE_CLOSED "Profil clôturé", or NO_SPACE for a person without a space."""
    return FailedPrecondition(MESSAGES[decision.rule], reason=decision.rule.upper())
