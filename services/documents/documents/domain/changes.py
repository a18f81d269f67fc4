"""Changes: metadata, organisation, visibility, deletion (DOMAIN.md §2.3-§2.4).

Each change is decided (`permissions.change_decision`), then made together with its AUDIT_RECORD
outbox event in one transaction; a refused change writes only its (denied) audit event. Deleting
removes the row (the patient's own deposits) or leaves a tombstone (a professional's deposit deleted
by its author) in the transaction, and the object after the commit.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime

from meskit import events
from meskit.auth import OPERATOR, SERVICE, Caller
from meskit.errors import DomainError, InvalidArgument, PermissionDenied, Violations, require_ids

from documents.domain import auditing, catalog, embargo, permissions, reach
from documents.domain.access import ActorType, Decision
from documents.domain.actors import Who, who
from documents.domain.deposit import PARIS, TITLE_LIMIT, parse_document_date
from documents.domain.lookup import get_or_404
from documents.domain.models import DELETED_BY_AUTHOR, Document, Shown
from documents.domain.notices import A_PROFESSIONAL
from documents.domain.permissions import denied, read_decision
from documents.domain.ports import Dependencies
from documents.domain.showing import shown

log = logging.getLogger("documents.changes")
MAX_BATCH_DELETE = 10
MODIF_DOCUMENT, SUPP_DOC = "MODIF_DOCUMENT", "SUPP_DOC"
CHANGE_REFUSED = "Vous ne pouvez pas modifier ce document"


@dataclass(frozen=True, kw_only=True)
class MetadataChange:
    title: str | None = None
    document_date: str | None = None
    category: str | None = None
    pinned: bool | None = None
    folder_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class VisibilityChange:
    masked: bool | None = None
    hidden_from_patient: bool | None = None
    hidden_from_legal_representatives: bool | None = None
    hidden_from_patient_until: datetime | None = None


def _refuse(deps: Dependencies, w: Who, action: str, decision: Decision, now: datetime, document: Document | None,
            read: Decision | None, document_id: str, message: str = CHANGE_REFUSED) -> DomainError:
    """The refused change is recorded (its own transaction: nothing else is written). A document the
    caller cannot read, or none, is refused alike (reach)."""
    with deps.unit_of_work() as repo:
        repo.add_audit(reach.naming(auditing.record(w, action=action, decision=decision, now=now, document=document),
                                    document_id))
    return denied(decision, message) if reach.reachable(read) else reach.refusal(w, now, message)


def _decided(w: Who, document: Document | None, operations: list[str], now: datetime
             ) -> tuple[Decision | None, Decision, bool]:
    """(read decision or None without a document, change decision, allowed)."""
    if document is None:
        return None, reach.MISSING, False
    read = read_decision(w, document, now)
    decision, allowed = _first_denied(w, document, operations, read)
    return read, decision, allowed and read.allowed


def _first_denied(w: Who, document: Document, operations: list[str], read: Decision) -> tuple[Decision, bool]:
    decisions = [permissions.change_decision(w.actor, w.context.settings, document, op, read) for op in operations]
    refused = [d for d in decisions if not d.allowed]
    return (refused[0], False) if refused else (decisions[0], True)


def update_document(deps: Dependencies, caller: Caller, patient_id: str, document_id: str,
                    change: MetadataChange) -> Shown:
    require_ids(patient_id=patient_id, document_id=document_id)
    operations = []
    if change.title is not None or change.document_date is not None or change.category is not None:
        operations.append(permissions.UPDATE_METADATA)
    if change.pinned is not None or change.folder_id is not None:
        operations.append(permissions.ORGANISE)
    if not operations:
        raise InvalidArgument("Aucune modification demandée")
    w = who(deps, caller, patient_id)
    now = deps.now()
    values = _metadata_values(change, now)
    reach.refuse_if_closed(deps, w, action=auditing.UPDATE, now=now, read=False)
    with deps.unit_of_work() as repo:
        document = repo.get_document(patient_id, document_id, for_update=True)
        read, decision, allowed = _decided(w, document, operations, now)
        if allowed:
            if change.folder_id and repo.get_folder(patient_id, change.folder_id) is None:
                raise InvalidArgument("Dossier introuvable", reason="FOLDER_NOT_FOUND")
            if change.pinned is not None:
                values.update(pinned=change.pinned, pinned_at=now if change.pinned else None)
            repo.update_document(patient_id, document_id, **values)
            updated = get_or_404(repo, patient_id, document_id)
            repo.add_audit(auditing.record(w, action=auditing.UPDATE, decision=decision, now=now, document=updated))
    if not allowed:
        raise _refuse(deps, w, auditing.UPDATE, decision, now, document, read, document_id)
    return shown(w, updated, now)


def _metadata_values(change: MetadataChange, now: datetime) -> dict:
    values: dict = {"updated_at": now}
    v = Violations()
    if change.title is not None:
        title = change.title.strip()
        if not title:
            v.add("title", "champ obligatoire")
        v.max_length(title, "title", TITLE_LIMIT)
        values["title"] = title
    if change.folder_id is not None:
        v.max_length(change.folder_id, "folder_id", 64)
        values["folder_id"] = change.folder_id or None
    v.raise_if_any()
    if change.document_date is not None:
        values["document_date"] = parse_document_date(change.document_date, now.astimezone(PARIS).date())
    if change.category is not None:
        if change.category not in catalog.SELECTABLE_CATEGORIES:
            raise InvalidArgument("Catégorie de document invalide", reason="INVALID_CATEGORY")
        type_code = catalog.PATIENT_TYPE_FOR_CATEGORY[change.category]
        values.update(category=change.category, type_code=type_code, class_code=catalog.TYPES[type_code].class_code)
    return values


def set_visibility(deps: Dependencies, caller: Caller, patient_id: str, document_id: str,
                   change: VisibilityChange) -> Shown:
    require_ids(patient_id=patient_id, document_id=document_id)
    operations = []
    if change.masked is not None:
        operations.append(permissions.MASK if change.masked else permissions.UNMASK)
    if change.hidden_from_patient is not None:
        operations.append(permissions.HIDE_FROM_PATIENT)
    if change.hidden_from_legal_representatives is not None:
        operations.append(permissions.HIDE_FROM_LEGAL_REPRESENTATIVES)
    now = deps.now()
    if change.hidden_from_patient_until is not None and (
            not change.hidden_from_patient or change.hidden_from_patient_until <= now):
        raise InvalidArgument("hidden_from_patient_until : une date future, avec hidden_from_patient = true",
                              reason="INVALID_DATE")
    if not operations:
        raise InvalidArgument("Aucune modification demandée")
    w = who(deps, caller, patient_id)
    reach.refuse_if_closed(deps, w, action=auditing.VISIBILITY_CHANGE, now=now, read=False)
    with deps.unit_of_work() as repo:
        document = repo.get_document(patient_id, document_id, for_update=True)
        read, decision, allowed = _decided(w, document, operations, now)
        if allowed:
            assert document is not None, "allowed only for a document found"
            values: dict = {"updated_at": now}
            if change.masked is not None:
                values["masked"] = change.masked
            if change.hidden_from_patient is not None:
                values.update(hidden_from_patient=change.hidden_from_patient,
                              hidden_from_patient_until=change.hidden_from_patient_until
                              if change.hidden_from_patient else None)
            if change.hidden_from_legal_representatives is not None:
                values["hidden_from_legal_representatives"] = change.hidden_from_legal_representatives
            repo.update_document(patient_id, document_id, **values)
            updated = get_or_404(repo, patient_id, document_id)
            repo.add_audit(auditing.record(w, action=auditing.VISIBILITY_CHANGE, decision=decision, now=now, document=updated))
            _visibility_told(repo, w, document, updated, now)
    if not allowed:
        raise _refuse(deps, w, auditing.VISIBILITY_CHANGE, decision, now, document, read, document_id)
    return shown(w, updated, now)


def _visibility_told(repo, w: Who, before: Document, after: Document, now: datetime) -> None:
    """The author lifting an embargo tells the patient (once) and audit; one setting it is reminded;
    audit learns any other new restriction; any other change by a professional is told to the patient
    unless embargoed."""
    if before.visibility == after.visibility:    # nothing changed (e.g. lifted by the automatic pass meanwhile)
        return
    if before.visibility.hidden_from_patient and not after.visibility.hidden_from_patient:
        embargo.lifted(repo, before, now, after)     # as the automatic pass would (even if its time has come)
        return
    restricted = lambda d: (d.visibility.hidden_from_patient, d.visible_to_patient_from(),  # noqa: E731
                            d.visibility.hidden_from_legal_representatives)
    if restricted(before) != restricted(after):
        embargo.restriction_changed(repo, after, now)
    was, now_embargoed = embargo.embargoed(before, now), embargo.embargoed(after, now)
    if now_embargoed and not was and w.context.professional is not None:
        repo.add_notice(embargo.reminder(after, w.actor.id, w.context.professional.notification_address, now))
    elif not now_embargoed:
        _professional_change_told(repo, w, after, MODIF_DOCUMENT, now)


def _professional_change_told(repo, w: Who, document: Document, event_type: str, now: datetime) -> None:
    """A professional's change of a document the patient may know of (point 6 of issue 10, DOMAIN §8)."""
    if w.actor.type != ActorType.PROFESSIONAL or document.patient_side:
        return
    repo.add_notice(events.envelope(event_type, document.patient_id, events.ActorNotice(
        actor_display=w.display_name or A_PROFESSIONAL), occurred_at=now,
        hidden_from_legal_representatives=document.visibility.hidden_from_legal_representatives))


