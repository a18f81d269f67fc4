"""Domain values <-> messaging.v1 messages."""
from __future__ import annotations

from mes.messaging.v1 import messaging_pb2 as pb

from meskit.timestamps import timestamp

from messaging.domain import drafts as drafting
from messaging.domain.attachments import NewAttachment, NewFile
from messaging.domain.lookup import reply_options
from messaging.domain.models import (
    APPLICATIVE, CLOSED, MAX_ATTACHMENT_BYTES, OPEN, ORGANISATION, ORGANISATIONAL, PATIENT, PERSONAL, PROFESSIONAL,
    REPLY, REPLY_BLOCKED, REPLY_TO_ALL, NEW_MESSAGE, NO_REPLY, RECEIVED, UPLOAD, DOCUMENT, PROFILE_SYNTHESIS,
    Attachment, Draft, Message, Participant, Pharmacy, Summary)

PARTICIPANT_TYPES = {PATIENT: pb.PARTICIPANT_TYPE_PATIENT, PROFESSIONAL: pb.PARTICIPANT_TYPE_PROFESSIONAL,
                     ORGANISATION: pb.PARTICIPANT_TYPE_ORGANISATION}
MAILBOXES = {PERSONAL: pb.MAILBOX_TYPE_PERSONAL, ORGANISATIONAL: pb.MAILBOX_TYPE_ORGANISATIONAL,
             APPLICATIVE: pb.MAILBOX_TYPE_APPLICATIVE}
STATES = {OPEN: pb.CONVERSATION_STATE_OPEN, CLOSED: pb.CONVERSATION_STATE_CLOSED}
STATE_NAMES: dict[int, str] = {pb.CONVERSATION_STATE_UNSPECIFIED: "", pb.CONVERSATION_STATE_OPEN: OPEN,
               pb.CONVERSATION_STATE_CLOSED: CLOSED}
REPLY_OPTIONS = {REPLY: pb.REPLY_OPTION_REPLY, REPLY_TO_ALL: pb.REPLY_OPTION_REPLY_TO_ALL,
                 REPLY_BLOCKED: pb.REPLY_OPTION_REPLY_BLOCKED, NO_REPLY: pb.REPLY_OPTION_NO_REPLY,
                 NEW_MESSAGE: pb.REPLY_OPTION_NEW_MESSAGE}
REPLY_OPTION_NAMES: dict[int, str] = {int(v): k for k, v in REPLY_OPTIONS.items()}
SOURCES = {UPLOAD: pb.ATTACHMENT_SOURCE_UPLOAD, DOCUMENT: pb.ATTACHMENT_SOURCE_DOCUMENT,
           PROFILE_SYNTHESIS: pb.ATTACHMENT_SOURCE_PROFILE_SYNTHESIS, RECEIVED: pb.ATTACHMENT_SOURCE_RECEIVED}
DOCUMENTS_TYPES = frozenset({"application/pdf", "image/jpeg", "image/tiff", "text/plain; charset=utf-8",
                             "application/rtf"})


def state_name(value: int) -> str:
    return STATE_NAMES.get(int(value), "")


def reply_option_name(value: int) -> str:
    """An unknown number reads as a name the domain refuses."""
    return REPLY_OPTION_NAMES.get(int(value), "" if value == pb.REPLY_OPTION_UNSPECIFIED else f"unknown:{value}")


def new_attachments(items) -> list[NewAttachment]:
    found: list[NewAttachment] = []
    for item in items:
        kind = item.WhichOneof("source")
        if kind == "file":
            found.append(NewAttachment(file=NewFile(item.file.filename, item.file.content_type, item.file.content)))
        elif kind == "attachment_id":
            found.append(NewAttachment(kept_id=item.attachment_id))
        else:
            found.append(NewAttachment(unavailable=kind or "none"))
    return found


def participant(p: Participant) -> pb.Participant:
    return pb.Participant(participant_id=p.participant_id, type=PARTICIPANT_TYPES[p.type], display_name=p.display_name,
                          profession_code=p.profession_code, specialty=p.specialty, mssante_address=p.mssante_address,
                          mailbox_type=MAILBOXES.get(p.mailbox_type, pb.MAILBOX_TYPE_UNSPECIFIED), id_nat=p.id_nat,
                          active=True)


