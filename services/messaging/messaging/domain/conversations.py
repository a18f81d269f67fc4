"""Conversations: list, show, start, close, delete on the patient side, mark read.

Starting rule (DOMAIN §7, §10.6): a professional with an MSSanté mailbox, not blocked by the
patient, starts a conversation with her; a patient (or her delegate within scope) may start one
only with a pharmacy's organisational mailbox (domain/pharmacies.py). Lists and shows
are recorded in audit before they answer; changes write their record to the outbox.
"""
from __future__ import annotations

import uuid

from meskit import paging
from meskit.auth import PROFESSIONAL, Caller
from meskit.errors import InvalidArgument, PermissionDenied, Violations, require_ids

from messaging.domain import auditing, messages, pharmacies
from messaging.domain.actors import Who, may_write, who
from messaging.domain.attachments import NewAttachment
from messaging.domain.lookup import visible
from messaging.domain.models import (
    CLOSED, MAX_SUBJECT_CHARS, OPEN, PATIENT, PERSONAL, PROFESSIONAL as PROFESSIONAL_PARTICIPANT, Attachment,
    Conversation, Message, Participant, Pharmacy, Summary)
from messaging.domain.ports import Dependencies

EVERY_PATIENT = "-"
STATES = {"": None, OPEN: OPEN, CLOSED: CLOSED}
QUERY_LIMIT = 100


def list_conversations(deps: Dependencies, caller: Caller, patient_id: str, *, state: str = "", unread_only: bool = False,
                       participant_id: str = "", query: str = "", page_size: int = 0,
                       page_token: str = "") -> tuple[str, list[Summary], str]:
    """(the reader whose unread counts these are, the page, the next token)."""
    require_ids(patient_id=patient_id)
    v = Violations()
    v.max_length(query, "query", QUERY_LIMIT)
    v.max_length(participant_id, "participant_id", 64)
    v.raise_if_any()
    offset, limit = paging.page(page_size, page_token)
    now = deps.now()
    if patient_id == EVERY_PATIENT:
        if caller.actor_type != PROFESSIONAL:
            raise PermissionDenied("« - » liste les conversations d'un professionnel, tous patients confondus",
                                   reason="PROFESSIONALS_ONLY")
        with deps.unit_of_work() as repo:
            found = repo.list_summaries(reader_id=caller.subject, patient_id=None, participant_id=participant_id or None,
                                        state=STATES[state], unread_only=unread_only, query=query, patient_side=False,
                                        offset=offset, limit=limit + 1)
        for shown_patient in sorted({s.conversation.patient_id for s in found[:limit]}):
            deps.audit.append(auditing.record_of(caller, patient_id=shown_patient, action=auditing.LIST,
                                                 resource_type=auditing.CONVERSATION, resource_id="",
                                                 rule="participant", now=now))
        return caller.subject, found[:limit], paging.next_token(offset, limit, len(found))
    with auditing.refusals_recorded(deps, caller, patient_id, action=auditing.LIST,
                                    resource_type=auditing.CONVERSATION):
        w = who(deps, caller, patient_id)
    with deps.unit_of_work() as repo:
        found = repo.list_summaries(reader_id=w.reader_id, patient_id=patient_id, participant_id=participant_id or None,
                                    state=STATES[state], unread_only=unread_only, query=query,
                                    patient_side=w.patient_side, offset=offset, limit=limit + 1,
                                    without_secret=w.kept_from_secret)
    deps.audit.append(auditing.record(w, action=auditing.LIST, resource_type=auditing.CONVERSATION, resource_id="",
                                      rule=_rule(w), now=now))
    return w.reader_id, found[:limit], paging.next_token(offset, limit, len(found))


def _rule(w: Who) -> str:
    return "patient_side" if w.patient_side else "participant"


