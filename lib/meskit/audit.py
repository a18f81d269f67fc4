"""Audit records of reads and changes of health data, for any service (DESIGN.md: recorded before
the data leaves, fail closed).

`record(...)` builds one record in one step: who (from the caller's token, with what the service
knows better of a professional), what (group, resource type and id, action), and the decision.
Reads are appended at once by `meskit.audit_client.AuditClient.append` (if audit does not confirm,
the read is refused); changes go through the outbox as `AUDIT_RECORD` events whose id becomes the
record id (`to_payload` / `from_payload`), relayed at least once (audit is idempotent on record_id).
"""
from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime

from meskit.auth import APP, Caller
from meskit.logs import request_id_var

AUDIT_RECORD = "AUDIT_RECORD"        # outbox event type relayed to audit

# audit.v1 Action names
READ, DOWNLOAD, LIST, CREATE, UPDATE, DELETE, VISIBILITY_CHANGE, SETTINGS_CHANGE = (
    "READ", "DOWNLOAD", "LIST", "CREATE", "UPDATE", "DELETE", "VISIBILITY_CHANGE", "SETTINGS_CHANGE")
EXPORT = "EXPORT"                    # a person's data read for her export (mes.lifecycle.v1)
# audit.v1 ActivityGroup names
GENERAL, SERVICE_TIERS, MEDICAL_DOCUMENT, MESSAGING = "GENERAL", "SERVICE_TIERS", "MEDICAL_DOCUMENT", "MESSAGING"
# audit.v1 ActorType names, by token actor type
ACTOR_TYPES = {"patient": "PATIENT", "delegate": "PATIENT", "professional": "HEALTHCARE_PROFESSIONAL",
               "support": "SUPPORT", "operator": "OPERATOR", "service": "SYSTEM", "app": "SERVICE_TIERS"}
NORMAL = "normal"                    # access modes: normal, bris_de_glace, centre_15
MAX_RULE, MAX_LABEL, MAX_JUSTIFICATION = 128, 500, 2000
RESOURCE_VISIBILITY = "RESOURCE_VISIBILITY"   # outbox event type relayed to audit's SetResourceVisibility


# ---- restricted resources (DOMAIN §10.3, §10.4): audit redacts the history with them ----
@dataclass(frozen=True, kw_only=True)
class ResourceVisibility:
    """Who must not see a resource in the patient's history, as of `as_of` (the newest wins)."""
    patient_id: str
    resource_type: str
    resource_id: str
    hidden_from_patient_until: datetime | None = None
    hidden_from_legal_representatives: bool = False
    as_of: datetime

    def to_payload(self) -> dict:
        until = self.hidden_from_patient_until
        return {**asdict(self), "hidden_from_patient_until": until.isoformat() if until else None,
                "as_of": self.as_of.isoformat()}

    @classmethod
    def from_payload(cls, payload: dict) -> ResourceVisibility:
        until = payload.get("hidden_from_patient_until")
        return cls(**{**payload, "hidden_from_patient_until": datetime.fromisoformat(until) if until else None,
                      "as_of": datetime.fromisoformat(payload["as_of"])})


@dataclass(frozen=True, kw_only=True)
class AuditRecord:
    record_id: str
    occurred_at: datetime
    actor_type: str              # audit.v1 ActorType name
    actor_id: str
    profession_code: str = ""
    rpps: str = ""
    on_behalf_of: str = ""
    display_name: str = ""
    action: str                  # audit.v1 Action name
    group: str                   # audit.v1 ActivityGroup name
    patient_id: str
    resource_type: str
    resource_id: str = ""
    resource_label: str = ""
    allowed: bool
    rule: str
    access_mode: str = NORMAL
    justification: str = ""
    request_id: str = ""
    matrix_version: str = ""     # the access matrix the decision was taken with (documents)
    visibility: ResourceVisibility | None = None   # the resource's restriction, carried to audit with the record

    def to_payload(self) -> dict:
        payload = asdict(self)
        payload["occurred_at"] = self.occurred_at.isoformat()
        del payload["record_id"]              # the outbox event id is the record id
        if self.visibility is None:
            del payload["visibility"]
        else:
            payload["visibility"] = self.visibility.to_payload()
        return payload

    @classmethod
    def from_payload(cls, record_id: str, payload: dict) -> AuditRecord:
        values = dict(payload)
        values["occurred_at"] = datetime.fromisoformat(values["occurred_at"])
        if values.get("visibility") is not None:
            values["visibility"] = ResourceVisibility.from_payload(values["visibility"])
        return cls(record_id=record_id, **values)


def record(caller: Caller, *, group: str, resource_type: str, action: str, patient_id: str, allowed: bool,
           rule: str, now: datetime, resource_id: str = "", resource_label: str = "", display_name: str = "",
           profession_code: str = "", rpps: str = "", on_behalf_of: str = "", access_mode: str = NORMAL,
           justification: str = "", matrix_version: str = "",
           visibility: ResourceVisibility | None = None) -> AuditRecord:
    """`profession_code`, `rpps`, `on_behalf_of`: what the service knows better than the token (the
    token's own claims otherwise). An app acts for the patient of the record itself: no on_behalf_of,
    and `display_name` is the app's name, as her history shows it."""
    token_on_behalf_of = "" if caller.actor_type == APP else caller.on_behalf_of
    return AuditRecord(
        record_id=str(uuid.uuid4()), occurred_at=now, actor_type=ACTOR_TYPES.get(caller.actor_type, "SYSTEM"),
        actor_id=caller.subject, profession_code=profession_code or caller.profession_code,
        rpps=rpps or caller.rpps, on_behalf_of=on_behalf_of or token_on_behalf_of, display_name=display_name,
        action=action, group=group, patient_id=patient_id, resource_type=resource_type, resource_id=resource_id,
        resource_label=resource_label[:MAX_LABEL], allowed=allowed, rule=rule[:MAX_RULE], access_mode=access_mode,
        justification=justification[:MAX_JUSTIFICATION], request_id=request_id_var.get() or "",
        matrix_version=matrix_version, visibility=visibility)
