"""Reading: metadata, download and listing. Each is decided, then recorded in audit BEFORE any data
leaves (synchronously; if audit cannot be written the read is refused), allowed or denied alike:
exactly one audit record per read request.

A read goes through each step once: identify the caller (actors.who), fetch (lookup), decide
(permissions), record (auditing, then the patient's notice), answer (showing)."""
from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from meskit.auth import PROFESSIONAL, Caller
from meskit.errors import Unavailable, require_ids

from documents.domain import auditing, emergency_identity, listing, permissions, reach
from documents.domain.access import Decision, Mode
from documents.domain.actors import Who, who
from documents.domain.emergency_identity import TypedIdentity
from documents.domain.errors import DataLoss
from documents.domain.models import AVAILABLE, Document, Shown
from documents.domain.notices import access_notice
from documents.domain.permissions import denied, read_decision
from documents.domain.ports import Dependencies
from documents.domain.showing import shown

log = logging.getLogger("documents.reading")
CHUNK_BYTES = 64 * 1024
DENIED = "Accès refusé à ce document"


@dataclass(frozen=True)
class Access:
    mode: Mode = Mode.NORMAL
    justification: str = ""
    patient_identity: TypedIdentity = TypedIdentity()    # emergency modes: as the professional typed it


def _record(deps: Dependencies, w: Who, access: Access, *, action: str, decision: Decision, now: datetime,
            allowed: bool, document: Document | None = None, resource_label: str = "",
            secret: bool = False) -> None:
    """Audit first (fail closed); then, for a professional's access, the notice for the patient.
    `secret`: what was read is hidden from the legal representatives (DOMAIN §10.4)."""
    justification = emergency_identity.recorded_justification(access.mode, access.patient_identity,
                                                              access.justification)
    deps.audit.append(auditing.record(w, action=action, decision=decision, now=now, document=document,
                                      mode=access.mode, justification=justification,
                                      resource_label=resource_label))
    if allowed and w.caller.actor_type == PROFESSIONAL:
        secret = secret or (document is not None and document.visibility.hidden_from_legal_representatives)
        notice = access_notice(w, access.mode, now, hidden_from_legal_representatives=secret)
        if notice.event_id not in deps.notices_written:
            with deps.unit_of_work() as repo:
                repo.add_notice(notice, once=True)
            deps.notices_written.add(notice.event_id)


def _refuse_wrong_identity(deps: Dependencies, w: Who, access: Access, *, action: str, now: datetime) -> None:
    """An emergency access naming someone else than the patient: audited as denied, then refused."""
    refusal = emergency_identity.refusal(w, access.mode, access.patient_identity)
    if refusal is not None:
        _record(deps, w, access, action=action, decision=refusal, now=now, allowed=False)
        raise emergency_identity.mismatch_error()


def _decided_read(deps: Dependencies, caller: Caller, patient_id: str, document_id: str, access: Access,
                  action: str):
    require_ids(patient_id=patient_id, document_id=document_id)
    emergency_identity.validate(access.mode, access.patient_identity)
    w = who(deps, caller, patient_id)
    now = deps.now()
    reach.refuse_if_closed(deps, w, action=action, now=now, read=True)
    _refuse_wrong_identity(deps, w, access, action=action, now=now)      # before the lookup: says nothing of the id
    with (deps.single_read or deps.unit_of_work)() as repo:
        document = repo.get_document(patient_id, document_id)
    if document is None:     # audited and answered as a refusal: the same, existing or not (reach)
        deps.audit.append(reach.naming(auditing.record(
            w, action=action, decision=reach.MISSING, now=now, mode=access.mode,
            justification=emergency_identity.recorded_justification(access.mode, access.patient_identity,
                                                                    access.justification)), document_id))
        raise reach.refusal(w, now, DENIED, access.mode, access.justification)
    decision = read_decision(w, document, now, access.mode, access.justification)
    _record(deps, w, access, action=action, decision=decision, now=now, allowed=decision.allowed, document=document)
    if not decision.allowed:
        raise reach.refusal(w, now, DENIED, access.mode, access.justification)
    return w, document, decision, now


def get_document(deps: Dependencies, caller: Caller, patient_id: str, document_id: str, access: Access) -> Shown:
    w, document, decision, now = _decided_read(deps, caller, patient_id, document_id, access, auditing.READ)
    return shown(w, document, now, decision)


