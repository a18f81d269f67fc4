"""Receipts reported from the professional side (the MSSanté connector, service tokens)."""
from __future__ import annotations

from datetime import datetime

from meskit.auth import SERVICE, Caller
from meskit.errors import InvalidArgument, NotFound, Violations

from messaging.domain import auditing
from messaging.domain.ports import Dependencies

NO_SUCH_MESSAGE = "Message introuvable"


def record_receipt(deps: Dependencies, caller: Caller, mssante_message_id: str, recipient_id: str,
                   delivered_at: datetime | None, displayed_at: datetime | None) -> None:
    caller.require(SERVICE)
    v = Violations()
    v.require(mssante_message_id, "mssante_message_id")
    v.max_length(mssante_message_id, "mssante_message_id", 255)
    v.require(recipient_id, "recipient_id")
    v.max_length(recipient_id, "recipient_id", 64)
    v.raise_if_any()
    if delivered_at is None and displayed_at is None:
        raise InvalidArgument("delivered_at ou read_at est obligatoire", reason="RECEIPT_EMPTY")
    now = deps.now()
    with deps.unit_of_work() as repo:
        message = repo.find_mssante_message(mssante_message_id)
        if message is None or recipient_id not in message.recipient_ids:
            raise NotFound(NO_SUCH_MESSAGE)
        conversation = repo.get_conversation(message.conversation_id)
        assert conversation is not None
        if repo.record_receipt(message.message_id, recipient_id, delivered_at, displayed_at):
            repo.add_audit(auditing.record_of(caller, patient_id=conversation.patient_id, action=auditing.UPDATE,
                                              resource_type=auditing.MESSAGE, resource_id=message.message_id,
                                              rule="receipt", now=now))
