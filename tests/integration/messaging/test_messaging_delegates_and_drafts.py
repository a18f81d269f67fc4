"""A caregiver writes for the person she helps (her signature under the message), drafts are kept,
changed and sent, and the MSSanté connector reports receipts."""
from __future__ import annotations

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from mes.identity.v1 import identity_pb2 as ipb
from mes.messaging.v1 import messaging_pb2 as pb

from documents_samples import TEXT, pdf
from messaging_harness import new_file, refused
from test_documents_delegate_token import caregiving, switched


def full_name(mstack, account_id: str) -> str:
    found = mstack.identity.GetAccount(ipb.GetAccountRequest(account_id=account_id), metadata=mstack.operator, timeout=10)
    return f"{found.given_name} {found.family_name}"


def test_a_caregiver_answers_for_the_person_she_helps_and_signs(mstack):
    helped, caregiver = mstack.new_patient(age=80), mstack.new_patient(age=45)
    doctor = mstack.new_mssante_professional()
    started = mstack.start_conversation(doctor, helped)
    caregiving(mstack, helped, caregiver)
    acting = switched(mstack, caregiver, helped)
    [listed] = mstack.conversations(acting, helped).conversations
    assert listed.unread_count == 1
    mstack.msg.MarkConversationRead(pb.MarkConversationReadRequest(
        patient_id=helped, conversation_id=started.conversation_id), metadata=acting, timeout=10)
    [seen_by_her] = mstack.conversations(mstack.patient(helped), helped).conversations
    assert seen_by_her.unread_count == 0             # one marker for her side: her devices and her caregiver agree
    sent = mstack.reply(acting, helped, started.conversation_id, "Elle viendra mardi")
    assert sent.sender.participant_id == helped and sent.written_by_account_id == caregiver
    assert sent.signature == f"rédigé par {full_name(mstack, caregiver)}, l'aidant de {full_name(mstack, helped)}"
    [_, shown] = mstack.messages(mstack.professional(doctor), helped, started.conversation_id)
    assert shown.signature == sent.signature
    # her own token, or a plain delegate token without the delegation's scope, is for another space
    refused(lambda: mstack.reply(mstack.patient(caregiver), helped, started.conversation_id),
            grpc.StatusCode.NOT_FOUND, "")
    refused(lambda: mstack.reply(mstack.delegate(caregiver, helped), helped, started.conversation_id),
            grpc.StatusCode.PERMISSION_DENIED, "DELEGATION_SCOPE")


def test_a_draft_is_kept_changed_and_sent_with_its_attachments(mstack):
    patient, doctor = mstack.new_patient(), mstack.new_mssante_professional()
    started = mstack.start_conversation(doctor, patient)
    mine = mstack.patient(patient)
    draft = mstack.msg.CreateDraft(pb.CreateDraftRequest(
        patient_id=patient, conversation_id=started.conversation_id, body="Brouillon",
        attachments=[new_file("a.txt", TEXT), new_file("b.pdf", pdf())]), metadata=mine, timeout=30)
    assert len(draft.attachments) == 2 and draft.remaining_attachment_bytes == 10_000_000 - sum(
        a.size_bytes for a in draft.attachments)
    kept = draft.attachments[1]
    updated = mstack.msg.UpdateDraft(pb.UpdateDraftRequest(
        patient_id=patient, draft_id=draft.draft_id, body="Réponse finale",
        attachments=[pb.NewAttachment(attachment_id=kept.attachment_id)]), metadata=mine, timeout=30)
    assert [a.attachment_id for a in updated.attachments] == [kept.attachment_id] and updated.body == "Réponse finale"
    [listed] = mstack.msg.ListDrafts(pb.ListDraftsRequest(patient_id=patient), metadata=mine, timeout=10).drafts
    assert listed.draft_id == draft.draft_id
    refused(lambda: mstack.msg.UpdateDraft(pb.UpdateDraftRequest(
        patient_id=patient, draft_id=draft.draft_id, body="x", attachments=[pb.NewAttachment(attachment_id="nope")]),
        metadata=mine, timeout=10), grpc.StatusCode.INVALID_ARGUMENT, "ATTACHMENT_NOT_ON_DRAFT")
    sent = mstack.msg.SendDraft(pb.SendDraftRequest(patient_id=patient, draft_id=draft.draft_id), metadata=mine,
                                timeout=30)
    assert sent.body == "Réponse finale" and [a.attachment_id for a in sent.attachments] == [kept.attachment_id]
    _, data = mstack.download_attachment(mstack.professional(doctor), patient, sent.message_id, kept.attachment_id)
    assert data == pdf()
    refused(lambda: mstack.msg.GetDraft(pb.GetDraftRequest(patient_id=patient, draft_id=draft.draft_id),
                                        metadata=mine, timeout=10), grpc.StatusCode.NOT_FOUND, "")