def download(deps: Dependencies, caller: Caller, patient_id: str, document_id: str,
             access: Access) -> tuple[Shown, Iterator[bytes]]:
    """The document and its bytes in chunks, checked against the recorded SHA-256 before the first one."""
    w, document, decision, now = _decided_read(deps, caller, patient_id, document_id, access, auditing.DOWNLOAD)
    try:
        data = deps.objects.get(document.object_key)
    except Exception as exc:
        log.error("object store read failed", extra={"document_id": document_id}, exc_info=exc)
        raise Unavailable("Stockage des documents indisponible, réessayez plus tard", reason="STORAGE_UNAVAILABLE") from None
    if len(data) != document.size_bytes or hashlib.sha256(data).hexdigest() != document.sha256:
        log.error("stored document does not match its SHA-256", extra={"document_id": document_id,
                                                                       "object_key": document.object_key})
        raise DataLoss("Le document stocké est altéré : il n'est pas transmis", reason="CHECKSUM_MISMATCH")

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(data), CHUNK_BYTES):
            yield data[start:start + CHUNK_BYTES]
    return shown(w, document, now, decision), chunks()


def _tombstone_shown(w: Who, document: Document) -> bool:
    """The holder's side sees the tombstone of a document it could read when its author deleted it:
    never one deleted under embargo, never a secret one to a delegate (DOMAIN §10.3, §10.4)."""
    if document.deleted_at is None or not permissions.holder_decision(w.actor, w.context.settings).allowed:
        return False
    return read_decision(w, dataclasses.replace(document, state=AVAILABLE), document.deleted_at).allowed


def _list_record_decision(gate: Decision, shown_rules: set[str], denied_rules: set[str]) -> Decision:
    """One record for the whole listing: the rules of what was shown, or of what was withheld."""
    if shown_rules:
        return Decision(True, ",".join(sorted(shown_rules)), "documents shown")
    if denied_rules:
        return Decision(False, ",".join(sorted(denied_rules)), "every document withheld")
    return gate


def list_documents(deps: Dependencies, caller: Caller, patient_id: str, filters: listing.Filters, *,
                   sort: str, page_size: int, page_token: str, access: Access) -> tuple[list[Shown], str, str]:
    """A page of what the caller may see, its next page token, and the rule refusing the caller the
    whole space ("" when none: see reach.space_refusal)."""
    require_ids(patient_id=patient_id)
    listing.page_size_of(page_size)
    listing.decode_token(page_token, sort)
    emergency_identity.validate(access.mode, access.patient_identity)
    w = who(deps, caller, patient_id)
    now = deps.now()
    reach.refuse_if_closed(deps, w, action=auditing.LIST, now=now, read=True)
    _refuse_wrong_identity(deps, w, access, action=auditing.LIST, now=now)
    gate = permissions.list_decision(w.actor, w.context.settings, mode=access.mode, justification=access.justification)
    if not gate.allowed:
        _record(deps, w, access, action=auditing.LIST, decision=gate, now=now, allowed=False)
        raise denied(gate, "Vous ne pouvez pas consulter les documents de ce profil")
    with deps.unit_of_work() as repo:
        candidates = [d for d in repo.list_documents(patient_id) if filters.matches(d)]
    visible, decisions, shown_rules, denied_rules = [], {}, set(), set()
    for document in candidates:
        decision = read_decision(w, document, now, access.mode, access.justification)
        if document.deleted and filters.include_deleted and _tombstone_shown(w, document):
            decision = Decision(True, decision.rule, "tombstone of a document deleted by its author")
        decisions[document.document_id] = decision
        if decision.allowed:
            visible.append(document)
        else:
            denied_rules.add(decision.rule)
    page = listing.paginate(visible, sort=sort, page_size=page_size, page_token=page_token)
    shown_rules = {decisions[d.document_id].rule for d in page.documents}
    record_decision = _list_record_decision(gate, shown_rules, denied_rules)
    label = f"{len(page.documents)} document(s) affiché(s) sur {len(visible)}"   # never counts what is withheld
    secret = bool(page.documents) and all(d.visibility.hidden_from_legal_representatives for d in page.documents)
    _record(deps, w, access, action=auditing.LIST, decision=record_decision, now=now, allowed=gate.allowed,
            resource_label=label, secret=secret)
    space = reach.space_refusal(w, now, access.mode, access.justification)
    return ([shown(w, d, now, decisions[d.document_id]) for d in page.documents], page.next_page_token,
            space.rule.upper() if space is not None else "")