def conversation(reader_id: str, s: Summary, *, with_preview: bool = True) -> pb.Conversation:
    """`with_preview`: only where the read was recorded (lists and shows); a change answers without it."""
    c = s.conversation
    return pb.Conversation(
        conversation_id=c.conversation_id, patient_id=c.patient_id, subject=c.subject,
        participants=[participant(p) for p in c.participants], state=STATES[c.state], closed_by=c.closed_by,
        closed_at=timestamp(c.closed_at), reply_options=[REPLY_OPTIONS[o] for o in reply_options(reader_id, c)],
        message_count=s.message_count, unread_count=s.unread_count,
        last_message_preview=s.last_message_preview if with_preview else "", last_message_at=timestamp(c.last_message_at),
        created_at=timestamp(c.created_at), started_by=c.started_by,
        hidden_from_legal_representatives=c.hidden_from_legal_representatives)


def attachment(a: Attachment) -> pb.Attachment:
    return pb.Attachment(attachment_id=a.attachment_id, filename=a.filename, content_type=a.content_type,
                         size_bytes=a.size_bytes, sha256=a.sha256, source=SOURCES.get(a.source, pb.ATTACHMENT_SOURCE_UNSPECIFIED),
                         source_document_id=a.source_document_id, saved_document_id=a.saved_document_id,
                         can_save_to_documents=a.content_type in DOCUMENTS_TYPES and a.size_bytes <= MAX_ATTACHMENT_BYTES)


def message(m: Message, people: dict[str, Participant], *, reader_id: str, read_up_to: int | None = None) -> pb.Message:
    def who(pid: str) -> pb.Participant:
        return participant(people[pid]) if pid in people else pb.Participant(participant_id=pid)
    read = m.sender_id == reader_id or (read_up_to is not None and m.seq <= read_up_to)
    return pb.Message(
        message_id=m.message_id, conversation_id=m.conversation_id, sender=who(m.sender_id),
        recipients=[who(r) for r in m.recipient_ids], body=m.body, attachments=[attachment(a) for a in m.attachments],
        sent_at=timestamp(m.sent_at), read=read, acknowledgement_requested=m.acknowledgement_requested,
        receipts=[pb.Receipt(recipient_id=r.recipient_id, delivered_at=timestamp(r.delivered_at),
                             read_at=timestamp(r.displayed_at)) for r in m.receipts],
        written_by_account_id=m.written_by_account_id, signature=m.signature,
        mssante_message_id=m.mssante_message_id)


def draft(d: Draft) -> pb.Draft:
    return pb.Draft(draft_id=d.draft_id, patient_id=d.patient_id, conversation_id=d.conversation_id,
                    recipient_ids=list(d.recipient_ids), reply_option=REPLY_OPTIONS.get(d.reply_option, pb.REPLY_OPTION_UNSPECIFIED),
                    subject=d.subject, body=d.body, attachments=[attachment(a) for a in d.attachments],
                    request_acknowledgement=d.request_acknowledgement,
                    remaining_attachment_bytes=drafting.remaining_bytes(d), created_at=timestamp(d.created_at),
                    updated_at=timestamp(d.updated_at))


def pharmacy(p: Pharmacy) -> pb.Pharmacy:
    return pb.Pharmacy(pharmacy_id=p.pharmacy_id, finess=p.id_nat, name=p.name, address=p.address,
                       postal_code=p.postal_code, city=p.city, phone=p.phone, mssante_address=p.mssante_address,
                       mailbox_type=MAILBOXES.get(p.mailbox_type, pb.MAILBOX_TYPE_UNSPECIFIED),
                       previously_visited=p.last_visit is not None,
                       last_visit_date=p.last_visit.isoformat() if p.last_visit else "")


MAILBOX_NAMES: dict[int, str] = {int(v): k for k, v in MAILBOXES.items()}


def pharmacy_in(p: pb.Pharmacy) -> Pharmacy:
    """An operator's entry; an unknown mailbox number reads as a name the domain refuses."""
    mailbox = MAILBOX_NAMES.get(int(p.mailbox_type), "" if p.mailbox_type == pb.MAILBOX_TYPE_UNSPECIFIED
                                else f"unknown:{p.mailbox_type}")
    return Pharmacy(pharmacy_id="", id_nat=p.finess, name=p.name, address=p.address, postal_code=p.postal_code,
                    city=p.city, phone=p.phone, mssante_address=p.mssante_address, mailbox_type=mailbox)
