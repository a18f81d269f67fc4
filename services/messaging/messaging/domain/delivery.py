"""The MSSanté bridge's one delivery path: a professional's mail received by the SMTP listener, or
the same delivery over gRPC (DeliverMessage), becomes a message under the rules of a professional
writing through the API (not in MSSanté, blocked by the patient, a closed conversation: refused).

A Message-ID already delivered answers the message it made (idempotent). A mail whose In-Reply-To
or References names a message of a conversation the professional takes part in continues it;
otherwise it starts a new one. Audit record and RECEPTION_MESSAGE notice as any professional's
message (messages.write).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from meskit.auth import PROFESSIONAL, SERVICE, Caller
from meskit.errors import InvalidArgument, Violations, require_ids

from messaging.domain import conversations, messages
from messaging.domain.actors import Who, who
from messaging.domain.attachments import NewAttachment
from messaging.domain.lookup import can_see
from messaging.domain.models import MAX_SUBJECT_CHARS, Conversation, Message
from messaging.domain.ports import Dependencies

MESSAGE_ID_LIMIT = 255
NO_SUBJECT = "(sans objet)"
ONLY_ATTACHMENTS = "(message sans texte : voir les pièces jointes)"
MAX_THREAD = 20                # Message-IDs of In-Reply-To and References looked at


@dataclass(frozen=True, kw_only=True)
class Delivery:
    patient_id: str
    professional_id: str
    mssante_message_id: str
    subject: str = ""
    body: str = ""
    attachments: list[NewAttachment] = field(default_factory=list)
    thread: tuple[str, ...] = ()      # In-Reply-To first, then References from the newest
    acknowledgement_requested: bool = False
    mss_headers: dict[str, str] = field(default_factory=dict)


def _writer(deps: Dependencies, d: Delivery) -> Who:
    w = who(deps, Caller(PROFESSIONAL, d.professional_id), d.patient_id)
    record = w.context.professional
    if record is not None:      # the audit record names the professional as their token would
        w = Who(dataclasses.replace(w.caller, profession_code=record.profession_code, rpps=record.rpps), w.context)
    return w


def _thread(deps: Dependencies, w: Who, thread: tuple[str, ...]) -> Conversation | None:
    with deps.unit_of_work() as repo:
        for ref in thread[:MAX_THREAD]:
            found = repo.find_mssante_message(ref)
            conversation = repo.get_conversation(found.conversation_id) if found else None
            if conversation is not None and can_see(w, conversation):
                return conversation
    return None


def deliver(deps: Dependencies, d: Delivery) -> tuple[Who, Conversation, Message]:
    require_ids(patient_id=d.patient_id, professional_id=d.professional_id)
    v = Violations()
    v.require(d.mssante_message_id.strip(), "mssante_message_id")
    v.max_length(d.mssante_message_id, "mssante_message_id", MESSAGE_ID_LIMIT)
    v.raise_if_any()
    w = _writer(deps, d)
    with deps.unit_of_work() as repo:
        earlier = repo.find_mssante_message(d.mssante_message_id)
        if earlier is not None:
            conversation = repo.get_conversation(earlier.conversation_id)
            assert conversation is not None
            return w, conversation, earlier
    body = d.body if d.body.strip() or not d.attachments else ONLY_ATTACHMENTS
    v = Violations()
    messages.check_text(v, body, "")
    v.raise_if_any()
    conversation = _thread(deps, w, d.thread)
    if conversation is not None:      # write() applies the rules of a reply (closed, blocked, MSSanté)
        sent = messages.write(deps, w, conversation, body=body, attachments=d.attachments,
                              request_acknowledgement=d.acknowledgement_requested,
                              mssante_message_id=d.mssante_message_id, mss_headers=d.mss_headers)
    else:
        subject = " ".join(d.subject.split())[:MAX_SUBJECT_CHARS] or NO_SUBJECT
        conversations.create_conversation(
            deps, w.caller, d.patient_id, recipient_ids=[d.patient_id], subject=subject, body=body,
            attachments=d.attachments, request_acknowledgement=d.acknowledgement_requested,
            mssante_message_id=d.mssante_message_id, mss_headers=d.mss_headers, w=w)
        with deps.unit_of_work() as repo:
            found = repo.find_mssante_message(d.mssante_message_id)
        assert found is not None
        sent = found
    with deps.unit_of_work() as repo:
        current = repo.get_conversation(sent.conversation_id)
    assert current is not None
    return w, current, sent


def deliver_for_service(deps: Dependencies, caller: Caller, d: Delivery, sender_address: str = "",
                        recipient_ids: tuple[str, ...] = ()) -> tuple[Who, Conversation, Message]:
    """DeliverMessage (service tokens): the sender named by its professional id or its MSSanté
    address; `recipient_ids`, when given, name the patient only (a mail is delivered to one space)."""
    caller.require(SERVICE)
    if any(r != d.patient_id for r in recipient_ids):
        raise InvalidArgument("Un message délivré s'adresse au patient seul", reason="RECIPIENTS")
    professional_id = d.professional_id
    if not professional_id and sender_address.strip() and deps.mail is not None:
        professional_id = deps.mail.resolve([sender_address.strip()]).get(sender_address.strip(), ("", ""))[1]
    if not professional_id:
        raise InvalidArgument("L'expéditeur est un professionnel : sender.participant_id ou son adresse MSSanté",
                              reason="SENDER_UNKNOWN")
    return deliver(deps, dataclasses.replace(d, professional_id=professional_id))
