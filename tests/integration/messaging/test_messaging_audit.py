"""Reads of messages and attachments are recorded before they answer, fail closed when audit cannot
record them; sends keep working and their records reach audit once it is back."""
from __future__ import annotations

import grpc
import pytest
from mes.audit.v1 import audit_pb2 as apb
from mes.messaging.v1 import messaging_pb2 as pb

from devtools.eventually import eventually
from documents_samples import TEXT
from messaging_harness import new_file, refused


@pytest.fixture
def written(mstack):
    patient, doctor = mstack.new_patient(), mstack.new_mssante_professional()
    started = mstack.start_conversation(doctor, patient, attachments=[new_file("note.txt", TEXT)])
    [message] = mstack.messages(mstack.patient(patient), patient, started.conversation_id)
    return patient, doctor, started, message


def test_every_read_leaves_one_record_of_messaging_without_any_content(mstack, written):
    patient, doctor, started, message = written
    mine = mstack.patient(patient)
    mstack.msg.GetConversation(pb.GetConversationRequest(patient_id=patient, conversation_id=started.conversation_id),
                               metadata=mine, timeout=10)
    mstack.conversations(mine, patient)
    mstack.download_attachment(mine, patient, message.message_id, message.attachments[0].attachment_id)
    records = [r for r in mstack.records(patient) if r.actor.id == patient]
    assert sorted((r.resource_type, r.action) for r in records) == sorted([
        ("message", apb.ACTION_LIST), ("conversation", apb.ACTION_READ), ("conversation", apb.ACTION_LIST),
        ("attachment", apb.ACTION_DOWNLOAD)])
    for r in records:
        assert r.service == "messaging" and r.group == apb.ACTIVITY_GROUP_MESSAGING
        assert r.decision == apb.DECISION_ALLOWED and "Vos résultats" not in r.resource_label


def test_reads_are_refused_while_audit_is_down_and_sends_reach_it_once_back(mstack, written):
    patient, doctor, started, message = written
    mine = mstack.patient(patient)
    mstack.stop("audit")
    try:
        for call in (lambda: mstack.messages(mine, patient, started.conversation_id),
                     lambda: mstack.conversations(mine, patient),
                     lambda: mstack.download_attachment(mine, patient, message.message_id,
                                                        message.attachments[0].attachment_id)):
            refused(call, grpc.StatusCode.UNAVAILABLE, "AUDIT_UNAVAILABLE")
        answer = mstack.reply(mine, patient, started.conversation_id, "Pendant la panne")
    finally:
        mstack.start("audit")
    created = eventually(lambda: [r for r in mstack.records(patient) if r.resource_id == answer.message_id] or None,
                         timeout=30, what="the send's record relayed")
    assert [r.action for r in created] == [apb.ACTION_CREATE]