def test_drafts_are_the_patients_own(mstack):
    patient, doctor = mstack.new_patient(), mstack.new_mssante_professional()
    mine = mstack.patient(patient)
    draft = mstack.msg.CreateDraft(pb.CreateDraftRequest(patient_id=patient, subject="Question", body="Bonjour",
                                                         recipient_ids=[doctor.professional_id]),
                                   metadata=mine, timeout=10)
    refused(lambda: mstack.msg.SendDraft(pb.SendDraftRequest(patient_id=patient, draft_id=draft.draft_id),
                                         metadata=mine, timeout=10),
            grpc.StatusCode.FAILED_PRECONDITION, "PATIENT_CANNOT_START")
    refused(lambda: mstack.msg.GetDraft(pb.GetDraftRequest(patient_id=patient, draft_id=draft.draft_id),
                                        metadata=mstack.professional(doctor), timeout=10),
            grpc.StatusCode.PERMISSION_DENIED, "PATIENT_SIDE_ONLY")
    other = mstack.new_patient()
    refused(lambda: mstack.msg.GetDraft(pb.GetDraftRequest(patient_id=other, draft_id=draft.draft_id),
                                        metadata=mstack.patient(other), timeout=10), grpc.StatusCode.NOT_FOUND, "")
    mstack.msg.DeleteDraft(pb.DeleteDraftRequest(patient_id=patient, draft_id=draft.draft_id), metadata=mine, timeout=10)
    assert not mstack.msg.ListDrafts(pb.ListDraftsRequest(patient_id=patient), metadata=mine, timeout=10).drafts


def test_the_connector_reports_that_the_professional_read_the_patients_reply(mstack):
    patient, doctor = mstack.new_patient(), mstack.new_mssante_professional()
    started = mstack.start_conversation(doctor, patient)
    answer = mstack.reply(mstack.patient(patient), patient, started.conversation_id)
    read_at = Timestamp()
    read_at.GetCurrentTime()
    mstack.msg.RecordReceipt(pb.RecordReceiptRequest(mssante_message_id=answer.mssante_message_id,
                                                     recipient_id=doctor.professional_id, read_at=read_at),
                             metadata=mstack.service("mssante-connector"), timeout=10)
    [_, shown] = mstack.messages(mstack.patient(patient), patient, started.conversation_id)
    assert shown.receipts[0].read_at.seconds == read_at.seconds
    refused(lambda: mstack.msg.RecordReceipt(pb.RecordReceiptRequest(
        mssante_message_id="<unknown@example.org>", recipient_id=doctor.professional_id, read_at=read_at),
        metadata=mstack.service("mssante-connector"), timeout=10), grpc.StatusCode.NOT_FOUND, "")
    refused(lambda: mstack.msg.RecordReceipt(pb.RecordReceiptRequest(
        mssante_message_id=answer.mssante_message_id, recipient_id=doctor.professional_id, read_at=read_at),
        metadata=mstack.patient(patient), timeout=10), grpc.StatusCode.PERMISSION_DENIED, "")
    refused(lambda: mstack.msg.RecordReceipt(pb.RecordReceiptRequest(
        mssante_message_id=answer.mssante_message_id, recipient_id=doctor.professional_id),
        metadata=mstack.service("mssante-connector"), timeout=10), grpc.StatusCode.INVALID_ARGUMENT, "RECEIPT_EMPTY")
