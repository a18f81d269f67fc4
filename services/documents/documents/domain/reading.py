"""Reading: metadata, download and listing. Each is decided, then recorded in audit BEFORE any data
leaves (synchronously; if audit cannot be written the read is refused), allowed or denied alike:
exactly one audit record per read request.

A read goes through each step once: identify the caller (actors.who), fetch (lookup), decide
(permissions), record (auditing, then the patient's notice), answer (showing)."""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
from collections.abc import Generator
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
from documents.domain.notices import access_notice, access_notice_id
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
        notice_id = access_notice_id(w, access.mode, now, hidden_from_legal_representatives=secret)
        if notice_id not in deps.notices_written:
            with deps.unit_of_work() as repo:
                repo.add_notice(access_notice(w, access.mode, now, hidden_from_legal_representatives=secret),
                                once=True)
            deps.notices_written.add(notice_id)


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
    with deps.reader() as repo:
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
             access: Access) -> tuple[Shown, Generator[bytes, None, None]]:
    """The document and its bytes in chunks, streamed from the store and checked as they go (_verified)."""
    w, document, decision, now = _decided_read(deps, caller, patient_id, document_id, access, auditing.DOWNLOAD)
    try:
        chunks = deps.objects.stream(document.object_key, CHUNK_BYTES)
    except Exception as exc:
        raise _unavailable(document_id, exc) from None
    return shown(w, document, now, decision), _verified(document, chunks)


def _verified(document: Document, chunks: Generator[bytes, None, None]) -> Generator[bytes, None, None]:
    """The stored bytes as they arrive, but the last one (the chunk reaching the recorded size): it
    leaves only once the object has ended there and its SHA-256 matches the record, so a corrupted
    object is never served whole (the stream ends with DATA_LOSS instead). Holds one chunk at a
    time; closing it releases the store's connection."""
    digest, size, last = hashlib.sha256(), 0, None
    with contextlib.closing(chunks):
        try:
            for chunk in chunks:
                size += len(chunk)
                if size > document.size_bytes:
                    break
                digest.update(chunk)
                if size < document.size_bytes:
                    yield chunk
                else:
                    last = chunk
        except Exception as exc:
            raise _unavailable(document.document_id, exc) from None
    if size != document.size_bytes or digest.hexdigest() != document.sha256:
        log.error("stored document does not match its SHA-256", extra={"document_id": document.document_id,
                                                                       "object_key": document.object_key})
        raise DataLoss("Le document stocké est altéré : il n'est pas transmis", reason="CHECKSUM_MISMATCH")
    if last is not None:
        yield last


def _unavailable(document_id: str, exc: Exception) -> Unavailable:
    log.error("object store read failed", extra={"document_id": document_id}, exc_info=exc)
    return Unavailable("Stockage des documents indisponible, réessayez plus tard", reason="STORAGE_UNAVAILABLE")


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


def _list_decision(w: Who, document: Document, filters: listing.Filters, access: Access, now: datetime) -> Decision:
    decision = read_decision(w, document, now, access.mode, access.justification)
    if document.deleted and filters.include_deleted and _tombstone_shown(w, document):
        return Decision(True, decision.rule, "tombstone of a document deleted by its author")
    return decision


def _decided_page(deps: Dependencies, w: Who, filters: listing.Filters, access: Access, now: datetime, *,
                  sort: str, size: int, after: list[str] | None):
    """Up to size + 1 documents the caller may see after `after`, each with its key: rows are fetched
    in order, decided one by one, and fetched further until the page is full or none is left."""
    within = listing.reach_of(w, access.mode)
    visible: list[tuple[list[str], Document]] = []
    decisions: dict[str, Decision] = {}
    denied_rules: set[str] = set()
    batch = size + 1
    while len(visible) <= size:
        with deps.reader() as repo:
            rows = repo.page_documents(w.patient_id, filters, within, sort=sort,
                                       after=listing.after_values(sort, after), limit=batch)
        for key, document in rows:
            decision = decisions[document.document_id] = _list_decision(w, document, filters, access, now)
            if decision.allowed:
                visible.append((key, document))
            else:
                denied_rules.add(decision.rule)
        if len(rows) < batch:
            break
        after, batch = rows[-1][0], min(batch * 2, 1000)
    return visible, decisions, denied_rules


def _withheld_rules(deps: Dependencies, w: Who, filters: listing.Filters, access: Access, now: datetime) -> set[str]:
    """Nothing to show: the rules withholding the rows the query left out, for the audit record."""
    with deps.reader() as repo:
        rows = repo.page_documents(w.patient_id, filters, listing.Reach(), sort=listing.DATE_DESC, after=None,
                                   limit=1_000_000)
    return {decision.rule for decision in (_list_decision(w, d, filters, access, now) for _, d in rows)
            if not decision.allowed}


def list_documents(deps: Dependencies, caller: Caller, patient_id: str, filters: listing.Filters, *,
                   sort: str, page_size: int, page_token: str, access: Access) -> tuple[list[Shown], str, str]:
    """A page of what the caller may see, its next page token, and the rule refusing the caller the
    whole space ("" when none: see reach.space_refusal)."""
    require_ids(patient_id=patient_id)
    size = listing.page_size_of(page_size)
    listing.after_values(listing.check_sort(sort), listing.decode_token(page_token, sort))
    emergency_identity.validate(access.mode, access.patient_identity)
    w = who(deps, caller, patient_id)
    now = deps.now()
    reach.refuse_if_closed(deps, w, action=auditing.LIST, now=now, read=True)
    _refuse_wrong_identity(deps, w, access, action=auditing.LIST, now=now)
    gate = permissions.list_decision(w.actor, w.context.settings, mode=access.mode, justification=access.justification)
    if not gate.allowed:
        _record(deps, w, access, action=auditing.LIST, decision=gate, now=now, allowed=False)
        raise denied(gate, "Vous ne pouvez pas consulter les documents de ce profil")
    visible, decisions, denied_rules = _decided_page(deps, w, filters, access, now, sort=sort, size=size,
                                                     after=listing.decode_token(page_token, sort))
    page = visible[:size]
    token = listing.encode_token(sort, page[-1][0]) if len(visible) > size else ""
    shown_documents = [d for _, d in page]
    if not shown_documents:      # the query left out rows the caller cannot read: their rules, for the record
        denied_rules = _withheld_rules(deps, w, filters, access, now)
    record_decision = _list_record_decision(gate, {decisions[d.document_id].rule for d in shown_documents}, denied_rules)
    label = f"{len(shown_documents)} document(s) affiché(s)" + (", d'autres suivent" if token else "")
    secret = bool(shown_documents) and all(d.visibility.hidden_from_legal_representatives for d in shown_documents)
    _record(deps, w, access, action=auditing.LIST, decision=record_decision, now=now, allowed=gate.allowed,
            resource_label=label, secret=secret)
    space = reach.space_refusal(w, now, access.mode, access.justification)
    return ([shown(w, d, now, decisions[d.document_id]) for d in shown_documents], token,
            space.rule.upper() if space is not None else "")