def mask_all(deps: Dependencies, caller: Caller, patient_id: str, masked: bool) -> tuple[int, list[str]]:
    """Masks (or unmasks) every document the holder sees; returns how many changed."""
    require_ids(patient_id=patient_id)
    w = who(deps, caller, patient_id)
    now = deps.now()
    reach.refuse_if_closed(deps, w, action=auditing.VISIBILITY_CHANGE, now=now, read=False)
    holder = permissions.holder_decision(w.actor, w.context.settings)
    operation = permissions.MASK if masked else permissions.UNMASK
    changed = 0
    with deps.unit_of_work() as repo:
        if holder.allowed:
            for document in repo.list_documents(patient_id, for_update=True):
                if document.deleted or document.visibility.masked == masked:
                    continue
                decision = permissions.change_decision(w.actor, w.context.settings, document, operation,
                                                       read_decision(w, document, now))
                if decision.allowed:
                    repo.update_document(document.patient_id, document.document_id, masked=masked, updated_at=now)
                    changed += 1
            label = f"{changed} document(s) {'masqué(s)' if masked else 'démasqué(s)'}"
            repo.add_audit(auditing.record(w, action=auditing.VISIBILITY_CHANGE, decision=holder, now=now,
                                   resource_label=label))
    if not holder.allowed:
        with deps.unit_of_work() as repo:
            repo.add_audit(auditing.record(w, action=auditing.VISIBILITY_CHANGE, decision=holder, now=now))
        raise denied(holder, CHANGE_REFUSED)
    return changed, []


