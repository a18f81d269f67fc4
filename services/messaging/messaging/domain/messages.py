"""Messages: write one (a new conversation's first, a reply, a closing word), list them, download
an attachment.

Who may write (DOMAIN §7, §10.6): the patient's side answers only a conversation a professional
started and has not closed, or goes on in one she started with a pharmacy; a delegate's message carries her signature line; a professional
writes only from MSSanté and not when the patient blocked them. The order of a write: the text
and every file checked, the rules read, the objects stored, then one transaction with the
message, its attachments, its receipts, the audit record and the patient's notice (its objects
deleted if that transaction fails). A client_message_id makes a retried send answer the first.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterator

from meskit import paging
from meskit.auth import Caller
from meskit.errors import FailedPrecondition, InvalidArgument, NotFound, Unavailable, Violations, require_ids

from messaging.domain import attachments as files
from messaging.domain import auditing, notices
from messaging.domain.actors import Who, may_write, signature, who
from messaging.domain.attachments import NewAttachment
from messaging.domain.errors import DuplicateMessage
from messaging.domain.lookup import visible
from messaging.domain.models import (
    MAX_BODY_CHARS, ORGANISATION, ORGANISATIONAL, PATIENT_DOMAIN, RECEIVED, REPLY, REPLY_TO_ALL, UPLOAD, Attachment,
    Conversation, Message, Receipt)
from messaging.domain.ports import Dependencies

CLIENT_ID_LIMIT = 64
NO_SUCH_ATTACHMENT = "Pièce jointe introuvable"


def check_text(v: Violations, body: str, client_message_id: str, *, field: str = "body") -> None:
    v.require(body.strip(), field)
    v.max_length(body, field, MAX_BODY_CHARS)
    v.max_length(client_message_id, "client_message_id", CLIENT_ID_LIMIT)


def _writable(w: Who, c: Conversation) -> None:
    if c.closed:
        raise FailedPrecondition("Cette conversation est close : vous ne pouvez plus y répondre",
                                 reason="CONVERSATION_CLOSED")
    if c.deleted_by_patient_at is not None:
        raise FailedPrecondition("Le patient a supprimé cette conversation : démarrez-en une nouvelle",
                                 reason="CONVERSATION_CLOSED")
    if w.patient_side and c.started_by == w.patient_id and not _with_pharmacy(c):
        raise FailedPrecondition("Vous répondez seulement aux conversations qu'un professionnel a démarrées",
                                 reason="PATIENT_CANNOT_START")
    may_write(w)


def _with_pharmacy(c: Conversation) -> bool:
    """She started it with a pharmacy's organisational mailbox: she goes on writing there (DOMAIN §10.6)."""
    return any(p.type == ORGANISATION and p.mailbox_type == ORGANISATIONAL for p in c.participants)


def _recipients(w: Who, c: Conversation, reply_option: str, repo) -> tuple[str, ...]:
    others = [p.participant_id for p in c.participants if p.participant_id != w.participant_id]
    if reply_option == REPLY_TO_ALL or len(others) <= 1:
        return tuple(others)
    last = repo.last_sender_other_than(c.conversation_id, w.participant_id)
    return (last,) if last in others else tuple(others)


def write(deps: Dependencies, w: Who, conversation: Conversation, *, body: str, attachments: list[NewAttachment],
          request_acknowledgement: bool = False, client_message_id: str = "", reply_option: str = REPLY,
          new_conversation: bool = False, kept: list[Attachment] | None = None, draft_id: str = "",
          mssante_message_id: str = "", mss_headers: dict[str, str] | None = None) -> Message:
    """Every message goes through here. `kept`: a draft's attachments, moved onto the message;
    `draft_id`: the draft then deleted; `mssante_message_id`: a mail's own Message-ID (the MSSanté
    bridge: a second delivery of it answers the first message), `mss_headers` its X-MSS-* headers.
    What the patient's side writes to a correspondent with an MSSanté address is queued for the
    bridge's sender in the same transaction."""
    kept = list(kept or [])
    kept_ids = [a.kept_id for a in attachments if a.kept_id]
    if kept_ids:
        with deps.unit_of_work() as repo:
            kept += files.resolve_uploads(repo, kept_ids, w.patient_id, w.caller.subject)
    checked = files.check(attachments, kept)
    client_key = f"{w.caller.subject}|{client_message_id}" if client_message_id else ""
    def _earlier(repo) -> Message | None:
        if mssante_message_id:
            return repo.find_mssante_message(mssante_message_id)
        return repo.find_client_message(client_key) if client_key else None
    if client_key or mssante_message_id:
        with deps.unit_of_work() as repo:
            earlier = _earlier(repo)
        if earlier is not None:
            return earlier
    if not new_conversation:
        with deps.unit_of_work() as repo:
            _writable(w, visible(repo, w, conversation.conversation_id))
    now = deps.now()
    message_id = str(uuid.uuid4())
    stored = files.store(deps, w.patient_id, checked, now, message_id=message_id, first_position=len(kept),
                         source=RECEIVED if mssante_message_id else UPLOAD)
    try:
        with deps.unit_of_work() as repo:
            if new_conversation:
                repo.add_conversation(conversation)
                current = conversation
                recipients = tuple(p.participant_id for p in conversation.participants
                                   if p.participant_id != w.participant_id)
            else:
                current = visible(repo, w, conversation.conversation_id, for_update=True)
                _writable(w, current)
                recipients = _recipients(w, current, reply_option, repo)
            if kept_ids:   # still the caller's, still unattached
                files.resolve_uploads(repo, kept_ids, w.patient_id, w.caller.subject, for_update=True)
            message = Message(
                message_id=message_id, conversation_id=conversation.conversation_id, sender_id=w.participant_id,
                recipient_ids=recipients, body=body, sent_at=now, acknowledgement_requested=request_acknowledgement,
                written_by_account_id=w.caller.subject if w.delegation else "", signature=signature(w),
                mssante_message_id=mssante_message_id or f"<{message_id}@{deps.patient_domain}>",
                mss_headers=dict(mss_headers or {}),
                receipts=tuple(Receipt(recipient_id=r, delivered_at=now) for r in recipients))
            repo.add_message(message, client_key=client_key)
            for attachment in stored:
                repo.add_attachment(attachment)
            if kept:
                repo.move_attachments([a.attachment_id for a in kept], message_id=message_id)
            if draft_id:
                repo.delete_draft(draft_id)
            repo.update_conversation(conversation.conversation_id, last_message_at=now)
            secret = conversation.hidden_from_legal_representatives    # set when it starts, never changed
            repo.add_audit(auditing.record(w, action=auditing.CREATE, resource_type=auditing.MESSAGE,
                                           resource_id=message_id, rule="send", now=now, secret=secret))
            if not w.patient_side:
                repo.add_notice(notices.message_received(w.patient_id, message_id, w.display_name, now,
                                                         hidden_from_legal_representatives=secret), once=True)
            else:
                by_mail = [r for r in recipients if (p := current.participant(r)) is not None and p.mssante_address]
                if by_mail:
                    repo.add_outbound(message_id, by_mail, now)
            written = repo.get_message(message_id)
            assert written is not None
            return written
    except DuplicateMessage:
        files.discard(deps, stored)
        with deps.unit_of_work() as repo:
            earlier = _earlier(repo)
        assert earlier is not None
        return earlier
    except BaseException:
        files.discard(deps, stored)
        raise