def get_conversation(deps: Dependencies, caller: Caller, patient_id: str, conversation_id: str) -> tuple[Who, Summary]:
    require_ids(patient_id=patient_id, conversation_id=conversation_id)
    with auditing.refusals_recorded(deps, caller, patient_id, action=auditing.READ,
                                    resource_type=auditing.CONVERSATION, resource_id=conversation_id):
        w = who(deps, caller, patient_id)
        with deps.unit_of_work() as repo:
            summary = repo.summary(visible(repo, w, conversation_id), w.reader_id)
    deps.audit.append(auditing.record(w, action=auditing.READ, resource_type=auditing.CONVERSATION,
                                      resource_id=conversation_id, rule=_rule(w), now=deps.now(),
                                      secret=summary.conversation.hidden_from_legal_representatives))
    return w, summary


def create_conversation(deps: Dependencies, caller: Caller, patient_id: str, *, recipient_ids: list[str], subject: str,
                        body: str, attachments: list[NewAttachment], request_acknowledgement: bool = False,
                        client_message_id: str = "", hidden_from_legal_representatives: bool = False,
                        mssante_message_id: str = "", mss_headers: dict[str, str] | None = None,
                        w: Who | None = None) -> tuple[Who, Summary]:
    """`hidden_from_legal_representatives`: a professional's conversation with a minor kept from them (DOMAIN §10.4).
    `w`: the caller already resolved (the MSSanté bridge's delivery)."""
    require_ids(patient_id=patient_id)
    w = w or who(deps, caller, patient_id)
    v = Violations()
    v.require(subject.strip(), "subject")
    v.max_length(subject, "subject", MAX_SUBJECT_CHARS)
    messages.check_text(v, body, client_message_id)
    v.raise_if_any()
    if w.patient_side:
        return w, to_pharmacy(deps, w, pharmacies.first_recipient(deps, recipient_ids), subject=subject.strip(),
                              body=body, attachments=attachments, request_acknowledgement=request_acknowledgement,
                              client_message_id=client_message_id)[0]
    may_write(w)
    if any(r != patient_id for r in recipient_ids):
        raise InvalidArgument("Un professionnel démarre une conversation avec le patient seul", reason="RECIPIENTS")
    record = w.context.professional
    assert record is not None          # may_write checked it
    now = deps.now()
    conversation = Conversation(
        conversation_id=str(uuid.uuid4()), patient_id=patient_id, subject=subject.strip(), state=OPEN,
        started_by=caller.subject, created_at=now, last_message_at=now,
        hidden_from_legal_representatives=hidden_from_legal_representatives, participants=(
            Participant(participant_id=patient_id, type=PATIENT, display_name=w.context.patient_display_name),
            Participant(participant_id=caller.subject, type=PROFESSIONAL_PARTICIPANT, display_name=record.display_name,
                        profession_code=record.profession_code, specialty=record.specialty,
                        mssante_address=record.mssante_address, mailbox_type=PERSONAL, id_nat=record.rpps)))
    message = messages.write(deps, w, conversation, body=body, attachments=attachments,
                             request_acknowledgement=request_acknowledgement, client_message_id=client_message_id,
                             new_conversation=True, mssante_message_id=mssante_message_id, mss_headers=mss_headers)
    with deps.unit_of_work() as repo:
        return w, repo.summary(visible(repo, w, message.conversation_id), w.reader_id)


def to_pharmacy(deps: Dependencies, w: Who, pharmacy: Pharmacy, *, subject: str, body: str,
                attachments: list[NewAttachment], request_acknowledgement: bool = False,
                client_message_id: str = "", kept: list[Attachment] | None = None,
                draft_id: str = "") -> tuple[Summary, Message]:
    """Her side starts a conversation with the pharmacy's organisational mailbox (checked by the caller);
    `kept` and `draft_id`: a draft's attachments and the draft sent."""
    now = deps.now()
    conversation = Conversation(
        conversation_id=str(uuid.uuid4()), patient_id=w.patient_id, subject=subject, state=OPEN,
        started_by=w.participant_id, created_at=now, last_message_at=now, participants=(
            Participant(participant_id=w.patient_id, type=PATIENT, display_name=w.context.patient_display_name),
            pharmacies.participant(pharmacy)))
    message = messages.write(deps, w, conversation, body=body, attachments=attachments,
                             request_acknowledgement=request_acknowledgement, client_message_id=client_message_id,
                             new_conversation=True, kept=kept, draft_id=draft_id)
    with deps.unit_of_work() as repo:
        return repo.summary(visible(repo, w, message.conversation_id), w.reader_id), message


