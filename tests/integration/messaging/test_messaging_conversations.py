"""Conversations through gRPC: a professional starts one, the patient reads and answers it, the
professional closes it; who may write, who may see, what is recorded and what she is told."""
from __future__ import annotations

import grpc
import pytest
from mes.audit.v1 import audit_pb2 as apb
from mes.messaging.v1 import messaging_pb2 as pb

from devtools.eventually import eventually
from messaging_harness import refused


@pytest.fixture
def exchange(mstack):
    patient, doctor = mstack.new_patient(), mstack.new_mssante_professional()
    started = mstack.start_conversation(doctor, patient)
    return patient, doctor, started


def test_a_professional_starts_the_patient_reads_answers_and_the_professional_sees_it_displayed(mstack, exchange):
    patient, doctor, started = exchange
    assert started.state == pb.CONVERSATION_STATE_OPEN and started.started_by == doctor.professional_id
    assert {p.type for p in started.participants} == {pb.PARTICIPANT_TYPE_PATIENT, pb.PARTICIPANT_TYPE_PROFESSIONAL}
    mine = mstack.patient(patient)
    [listed] = mstack.conversations(mine, patient).conversations
    assert (listed.conversation_id, listed.unread_count, listed.message_count) == (started.conversation_id, 1, 1)
    assert listed.last_message_preview.startswith("Bonjour") and list(listed.reply_options) == [pb.REPLY_OPTION_REPLY]
    [first] = mstack.messages(mine, patient, started.conversation_id)
    assert not first.read and first.sender.participant_id == doctor.professional_id
    [receipt] = first.receipts
    assert receipt.recipient_id == patient and receipt.HasField("delivered_at") and not receipt.HasField("read_at")

    read = mstack.msg.MarkConversationRead(pb.MarkConversationReadRequest(
        patient_id=patient, conversation_id=started.conversation_id), metadata=mine, timeout=10)
    assert read.unread_count == 0
    answer = mstack.reply(mine, patient, started.conversation_id, "Merci, à bientôt")
    assert [r.participant_id for r in answer.recipients] == [doctor.professional_id]

    seen_by_doctor = mstack.messages(mstack.professional(doctor), patient, started.conversation_id)
    assert [m.body for m in seen_by_doctor] == ["Bonjour, vos résultats sont arrivés.", "Merci, à bientôt"]
    assert seen_by_doctor[0].receipts[0].HasField("read_at")        # the patient displayed it
    [for_doctor] = mstack.conversations(mstack.professional(doctor), "-").conversations
    assert (for_doctor.conversation_id, for_doctor.unread_count) == (started.conversation_id, 1)


def test_each_message_to_the_patient_rings_her_bell_and_reads_are_in_her_history(mstack, exchange):
    patient, doctor, started = exchange
    mine = mstack.patient(patient)
    mstack.messages(mine, patient, started.conversation_id)
    [notice] = eventually(lambda: mstack.bell(patient, "RECEPTION_MESSAGE") or None, what="the bell")
    assert "Durand" in notice.body and "résultats" not in notice.body      # who wrote, never what
    records = mstack.records(patient)
    actions = {(r.resource_type, r.action) for r in records}
    assert ("message", apb.ACTION_LIST) in actions
    eventually(lambda: ("message", apb.ACTION_CREATE) in {(r.resource_type, r.action) for r in mstack.records(patient)},
               what="the sent message's record relayed")
    assert all("résultats" not in r.resource_label for r in mstack.records(patient))


def test_the_patient_side_cannot_start_a_conversation(mstack):
    patient, doctor = mstack.new_patient(), mstack.new_mssante_professional()
    refused(lambda: mstack.msg.CreateConversation(pb.CreateConversationRequest(
        patient_id=patient, recipient_ids=[doctor.professional_id], subject="Question", body="Bonjour"),
        metadata=mstack.patient(patient), timeout=10), grpc.StatusCode.FAILED_PRECONDITION, "PATIENT_CANNOT_START")


def test_a_closed_conversation_is_read_only_for_the_patient(mstack, exchange):
    patient, doctor, started = exchange
    closed = mstack.msg.CloseConversation(pb.CloseConversationRequest(
        patient_id=patient, conversation_id=started.conversation_id, closing_message="Je clos cet échange."),
        metadata=mstack.professional(doctor), timeout=10)
    assert closed.state == pb.CONVERSATION_STATE_CLOSED and closed.closed_by == doctor.professional_id
    mine = mstack.patient(patient)
    shown = mstack.msg.GetConversation(pb.GetConversationRequest(
        patient_id=patient, conversation_id=started.conversation_id), metadata=mine, timeout=10)
    assert list(shown.reply_options) == [pb.REPLY_OPTION_REPLY_BLOCKED] and shown.message_count == 2
    refused(lambda: mstack.reply(mine, patient, started.conversation_id), grpc.StatusCode.FAILED_PRECONDITION,
            "CONVERSATION_CLOSED")
    assert mstack.stored_messages(started.conversation_id) == 2
    refused(lambda: mstack.msg.CloseConversation(pb.CloseConversationRequest(
        patient_id=patient, conversation_id=started.conversation_id), metadata=mine, timeout=10),
        grpc.StatusCode.PERMISSION_DENIED, "PROFESSIONALS_ONLY")


