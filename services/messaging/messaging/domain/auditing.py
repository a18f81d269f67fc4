"""Audit records of messaging: reads appended before the data leaves (fail closed), changes through
the outbox. Records name the resource, never its content (no subject, no body).

Audit has no messaging activity group yet: messages and their attachments are health data
exchanged with professionals, recorded under MEDICAL_DOCUMENT.
"""
from __future__ import annotations

from datetime import datetime

from meskit import audit
from meskit.audit import CREATE, DELETE, DOWNLOAD, LIST, READ, UPDATE, AuditRecord
from meskit.auth import PROFESSIONAL, Caller

from messaging.domain.actors import Who

__all__ = ["CREATE", "DELETE", "DOWNLOAD", "LIST", "READ", "UPDATE", "record", "record_of"]
GROUP = audit.MEDICAL_DOCUMENT
CONVERSATION, MESSAGE, ATTACHMENT, DRAFT = "conversation", "message", "attachment", "draft"
PHARMACY_VISITS = "pharmacy_visits"
LABELS = {CONVERSATION: "Conversation de la messagerie", MESSAGE: "Message de la messagerie",
          ATTACHMENT: "Pièce jointe d'un message", DRAFT: "Brouillon de message",
          PHARMACY_VISITS: "Pharmacies fréquentées (historique de remboursements)"}


def record(w: Who, *, action: str, resource_type: str, resource_id: str, rule: str, now: datetime,
           allowed: bool = True) -> AuditRecord:
    professional = w.context.professional if w.caller.actor_type == PROFESSIONAL else None
    return audit.record(
        w.caller, group=GROUP, resource_type=resource_type, action=action, patient_id=w.patient_id,
        allowed=allowed, rule=rule, now=now, resource_id=resource_id, resource_label=LABELS[resource_type],
        display_name=w.display_name, profession_code=professional.profession_code if professional else "",
        rpps=professional.rpps if professional else "")


def record_of(caller: Caller, *, patient_id: str, action: str, resource_type: str, resource_id: str, rule: str,
              now: datetime) -> AuditRecord:
    """Without an access context: a professional's list across patients, a service's receipt."""
    return audit.record(caller, group=GROUP, resource_type=resource_type, action=action, patient_id=patient_id,
                        allowed=True, rule=rule, now=now, resource_id=resource_id,
                        resource_label=LABELS[resource_type])