def delete_documents(deps: Dependencies, caller: Caller, patient_id: str, document_ids: list[str]) -> None:
    """All or nothing: every document must exist and be deletable by the caller."""
    require_ids(patient_id=patient_id)
    if not 1 <= len(document_ids) <= MAX_BATCH_DELETE:
        raise InvalidArgument(f"De 1 à {MAX_BATCH_DELETE} documents par suppression", reason="BATCH_SIZE")
    if len(set(document_ids)) != len(document_ids):
        raise InvalidArgument("Document en double dans la demande")
    for document_id in document_ids:
        require_ids(document_id=document_id)
    w = who(deps, caller, patient_id)
    now = deps.now()
    reach.refuse_if_closed(deps, w, action=auditing.DELETE, now=now, read=False)
    removed_keys: list[str] = []
    with deps.unit_of_work() as repo:
        documents = [repo.get_document(patient_id, d, for_update=True) for d in document_ids]
        decided = [_decided(w, d, [permissions.DELETE], now) for d in documents]
        refused = [(d, document_id, decision) for d, document_id, (_, decision, allowed)
                   in zip(documents, document_ids, decided) if not allowed]
        if not refused:
            for document, (_, decision, _) in zip(documents, decided):
                assert document is not None, "every document was found"
                if document.patient_side:
                    repo.delete_document(document.patient_id, document.document_id)
                    repo.add_audit(auditing.record(w, action=auditing.DELETE, decision=decision, now=now,
                                                   document=document))
                else:
                    repo.update_document(document.patient_id, document.document_id, state=DELETED_BY_AUTHOR, deleted_at=now,
                                         updated_at=now, pinned=False, pinned_at=None, folder_id=None)
                    tombstone = replace(document, state=DELETED_BY_AUTHOR, deleted_at=now)
                    repo.add_audit(auditing.record(w, action=auditing.DELETE, decision=decision, now=now,
                                                   document=tombstone))
                    if embargo.embargoed(document, now):    # never announced: stays neutral in her history
                        embargo.restriction_changed(repo, tombstone, now)
                    else:
                        _professional_change_told(repo, w, document, SUPP_DOC, now)
                removed_keys.append(document.object_key)
    if refused:
        message = "Vous ne pouvez pas supprimer ce document"
        with deps.unit_of_work() as repo:
            for document, document_id, decision in refused:
                repo.add_audit(reach.naming(auditing.record(w, action=auditing.DELETE, decision=decision, now=now,
                                                            document=document), document_id))
        if not all(reach.reachable(read) for read, _, _ in decided):
            raise reach.refusal(w, now, message)      # whichever is missing or out of reach: the same answer
        raise denied(refused[0][2], message)
    _remove_objects(deps, removed_keys)


def delete_patient_documents(deps: Dependencies, caller: Caller, patient_id: str, reason: str) -> int:
    """Erasure of a whole space: identity after a closure with deletion, or operators at the end of retention."""
    require_ids(patient_id=patient_id)
    if not (caller.actor_type == OPERATOR or (caller.actor_type == SERVICE and caller.subject == "identity")):
        raise PermissionDenied("Réservé aux opérateurs et au service d'identité")
    v = Violations()
    v.require(reason, "reason")
    v.max_length(reason, "reason", 200)
    v.raise_if_any()
    now = deps.now()
    decision = Decision(True, permissions.OPERATOR_ERASURE, reason)
    with deps.unit_of_work() as repo:
        keys = repo.delete_patient_documents(patient_id)
        record = auditing.record_of(caller, patient_id=patient_id, action=auditing.DELETE, decision=decision, now=now,
                                    resource_label=f"{len(keys)} document(s) effacé(s) : {reason}")
        repo.add_audit(record)
    _remove_objects(deps, keys)
    return len(keys)


def _remove_objects(deps: Dependencies, keys: list[str]) -> None:
    for key in keys:
        try:
            deps.objects.delete(key)
        except Exception:
            log.error("object left behind after its row was deleted", extra={"object_key": key}, exc_info=True)
