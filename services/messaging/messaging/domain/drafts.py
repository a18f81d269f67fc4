"""Drafts: messages the patient's side is writing (a reply, or a new conversation), with their
attachments already checked and stored. Sending one writes the message like SendMessage, with the
draft's attachments moved onto it, and deletes the draft in the same transaction."""
from __future__ import annotations

import uuid

from meskit import paging
from meskit.auth import Caller
from meskit.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, Violations, require_ids

from messaging.domain import attachments as files
from messaging.domain import auditing, conversations, messages, pharmacies
from messaging.domain.actors import Who, who
from messaging.domain.attachments import NewAttachment
from messaging.domain.lookup import visible
from messaging.domain.models import MAX_BODY_CHARS, MAX_MESSAGE_ATTACHMENT_BYTES, MAX_SUBJECT_CHARS, Conversation, Draft, Message
from messaging.domain.ports import Dependencies

NO_SUCH_DRAFT = "Brouillon introuvable"


def remaining_bytes(d: Draft) -> int:
    return max(0, MAX_MESSAGE_ATTACHMENT_BYTES - sum(a.size_bytes for a in d.attachments))


def _patient_side(deps: Dependencies, caller: Caller, patient_id: str) -> Who:
    w = who(deps, caller, patient_id, missing=NO_SUCH_DRAFT)
    if not w.patient_side:
        raise PermissionDenied("Les brouillons sont ceux du patient", reason="PATIENT_SIDE_ONLY")
    return w


def _check(subject: str, body: str, recipient_ids: list[str]) -> None:
    v = Violations()
    v.max_length(subject, "subject", MAX_SUBJECT_CHARS)
    v.max_length(body, "body", MAX_BODY_CHARS)
    if len(recipient_ids) > 10:
        v.add("recipient_ids", "10 destinataires au plus")
    for index, r in enumerate(recipient_ids):
        v.max_length(r, f"recipient_ids[{index}]", 64)
    v.raise_if_any()


def _mine(repo, w: Who, draft_id: str, *, for_update: bool = False) -> Draft:
    found = repo.get_draft(draft_id, for_update=for_update)
    if found is None or found.patient_id != w.patient_id:
        raise NotFound(NO_SUCH_DRAFT)
    if found.conversation_id and w.kept_from_secret:
        on = repo.get_conversation(found.conversation_id)
        if on is not None and on.hidden_from_legal_representatives:
            raise NotFound(NO_SUCH_DRAFT)
    return found


def create_draft(deps: Dependencies, caller: Caller, patient_id: str, *, conversation_id: str, recipient_ids: list[str],
                 reply_option: str, subject: str, body: str, attachments: list[NewAttachment],
                 request_acknowledgement: bool) -> Draft:
    require_ids(patient_id=patient_id)
    w = _patient_side(deps, caller, patient_id)
    _check(subject, body, recipient_ids)
    option = messages.reply_option_of(reply_option) if conversation_id else ""
    kept_ids = [a.kept_id for a in attachments if a.kept_id]
    with deps.unit_of_work() as repo:
        if conversation_id:
            visible(repo, w, conversation_id)
        uploads = files.resolve_uploads(repo, kept_ids, patient_id, caller.subject)
    checked = files.check(attachments, uploads)
    now = deps.now()
    draft_id = str(uuid.uuid4())
    stored = files.store(deps, patient_id, checked, now, draft_id=draft_id)
    try:
        with deps.unit_of_work() as repo:
            repo.add_draft(Draft(draft_id=draft_id, patient_id=patient_id, author_id=caller.subject, created_at=now,
                                 updated_at=now, conversation_id=conversation_id, recipient_ids=tuple(recipient_ids),
                                 reply_option=option, subject=subject, body=body,
                                 request_acknowledgement=request_acknowledgement))
            for a in stored:
                repo.add_attachment(a)
            files.resolve_uploads(repo, kept_ids, patient_id, caller.subject, for_update=True)
            repo.move_attachments(kept_ids, draft_id=draft_id)
            repo.add_audit(auditing.record(w, action=auditing.CREATE, resource_type=auditing.DRAFT,
                                           resource_id=draft_id, rule="patient_side", now=now))
            return _mine(repo, w, draft_id)
    except BaseException:
        files.discard(deps, stored)
        raise


def list_drafts(deps: Dependencies, caller: Caller, patient_id: str, page_size: int, page_token: str) -> tuple[list[Draft], str]:
    require_ids(patient_id=patient_id)
    offset, limit = paging.page(page_size, page_token)
    with auditing.refusals_recorded(deps, caller, patient_id, action=auditing.LIST, resource_type=auditing.DRAFT):
        w = _patient_side(deps, caller, patient_id)
    with deps.unit_of_work() as repo:
        found = repo.list_drafts(patient_id, offset=offset, limit=limit + 1, without_secret=w.kept_from_secret)
    deps.audit.append(auditing.record(w, action=auditing.LIST, resource_type=auditing.DRAFT, resource_id="",
                                      rule="patient_side", now=deps.now()))
    return found[:limit], paging.next_token(offset, limit, len(found))


