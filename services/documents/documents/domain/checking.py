"""CheckDocumentAccess: the decision for an explicit actor, without reading anything (operators,
support investigating a report, services checking before they act). Audited like a read."""
from __future__ import annotations

from dataclasses import dataclass

from meskit.auth import ACTOR_TYPES, OPERATOR, SERVICE, SUPPORT, Caller
from meskit.errors import InvalidArgument, Violations, require_ids

from documents.domain import auditing, permissions, reach
from documents.domain.access import Decision, decide
from documents.domain.actors import actor_for, who
from documents.domain.lookup import get_or_404
from documents.domain.ports import Dependencies
from documents.domain.reading import Access

READ, DEPOSIT, UPDATE, DELETE, SET_VISIBILITY = "read", "deposit", "update", "delete", "set_visibility"
CHANGE_OPERATIONS = {UPDATE: permissions.UPDATE_METADATA, DELETE: permissions.DELETE, SET_VISIBILITY: permissions.MASK}
CHECKED = "check_document_access"


@dataclass(frozen=True, kw_only=True)
class ActorSpec:
    type: str            # meskit.auth actor type
    id: str
    profession_code: str = ""
    on_behalf_of: str = ""


def check_access(deps: Dependencies, caller: Caller, patient_id: str, document_id: str, spec: ActorSpec,
                 operation: str, access: Access) -> Decision:
    caller.require(OPERATOR, SUPPORT, SERVICE)
    require_ids(patient_id=patient_id)
    v = Violations()
    if spec.type not in ACTOR_TYPES:
        v.add("actor.type", "type d'acteur attendu")
    v.require(spec.id, "actor.id")
    for name in ("id", "profession_code", "on_behalf_of"):
        v.max_length(getattr(spec, name), f"actor.{name}", 64)
    v.max_length(document_id, "document_id", 64)
    v.raise_if_any()
    if operation not in (READ, DEPOSIT, *CHANGE_OPERATIONS):
        raise InvalidArgument("Opération inconnue")
    subject = Caller(spec.type, spec.id, profession_code=spec.profession_code, on_behalf_of=spec.on_behalf_of)
    w = who(deps, subject, patient_id)
    actor = actor_for(subject, w.context)
    settings = w.context.settings
    now = deps.now()
    document = None
    if document_id:
        with deps.unit_of_work() as repo:
            document = get_or_404(repo, patient_id, document_id)
    closed = reach.closed_decision(w)
    if closed is not None:
        decision = closed
    elif operation == DEPOSIT:
        decision = permissions.deposit_decision(actor, settings)
    elif document is None:
        decision = (permissions.list_decision(actor, settings, mode=access.mode, justification=access.justification)
                    if operation == READ else permissions.holder_decision(actor, settings))
    else:
        read = decide(actor, settings, document.attrs(), mode=access.mode, justification=access.justification, now=now,
                      matrix=deps.matrix)
        decision = read if operation == READ else permissions.change_decision(
            actor, settings, document, CHANGE_OPERATIONS[operation], read)
    deps.audit.append(auditing.record_of(
        caller, patient_id=patient_id, action=auditing.READ, now=now, resource_id=document_id,
        decision=Decision(True, CHECKED, "explains a decision, reads nothing"), matrix_version=deps.matrix.version,
        resource_label=f"{operation} par {spec.type} {spec.id} : {'autorisé' if decision.allowed else 'refusé'} "
                       f"({decision.rule})"))
    return decision