def test_someone_elses_conversation_is_not_found(mstack, exchange):
    patient, doctor, started = exchange
    other_patient, other_doctor = mstack.new_patient(), mstack.new_mssante_professional()
    for metadata, patient_id in ((mstack.patient(other_patient), patient), (mstack.patient(other_patient), other_patient),
                                 (mstack.professional(other_doctor), patient)):
        refused(lambda: mstack.reply(metadata, patient_id, started.conversation_id), grpc.StatusCode.NOT_FOUND, "")
        refused(lambda: mstack.messages(metadata, patient_id, started.conversation_id), grpc.StatusCode.NOT_FOUND, "")
    refused(lambda: mstack.messages(mstack.patient(patient), patient, "00000000-0000-0000-0000-000000000000"),
            grpc.StatusCode.NOT_FOUND, "")
    assert mstack.stored_messages(started.conversation_id) == 1


def test_professionals_outside_mssante_or_blocked_cannot_write(mstack, exchange):
    patient, doctor, started = exchange
    outsider = mstack.new_mssante_professional(mssante=False)
    refused(lambda: mstack.start_conversation(outsider, patient), grpc.StatusCode.PERMISSION_DENIED, "NOT_IN_MSSANTE")
    mstack.block(patient, doctor)
    refused(lambda: mstack.reply(mstack.professional(doctor), patient, started.conversation_id),
            grpc.StatusCode.PERMISSION_DENIED, "PROFESSIONAL_BLOCKED")
    refused(lambda: mstack.start_conversation(doctor, patient), grpc.StatusCode.PERMISSION_DENIED,
            "PROFESSIONAL_BLOCKED")
    assert mstack.stored_messages(started.conversation_id) == 1


def test_lists_page_search_by_correspondent_and_filter(mstack):
    patient = mstack.new_patient()
    first, second = mstack.new_mssante_professional(), mstack.new_mssante_professional()
    a = mstack.start_conversation(first, patient, subject="Bilan sanguin")
    b = mstack.start_conversation(second, patient, subject="Radio du genou")
    mine = mstack.patient(patient)
    page = mstack.conversations(mine, patient, page_size=1)
    assert [c.conversation_id for c in page.conversations] == [b.conversation_id] and page.next_page_token
    rest = mstack.conversations(mine, patient, page_size=1, page_token=page.next_page_token)
    assert [c.conversation_id for c in rest.conversations] == [a.conversation_id] and not rest.next_page_token
    second_name = next(p.display_name for p in b.participants if p.participant_id == second.professional_id)
    found = mstack.conversations(mine, patient, query=second_name.split()[-1])
    assert [c.conversation_id for c in found.conversations] == [b.conversation_id]
    by_id = mstack.conversations(mine, patient, participant_id=first.professional_id)
    assert [c.conversation_id for c in by_id.conversations] == [a.conversation_id]
    assert [c.conversation_id for c in mstack.conversations(mine, patient, query="genou").conversations] == [b.conversation_id]
    assert mstack.conversations(mine, patient, unread_only=True, state=pb.CONVERSATION_STATE_CLOSED).conversations == []
    refused(lambda: mstack.conversations(mine, patient, page_token="not-a-token"), grpc.StatusCode.INVALID_ARGUMENT,
            "PAGE_TOKEN")
    refused(lambda: mstack.conversations(mine, "-"), grpc.StatusCode.PERMISSION_DENIED, "PROFESSIONALS_ONLY")


def test_the_patient_deletes_a_conversation_from_her_side_only(mstack, exchange):
    patient, doctor, started = exchange
    mine = mstack.patient(patient)
    mstack.msg.DeleteConversation(pb.DeleteConversationRequest(patient_id=patient,
                                                               conversation_id=started.conversation_id),
                                  metadata=mine, timeout=10)
    assert mstack.conversations(mine, patient).conversations == []
    refused(lambda: mstack.messages(mine, patient, started.conversation_id), grpc.StatusCode.NOT_FOUND, "")
    assert len(mstack.messages(mstack.professional(doctor), patient, started.conversation_id)) == 1
    refused(lambda: mstack.reply(mstack.professional(doctor), patient, started.conversation_id),
            grpc.StatusCode.FAILED_PRECONDITION, "CONVERSATION_CLOSED")
    refused(lambda: mstack.msg.DeleteConversation(pb.DeleteConversationRequest(
        patient_id=patient, conversation_id=started.conversation_id), metadata=mstack.professional(doctor), timeout=10),
        grpc.StatusCode.PERMISSION_DENIED, "PATIENT_SIDE_ONLY")


def test_malformed_and_oversized_text_is_refused_before_anything_is_stored(mstack, exchange):
    patient, doctor, started = exchange
    mine = mstack.patient(patient)
    refused(lambda: mstack.reply(mine, patient, started.conversation_id, "x" * 20_001), grpc.StatusCode.INVALID_ARGUMENT, "")
    refused(lambda: mstack.reply(mine, patient, started.conversation_id, "   "), grpc.StatusCode.INVALID_ARGUMENT, "")
    refused(lambda: mstack.reply(mine, patient, started.conversation_id, reply_option=pb.REPLY_OPTION_NEW_MESSAGE),
            grpc.StatusCode.INVALID_ARGUMENT, "REPLY_OPTION")
    refused(lambda: mstack.reply(mine, patient, ""), grpc.StatusCode.INVALID_ARGUMENT, "")
    refused(lambda: mstack.start_conversation(doctor, patient, subject=""), grpc.StatusCode.INVALID_ARGUMENT, "")
    assert mstack.stored_messages(started.conversation_id) == 1


def test_a_retried_send_with_the_same_client_message_id_is_stored_once(mstack, exchange):
    patient, doctor, started = exchange
    mine = mstack.patient(patient)
    first = mstack.reply(mine, patient, started.conversation_id, client_message_id="retry-1")
    again = mstack.reply(mine, patient, started.conversation_id, client_message_id="retry-1")
    assert first.message_id == again.message_id and mstack.stored_messages(started.conversation_id) == 2