def reply_option_of(value: str) -> str:
    if value in ("", REPLY):
        return REPLY
    if value == REPLY_TO_ALL:
        return REPLY_TO_ALL
    raise InvalidArgument("reply_option : REPLY ou REPLY_TO_ALL (une nouvelle conversation se démarre à part)",
                          reason="REPLY_OPTION")


def send_message(deps: Dependencies, caller: Caller, patient_id: str, conversation_id: str, *, reply_option: str,
                 body: str, attachments: list[NewAttachment], request_acknowledgement: bool = False,
                 client_message_id: str = "") -> tuple[Who, Conversation, Message]:
    require_ids(patient_id=patient_id, conversation_id=conversation_id)
    w = who(deps, caller, patient_id)
    v = Violations()
    check_text(v, body, client_message_id)
    v.raise_if_any()
    option = reply_option_of(reply_option)
    with deps.unit_of_work() as repo:
        conversation = visible(repo, w, conversation_id)
    return w, conversation, write(deps, w, conversation, body=body, attachments=attachments, reply_option=option,
                                  request_acknowledgement=request_acknowledgement, client_message_id=client_message_id)


def list_messages(deps: Dependencies, caller: Caller, patient_id: str, conversation_id: str, *, page_size: int = 0,
                  page_token: str = "") -> tuple[Who, Conversation, list[Message], int, str]:
    """(who, the conversation, the page oldest first, the reader's read-up-to marker, the next token); recorded before it answers."""
    require_ids(patient_id=patient_id, conversation_id=conversation_id)
    offset, limit = paging.page(page_size, page_token)
    with auditing.refusals_recorded(deps, caller, patient_id, action=auditing.LIST, resource_type=auditing.MESSAGE,
                                    resource_id=conversation_id):
        w = who(deps, caller, patient_id)
        with deps.unit_of_work() as repo:
            conversation = visible(repo, w, conversation_id)
            found = repo.list_messages(conversation_id, offset=offset, limit=limit + 1)
            marker = repo.read_up_to(conversation_id, w.reader_id)
    deps.audit.append(auditing.record(w, action=auditing.LIST, resource_type=auditing.MESSAGE,
                                      resource_id=conversation_id, rule="participant", now=deps.now(),
                                      secret=conversation.hidden_from_legal_representatives))
    return w, conversation, found[:limit], marker, paging.next_token(offset, limit, len(found))


def download(deps: Dependencies, caller: Caller, patient_id: str, message_id: str,
             attachment_id: str) -> tuple[Attachment, Iterator[bytes]]:
    require_ids(patient_id=patient_id, message_id=message_id, attachment_id=attachment_id)
    with auditing.refusals_recorded(deps, caller, patient_id, action=auditing.DOWNLOAD,
                                    resource_type=auditing.ATTACHMENT, resource_id=attachment_id):
        w = who(deps, caller, patient_id, missing=NO_SUCH_ATTACHMENT)
        with deps.unit_of_work() as repo:
            message = repo.get_message(message_id)
            found = repo.get_conversation(message.conversation_id) if message else None
            attachment = (next((a for a in message.attachments if a.attachment_id == attachment_id), None)
                          if message else None)
            if found is None or attachment is None:
                raise NotFound(NO_SUCH_ATTACHMENT)
            try:
                visible(repo, w, found.conversation_id)
            except NotFound:
                raise NotFound(NO_SUCH_ATTACHMENT) from None
    deps.audit.append(auditing.record(w, action=auditing.DOWNLOAD, resource_type=auditing.ATTACHMENT,
                                      resource_id=attachment_id, rule="participant", now=deps.now(),
                                      secret=found.hidden_from_legal_representatives))
    try:
        chunks = deps.objects.stream(attachment.object_key)
    except Exception:
        raise Unavailable("Stockage des pièces jointes indisponible, réessayez plus tard",
                          reason="STORAGE_UNAVAILABLE") from None
    return attachment, chunks
