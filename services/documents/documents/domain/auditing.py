"""Audit records of reads and changes (DESIGN.md: recorded before data leaves, fail closed).

Reads are appended synchronously (`AuditTrail.append`, with a deadline): if that fails, the read is
refused. Changes are written to the outbox in the transaction of the change, as AUDIT_RECORD events
whose id becomes the record id, and relayed at least once (audit is idempotent on record_id).
"""
from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, replace
from datetime import datetime

from meskit.auth import Caller
from meskit.logs import request_id_var

from documents.domain.access import Decision, Mode

AUDIT_RECORD = "AUDIT_RECORD"        # outbox event type relayed to audit

# audit.v1 Action names
READ, DOWNLOAD, LIST, CREATE, UPDATE, DELETE, VISIBILITY_CHANGE = (
    "READ", "DOWNLOAD", "LIST", "CREATE", "UPDATE", "DELETE", "VISIBILITY_CHANGE")
# audit.v1 ActorType names, by token actor type
AUDIT_ACTOR_TYPE = {"patient": "PATIENT", "delegate": "PATIENT", "professional": "HEALTHCARE_PROFESSIONAL",
                    "support": "SUPPORT", "operator": "OPERATOR", "service": "SYSTEM"}
MAX_RULE = 128


@dataclass(frozen=True, kw_only=True)
class AuditEntry:
    record_id: str
    occurred_at: datetime
    actor_type: str              # audit.v1 ActorType name
    actor_id: str
    profession_code: str = ""
    rpps: str = ""
    on_behalf_of: str = ""
    display_name: str = ""
    action: str
    patient_id: str
    resource_type: str = "document"
    resource_id: str = ""
    resource_label: str = ""
    allowed: bool
    rule: str
    access_mode: str = Mode.NORMAL.value
    justification: str = ""
    request_id: str = ""

    def to_payload(self) -> dict:
        payload = asdict(self)
        payload["occurred_at"] = self.occurred_at.isoformat()
        del payload["record_id"]              # the outbox event id is the record id
        return payload

    @classmethod
    def from_payload(cls, record_id: str, payload: dict) -> AuditEntry:
        values = dict(payload)
        values["occurred_at"] = datetime.fromisoformat(values["occurred_at"])
        return cls(record_id=record_id, **values)


def entry(caller: Caller, *, patient_id: str, action: str, decision: Decision, now: datetime,
          display_name: str = "", resource_id: str = "", resource_label: str = "", resource_type: str = "document",
          mode: Mode = Mode.NORMAL, justification: str = "", on_behalf_of: str = "") -> AuditEntry:
    return AuditEntry(
        record_id=str(uuid.uuid4()), occurred_at=now, actor_type=AUDIT_ACTOR_TYPE.get(caller.actor_type, "SYSTEM"),
        actor_id=caller.subject, profession_code=caller.profession_code, rpps=caller.rpps,
        on_behalf_of=on_behalf_of or caller.on_behalf_of, display_name=display_name, action=action,
        patient_id=patient_id, resource_type=resource_type, resource_id=resource_id,
        resource_label=resource_label[:500], allowed=decision.allowed, rule=decision.rule[:MAX_RULE],
        access_mode=Mode(mode).value, justification=justification[:2000], request_id=request_id_var.get() or "")


def with_professional(record: AuditEntry, profession_code: str, rpps: str) -> AuditEntry:
    return replace(record, profession_code=profession_code or record.profession_code, rpps=rpps or record.rpps)
