"""The audit record of a read or change of documents, built in one step (meskit.audit).

Reads are appended synchronously (`AuditTrail.append`, with a deadline): if that fails, the read is
refused. Changes are written to the outbox in the transaction of the change, as AUDIT_RECORD events
whose id becomes the record id, and relayed at least once (audit is idempotent on record_id).
"""
from __future__ import annotations

from datetime import datetime

from meskit import audit
from meskit.audit import CREATE, DELETE, DOWNLOAD, LIST, READ, UPDATE, VISIBILITY_CHANGE, AuditRecord
from meskit.auth import PROFESSIONAL, Caller

from documents.domain.access import Decision, Mode
from documents.domain.actors import Who
from documents.domain.models import Document

__all__ = ["CREATE", "DELETE", "DOWNLOAD", "LIST", "READ", "UPDATE", "VISIBILITY_CHANGE", "AuditRecord",
           "record", "record_of"]
GROUP, RESOURCE = audit.MEDICAL_DOCUMENT, "document"


def record(w: Who, *, action: str, decision: Decision, now: datetime, document: Document | None = None,
           mode: Mode = Mode.NORMAL, justification: str = "", resource_label: str = "") -> AuditRecord:
    """What the caller did on the patient's documents; a professional as identity knows them. Every
    such decision (read, list, change) names the version of the matrix it was taken with."""
    professional = w.actor if w.caller.actor_type == PROFESSIONAL else None
    return audit.record(
        w.caller, group=GROUP, resource_type=RESOURCE, action=action, patient_id=w.patient_id,
        allowed=decision.allowed, rule=decision.rule, now=now, display_name=w.display_name,
        resource_id=document.document_id if document else "",
        resource_label=resource_label or (document.title if document else ""),
        profession_code=professional.profession_code if professional else "",
        rpps=professional.rpps if professional else "", access_mode=Mode(mode).value, justification=justification,
        matrix_version=w.matrix.version)


def record_of(caller: Caller, *, patient_id: str, action: str, decision: Decision, now: datetime,
              resource_id: str = "", resource_label: str = "") -> AuditRecord:
    """A record for a caller acting on a whole space or asking about someone else (no access context)."""
    return audit.record(caller, group=GROUP, resource_type=RESOURCE, action=action, patient_id=patient_id,
                        allowed=decision.allowed, rule=decision.rule, now=now, resource_id=resource_id,
                        resource_label=resource_label)