def get_draft(deps: Dependencies, caller: Caller, patient_id: str, draft_id: str) -> Draft:
    require_ids(patient_id=patient_id, draft_id=draft_id)
    with auditing.refusals_recorded(deps, caller, patient_id, action=auditing.READ, resource_type=auditing.DRAFT,
                                    resource_id=draft_id):
        w = _patient_side(deps, caller, patient_id)
        with deps.unit_of_work() as repo:
            found = _mine(repo, w, draft_id)
    deps.audit.append(auditing.record(w, action=auditing.READ, resource_type=auditing.DRAFT, resource_id=draft_id,
                                      rule="patient_side", now=deps.now()))
    return found


def update_draft(deps: Dependencies, caller: Caller, patient_id: str, draft_id: str, *, recipient_ids: list[str],
                 reply_option: str, subject: str, body: str, attachments: list[NewAttachment],
                 request_acknowledgement: bool) -> Draft:
    """Everything replaced; an attachment_id keeps one of the draft's, the others are deleted."""
    require_ids(patient_id=patient_id, draft_id=draft_id)
    w = _patient_side(deps, caller, patient_id)
    _check(subject, body, recipient_ids)
    with deps.unit_of_work() as repo:
        current = _mine(repo, w, draft_id)
    option = messages.reply_option_of(reply_option) if current.conversation_id else ""
    on_draft = {a.attachment_id: a for a in current.attachments}
    kept_ids = [a.kept_id for a in attachments if a.kept_id]
    upload_ids = [k for k in kept_ids if k not in on_draft]
    try:
        with deps.unit_of_work() as repo:
            uploads = files.resolve_uploads(repo, upload_ids, patient_id, caller.subject)
    except InvalidArgument:
        raise InvalidArgument("Pièce jointe absente de ce brouillon", reason="ATTACHMENT_NOT_ON_DRAFT") from None
    checked = files.check(attachments, [on_draft[k] for k in kept_ids if k in on_draft] + uploads)
    now = deps.now()
    stored = files.store(deps, patient_id, checked, now, draft_id=draft_id, first_position=len(current.attachments))
    try:
        with deps.unit_of_work() as repo:
            _mine(repo, w, draft_id, for_update=True)
            repo.update_draft(draft_id, recipient_ids=list(recipient_ids), reply_option=option, subject=subject, body=body,
                              request_acknowledgement=request_acknowledgement, updated_at=now)
            for a in stored:
                repo.add_attachment(a)
            files.resolve_uploads(repo, upload_ids, patient_id, caller.subject, for_update=True)
            repo.move_attachments(upload_ids, draft_id=draft_id)
            dropped = repo.delete_attachments([i for i in on_draft if i not in kept_ids])
            repo.add_audit(auditing.record(w, action=auditing.UPDATE, resource_type=auditing.DRAFT,
                                           resource_id=draft_id, rule="patient_side", now=now))
            updated = _mine(repo, w, draft_id)
    except BaseException:
        files.discard(deps, stored)
        raise
    files.discard(deps, dropped)
    return updated


def delete_draft(deps: Dependencies, caller: Caller, patient_id: str, draft_id: str) -> None:
    require_ids(patient_id=patient_id, draft_id=draft_id)
    w = _patient_side(deps, caller, patient_id)
    now = deps.now()
    with deps.unit_of_work() as repo:
        found = _mine(repo, w, draft_id, for_update=True)
        dropped = repo.delete_attachments([a.attachment_id for a in found.attachments])
        repo.delete_draft(draft_id)
        repo.add_audit(auditing.record(w, action=auditing.DELETE, resource_type=auditing.DRAFT, resource_id=draft_id,
                                       rule="patient_side", now=now))
    files.discard(deps, dropped)


def send_draft(deps: Dependencies, caller: Caller, patient_id: str, draft_id: str) -> tuple[Who, Conversation, Message]:
    require_ids(patient_id=patient_id, draft_id=draft_id)
    w = _patient_side(deps, caller, patient_id)
    with deps.unit_of_work() as repo:
        draft = _mine(repo, w, draft_id)
    v = Violations()
    messages.check_text(v, draft.body, "")
    if not draft.conversation_id:
        v.require(draft.subject.strip(), "subject")
    v.raise_if_any()
    if not draft.conversation_id:       # a new conversation: her side writes first only to a pharmacy
        pharmacy = pharmacies.first_recipient(deps, list(draft.recipient_ids))
        summary, sent = conversations.to_pharmacy(
            deps, w, pharmacy, subject=draft.subject.strip(), body=draft.body, attachments=[],
            request_acknowledgement=draft.request_acknowledgement, kept=list(draft.attachments), draft_id=draft_id)
        return w, summary.conversation, sent
    with deps.unit_of_work() as repo:
        conversation = visible(repo, w, draft.conversation_id)
    return w, conversation, messages.write(deps, w, conversation, body=draft.body, attachments=[], kept=list(draft.attachments),
                                           reply_option=draft.reply_option or "reply",
                                           request_acknowledgement=draft.request_acknowledgement, draft_id=draft_id)
