"""The audit record of a read or change of documents, built in one step (meskit.audit).

Reads are appended synchronously (`AuditTrail.append`, with a deadline): if that fails, the read is
refused. Changes are written to the outbox in the transaction of the change, as AUDIT_RECORD events
whose id becomes the record id, and relayed at least once (audit is idempotent on record_id).
"""
from __future__ import annotations

from datetime import datetime, timezone

from meskit import audit
from meskit.audit import (
    CREATE, DELETE, DOWNLOAD, LIST, READ, UPDATE, VISIBILITY_CHANGE, AuditRecord, ResourceVisibility)
from meskit.auth import PROFESSIONAL, Caller

from documents.domain.access import Decision, Mode
from documents.domain.actors import Who
from documents.domain.models import Document

__all__ = ["CREATE", "DELETE", "DOWNLOAD", "LIST", "READ", "UPDATE", "VISIBILITY_CHANGE", "AuditRecord",
           "record", "record_of"]
GROUP, RESOURCE = audit.MEDICAL_DOCUMENT, "document"
NEVER = datetime(9999, 12, 31, tzinfo=timezone.utc)


def record(w: Who, *, action: str, decision: Decision, now: datetime, document: Document | None = None,
           mode: Mode = Mode.NORMAL, justification: str = "", resource_label: str = "",
           display_name: str = "") -> AuditRecord:
    """What the caller did on the patient's documents; a professional as identity knows them (a
    service as `display_name`). Every such decision (read, list, change) names the version of the
    matrix it was taken with."""
    professional = w.actor if w.caller.actor_type == PROFESSIONAL else None
    return audit.record(
        w.caller, group=GROUP, resource_type=RESOURCE, action=action, patient_id=w.patient_id,
        allowed=decision.allowed, rule=decision.rule, now=now, display_name=display_name or w.display_name,
        resource_id=document.document_id if document else "",
        resource_label=resource_label or (document.title if document else ""),
        profession_code=professional.profession_code if professional else "",
        rpps=professional.rpps if professional else "", access_mode=Mode(mode).value, justification=justification,
        matrix_version=w.matrix.version,
        visibility=visibility_of(document, now) if document else None)


def visibility_of(document: Document, now: datetime) -> ResourceVisibility:
    """The document's restriction as audit redacts the history with it (DOMAIN §10.3, §10.4): carried by
    every record about the document and relayed by itself (RESOURCE_VISIBILITY) when it changes."""
    lifts_at = document.visible_to_patient_from()
    if document.deleted and lifts_at is not None and document.deleted_at is not None and document.deleted_at < lifts_at:
        lifts_at = NEVER     # deleted before the announcement: its records stay neutral for the patient's side
    return ResourceVisibility(
        patient_id=document.patient_id, resource_type=RESOURCE, resource_id=document.document_id,
        hidden_from_patient_until=lifts_at if lifts_at is not None and lifts_at > now else None,
        hidden_from_legal_representatives=document.visibility.hidden_from_legal_representatives, as_of=now)


def record_of(caller: Caller, *, patient_id: str, action: str, decision: Decision, now: datetime,
              resource_id: str = "", resource_label: str = "", matrix_version: str = "") -> AuditRecord:
    """A record for a caller acting on a whole space or asking about someone else (no access context)."""
    return audit.record(caller, group=GROUP, resource_type=RESOURCE, action=action, patient_id=patient_id,
                        allowed=decision.allowed, rule=decision.rule, now=now, resource_id=resource_id,
                        resource_label=resource_label, matrix_version=matrix_version)
