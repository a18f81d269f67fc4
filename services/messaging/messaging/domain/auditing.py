"""Audit records of messaging: reads appended before the data leaves (fail closed), changes through
the outbox. Records name the resource, never its content (no subject, no body).

Every record is in the MESSAGING activity group, so that the patient's history filters them. A read
refused (NOT_FOUND, PERMISSION_DENIED, FAILED_PRECONDITION) leaves one denied record of who asked for
what, under the space asked for; a conversation outside the caller's reach and one that does not
exist are recorded alike (rule `not_found`), so neither the answer nor the history tells them apart.
Records about a conversation hidden from the minor's legal representatives carry that restriction:
audit keeps them out of a delegate's view of the history (DOMAIN §10.4).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING

from meskit import audit
from meskit.audit import CREATE, DELETE, DOWNLOAD, LIST, READ, UPDATE, AuditRecord, ResourceVisibility
from meskit.auth import PROFESSIONAL, Caller
from meskit.errors import FailedPrecondition, NotFound, PermissionDenied

from messaging.domain.actors import Who

if TYPE_CHECKING:
    from messaging.domain.ports import Dependencies

__all__ = ["CREATE", "DELETE", "DOWNLOAD", "LIST", "READ", "UPDATE", "record", "record_of", "refusals_recorded"]
GROUP = audit.MESSAGING
CONVERSATION, MESSAGE, ATTACHMENT, DRAFT = "conversation", "message", "attachment", "draft"
PHARMACY_VISITS = "pharmacy_visits"
EXPORT = "subject_data_export"
LABELS = {CONVERSATION: "Conversation de la messagerie", MESSAGE: "Message de la messagerie",
          ATTACHMENT: "Pièce jointe d'un message", DRAFT: "Brouillon de message",
          PHARMACY_VISITS: "Pharmacies fréquentées (historique de remboursements)",
          EXPORT: "Export de mes données : messagerie"}
NOT_FOUND = "not_found"


def _visibility(patient_id: str, resource_type: str, resource_id: str, secret: bool,
                now: datetime) -> ResourceVisibility | None:
    if not secret or not resource_id:
        return None
    return ResourceVisibility(patient_id=patient_id, resource_type=resource_type, resource_id=resource_id,
                              hidden_from_legal_representatives=True, as_of=now)


def record(w: Who, *, action: str, resource_type: str, resource_id: str, rule: str, now: datetime,
           allowed: bool = True, secret: bool = False) -> AuditRecord:
    """`secret`: about a conversation hidden from the legal representatives."""
    professional = w.context.professional if w.caller.actor_type == PROFESSIONAL else None
    return audit.record(
        w.caller, group=GROUP, resource_type=resource_type, action=action, patient_id=w.patient_id,
        allowed=allowed, rule=rule, now=now, resource_id=resource_id, resource_label=LABELS[resource_type],
        display_name=w.display_name, profession_code=professional.profession_code if professional else "",
        rpps=professional.rpps if professional else "",
        visibility=_visibility(w.patient_id, resource_type, resource_id, secret, now))


def record_of(caller: Caller, *, patient_id: str, action: str, resource_type: str, resource_id: str, rule: str,
              now: datetime, allowed: bool = True) -> AuditRecord:
    """Without an access context: a professional's list across patients, a service's receipt, a refusal."""
    return audit.record(caller, group=GROUP, resource_type=resource_type, action=action, patient_id=patient_id,
                        allowed=allowed, rule=rule, now=now, resource_id=resource_id,
                        resource_label=LABELS[resource_type])


@contextmanager
def refusals_recorded(deps: Dependencies, caller: Caller, patient_id: str, *, action: str, resource_type: str,
                      resource_id: str = "") -> Iterator[None]:
    """Around a read: its refusal is recorded (denied, naming the id asked for), then answered as it was."""
    try:
        yield
    except (NotFound, PermissionDenied, FailedPrecondition) as refusal:
        rule = NOT_FOUND if isinstance(refusal, NotFound) else (refusal.reason or type(refusal).__name__).lower()
        deps.audit.append(record_of(caller, patient_id=patient_id, action=action, resource_type=resource_type,
                                    resource_id=resource_id, rule=rule, now=deps.now(), allowed=False))
        raise
