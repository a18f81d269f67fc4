"""Pieces shared by the use-cases: the caller's access inputs, checks, permissions, notices."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from meskit.auth import PROFESSIONAL, Caller
from meskit.errors import NotFound, PermissionDenied, Violations

from documents.domain import auditing, permissions
from documents.domain.access import Actor, Decision, Matrix, Mode, decide
from documents.domain.actors import AccessContext, actor_for, display_name
from documents.domain.models import Document, Permissions, Shown
from documents.domain.ports import Dependencies

ID_LIMIT = 64
NO_SUCH_DOCUMENT = "Document introuvable"
ACCES_BRIS_GLACE, ACCES_DMP_PS, AJOUT_DOCUMENT = "ACCES_BRIS_GLACE", "ACCES_DMP_PS", "AJOUT_DOCUMENT"
ACCESS_NOTICE_NAMESPACE = uuid.UUID("6b1f7f64-5a43-4c36-9f0b-1f1d2b0c5e11")


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

    def audit(self, *, action: str, decision: Decision, now: datetime, document: Document | None = None,
              mode: Mode = Mode.NORMAL, justification: str = "", resource_label: str = "") -> auditing.AuditEntry:
        record = auditing.entry(
            self.caller, patient_id=self.patient_id, action=action, decision=decision, now=now,
            display_name=self.display_name, resource_id=document.document_id if document else "",
            resource_label=resource_label or (document.title if document else ""), mode=mode,
            justification=justification)
        if self.caller.actor_type == PROFESSIONAL:
            return auditing.with_professional(record, self.actor.profession_code, self.actor.rpps)
        return record


def require_ids(**ids: str) -> None:
    v = Violations()
    for name, value in ids.items():
        v.require(value, name)
        v.max_length(value, name, ID_LIMIT)
    v.raise_if_any()


def who(deps: Dependencies, caller: Caller, patient_id: str) -> Who:
    professional_id = caller.subject if caller.actor_type == PROFESSIONAL else ""
    context = deps.contexts.get(patient_id, professional_id)
    return Who(caller, context, actor_for(caller, context), deps.matrix)


def read_decision(w: Who, document: Document, now: datetime, mode: Mode = Mode.NORMAL,
                  justification: str = "") -> Decision:
    return decide(w.actor, w.context.settings, document.attrs(), mode=mode, justification=justification, now=now,
                  matrix=w.matrix)


def permissions_for(w: Who, document: Document, read: Decision) -> Permissions:
    settings = w.context.settings

    def may(operation: str) -> bool:
        return permissions.change_decision(w.actor, settings, document, operation, read).allowed
    return Permissions(
        can_download=read.allowed and not document.deleted, can_delete=may(permissions.DELETE),
        can_update_title=may(permissions.UPDATE_METADATA), can_update_date=may(permissions.UPDATE_METADATA),
        can_update_category=may(permissions.UPDATE_METADATA),
        can_update_visibility=may(permissions.MASK) or may(permissions.UNMASK),
        can_organise=may(permissions.ORGANISE))


def shown(w: Who, document: Document, now: datetime, read: Decision | None = None) -> Shown:
    read = read or read_decision(w, document, now)
    return Shown(document=document, permissions=permissions_for(w, document, read))


def get_or_404(repo, patient_id: str, document_id: str, *, for_update: bool = False) -> Document:
    document = repo.get_document(patient_id, document_id, for_update=for_update)
    if document is None:
        raise NotFound(NO_SUCH_DOCUMENT)
    return document


def denied(decision: Decision, message: str = "Accès refusé à ce document") -> PermissionDenied:
    return PermissionDenied(message, reason=decision.rule.upper())


def access_notice(repo, w: Who, mode: Mode, now: datetime) -> None:
    """The patient is told of every access by a professional (the caller, DOMAIN §8): ACCES_DMP_PS, or
    ACCES_BRIS_GLACE in an emergency mode (the GP is told too); one per professional, mode and day."""
    mode = Mode(mode)
    event_id = uuid.uuid5(ACCESS_NOTICE_NAMESPACE, f"{w.patient_id}|{w.caller.subject}|{mode.value}|"
                                                   f"{now.date().isoformat()}")
    payload = {"patient_id": w.patient_id, "actor_display": w.display_name or "Un professionnel de santé",
               "professional_id": w.caller.subject, "access_mode": mode.value, "occurred_at": now.isoformat()}
    if mode == Mode.NORMAL:
        repo.add_event_once(event_id, ACCES_DMP_PS, w.patient_id, payload)
    else:
        repo.add_event_once(event_id, ACCES_BRIS_GLACE, w.patient_id, {
            **payload, "general_practitioner_ids": sorted(w.context.general_practitioner_ids)})
