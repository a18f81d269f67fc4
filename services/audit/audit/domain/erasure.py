"""End of retention: erase the personal data of a patient's records; the leaves stay.

The erasure is itself recorded (action ERASE, by the operator, with the reason) in the same
transaction that clears the personal data and their salts; each erased row points at that record.
The leaf only holds a salted HMAC of the personal data, so every proof stays valid.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from meskit import subject_data
from meskit.auth import OPERATOR, Caller
from meskit.errors import Violations

from audit.domain.models import ALLOWED, ERASE, GENERAL, OPERATOR_ACTOR, SYSTEM_ACTOR, Entry, Personal
from audit.domain.ports import Dependencies

ERASED_RESOURCE = "audit_personal_data"


def erase_personal_data(deps: Dependencies, caller: Caller, patient_id: str,
                        occurred_before: datetime | None, reason: str) -> int:
    caller.require(OPERATOR)
    v = Violations()
    v.require(patient_id, "patient_id")
    v.max_length(patient_id, "patient_id", 64)
    v.max_length(reason, "reason", 500)
    v.raise_if_any()
    return _erase(deps, patient_id, occurred_before, actor_type=OPERATOR_ACTOR, rule="operator_erasure",
                  personal=Personal(actor_id=caller.subject, justification=reason))


def erase_subject(deps: Dependencies, caller: Caller, account_id: str, erasure_id: str) -> dict[str, int]:
    """identity's erasure of a deleted space: every record about her, whenever it occurred. The
    erasure record names identity's erasure id, never her."""
    subject_data.require_service(caller, subject_data.ERASER)
    subject_data.require_uuids(account_id=account_id, erasure_id=erasure_id)
    erased = _erase(deps, account_id, None, actor_type=SYSTEM_ACTOR, rule="space_deleted",
                    personal=Personal(actor_id=caller.subject, resource_id=erasure_id))
    return {"audit_records": erased}


def _erase(deps: Dependencies, patient_id: str, occurred_before: datetime | None, *, actor_type: str, rule: str,
           personal: Personal) -> int:
    now = deps.now().astimezone(timezone.utc)
    record = Entry(record_id=str(uuid.uuid4()), occurred_at=now,
                   actor_type=actor_type, action=ERASE, decision=ALLOWED, group=GENERAL,
                   resource_type=ERASED_RESOURCE, rule=rule, service="audit", personal=personal)

    def erase(repo, outcomes) -> int:
        (stored, _duplicate), = outcomes
        return repo.erase_personal_data(patient_id, occurred_before, erased_at=now, erased_by=stored.leaf_index)

    _outcomes, erased = deps.appender.submit([record], then=erase)
    return erased