def close_conversation(deps: Dependencies, caller: Caller, patient_id: str, conversation_id: str,
                       closing_message: str = "") -> tuple[Who, Summary]:
    require_ids(patient_id=patient_id, conversation_id=conversation_id)
    w = who(deps, caller, patient_id)
    if w.patient_side:
        with deps.unit_of_work() as repo:
            visible(repo, w, conversation_id)       # someone else's answers NOT_FOUND first
        raise PermissionDenied("Seul le professionnel peut clore une conversation", reason="PROFESSIONALS_ONLY")
    if closing_message:
        v = Violations()
        messages.check_text(v, closing_message, "", field="closing_message")
        v.raise_if_any()
        with deps.unit_of_work() as repo:
            conversation = visible(repo, w, conversation_id)
        if not conversation.closed:
            messages.write(deps, w, conversation, body=closing_message, attachments=[])
    now = deps.now()
    with deps.unit_of_work() as repo:
        conversation = visible(repo, w, conversation_id, for_update=True)
        if not conversation.closed:
            repo.update_conversation(conversation_id, state=CLOSED, closed_by=caller.subject, closed_at=now)
            repo.add_audit(auditing.record(w, action=auditing.UPDATE, resource_type=auditing.CONVERSATION,
                                           resource_id=conversation_id, rule="close", now=now,
                                           secret=conversation.hidden_from_legal_representatives))
        return w, repo.summary(visible(repo, w, conversation_id), w.reader_id)


def delete_conversation(deps: Dependencies, caller: Caller, patient_id: str, conversation_id: str) -> list[str]:
    """The patient's side forgets it (her drafts on it too); returns the object keys to drop."""
    require_ids(patient_id=patient_id, conversation_id=conversation_id)
    w = who(deps, caller, patient_id)
    now = deps.now()
    with deps.unit_of_work() as repo:
        conversation = visible(repo, w, conversation_id, for_update=True)
        if not w.patient_side:
            raise PermissionDenied("Seul le patient supprime une conversation de son espace", reason="PATIENT_SIDE_ONLY")
        repo.update_conversation(conversation_id, deleted_by_patient_at=now)
        keys = repo.delete_conversation_drafts(conversation_id)
        repo.add_audit(auditing.record(w, action=auditing.DELETE, resource_type=auditing.CONVERSATION,
                                       resource_id=conversation_id, rule="patient_side", now=now,
                                       secret=conversation.hidden_from_legal_representatives))
    return keys


def mark_read(deps: Dependencies, caller: Caller, patient_id: str, conversation_id: str) -> tuple[Who, Summary]:
    """The reader's marker moves to the last message; the receipts of what she had not displayed say when."""
    require_ids(patient_id=patient_id, conversation_id=conversation_id)
    w = who(deps, caller, patient_id)
    now = deps.now()
    with deps.unit_of_work() as repo:
        conversation = visible(repo, w, conversation_id)
        displayed = repo.mark_read(conversation_id, w.reader_id, repo.last_seq(conversation_id), now)
        if displayed:
            repo.add_audit(auditing.record(w, action=auditing.UPDATE, resource_type=auditing.CONVERSATION,
                                           resource_id=conversation_id, rule="read_receipt", now=now,
                                           secret=conversation.hidden_from_legal_representatives))
        return w, repo.summary(conversation, w.reader_id)
