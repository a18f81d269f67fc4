""""Enregistrer dans mes documents de santé" through gRPC, with documents running for real: a received
attachment is filed in her documents with its sender as author, once however often she saves it;
documents' refusals come back with their reason; only her side, only what she received."""
from __future__ import annotations

import grpc
import pytest
from mes.audit.v1 import audit_pb2 as apb
from mes.documents.v1 import documents_pb2 as dpb
from mes.messaging.v1 import messaging_pb2 as pb

from devtools.eventually import eventually
from devtools.rpc_errors import error_details, error_of
from documents_samples import pdf
from messaging_harness import new_file, refused
from test_documents_delegate_token import caregiving, switched


@pytest.fixture
def received(mstack):
    patient, doctor = mstack.new_patient(), mstack.new_mssante_professional()
    started = mstack.start_conversation(doctor, patient, attachments=[new_file("bilan.pdf", pdf())])
    [message] = mstack.messages(mstack.patient(patient), patient, started.conversation_id)
    return patient, doctor, message


def save(mstack, patient_id: str, message: pb.Message, metadata=None, attachment_id: str = "", **fields):
    fields.setdefault("category", "BIOLOGIE")
    return mstack.msg.SaveAttachmentToDocuments(pb.SaveAttachmentToDocumentsRequest(
        patient_id=patient_id, message_id=message.message_id,
        attachment_id=attachment_id or message.attachments[0].attachment_id, **fields),
        metadata=metadata or mstack.patient(patient_id), timeout=30)


def test_she_saves_it_with_the_doctor_as_author_once_and_both_reads_are_recorded(mstack, received):
    patient, doctor, message = received
    saved = save(mstack, patient, message, title="Bilan sanguin", document_date="2026-01-15")
    document = mstack.docs.GetDocument(dpb.GetDocumentRequest(patient_id=patient, document_id=saved.document_id),
                                       metadata=mstack.patient(patient), timeout=10)
    assert (document.author.type, document.author.id) == (dpb.AUTHOR_TYPE_PRACTITIONER, doctor.professional_id)
    assert "Durand" in document.author.display_name and document.author.profession_code == "10"
    assert (document.title, document.category, document.document_date) == (
        "Bilan sanguin", dpb.DOCUMENT_CATEGORY_BIOLOGIE, "2026-01-15")
    assert document.sha256 == message.attachments[0].sha256
    assert save(mstack, patient, message).document_id == saved.document_id          # saving twice: one document
    assert mstack.rows(patient) == 1
    [shown] = mstack.messages(mstack.patient(patient), patient, message.conversation_id)
    assert shown.attachments[0].saved_document_id == saved.document_id
    records = mstack.records(patient)
    assert any(r.resource_type == "attachment" and r.action == apb.ACTION_READ
               and r.resource_id == message.attachments[0].attachment_id for r in records)
    eventually(lambda: [r for r in mstack.records(patient) if r.resource_id == saved.document_id
                        and r.action == apb.ACTION_CREATE] or None, what="documents' deposit record")


def test_her_caregiver_saves_it_for_her(mstack):
    helped, caregiver = mstack.new_patient(age=80), mstack.new_patient(age=45)
    caregiving(mstack, helped, caregiver)
    doctor = mstack.new_mssante_professional()
    started = mstack.start_conversation(doctor, helped, attachments=[new_file("cr.pdf", pdf())])
    [message] = mstack.messages(mstack.patient(helped), helped, started.conversation_id)
    saved = save(mstack, helped, message, metadata=switched(mstack, caregiver, helped), category="CPT_REND")
    assert saved.document_id and mstack.rows(helped) == 1


def test_documents_refusal_comes_back_with_its_reason_and_nothing_is_filed(mstack, received):
    patient, _, message = received
    error = error_of(lambda: save(mstack, patient, message, document_date="2999-01-01"))
    assert (error.code(), error_details(error)[1]) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_DATE")
    assert mstack.rows(patient) == 0


def test_only_her_side_saves_what_she_received(mstack, received):
    patient, doctor, message = received
    mine = mstack.patient(patient)
    sent = mstack.reply(mine, patient, message.conversation_id, attachments=[new_file("moi.pdf", pdf())])
    refused(lambda: save(mstack, patient, sent), grpc.StatusCode.FAILED_PRECONDITION, "NOT_RECEIVED")
    refused(lambda: save(mstack, patient, message, metadata=mstack.professional(doctor)),
            grpc.StatusCode.PERMISSION_DENIED, "PATIENT_SIDE_ONLY")
    other = mstack.new_patient()
    refused(lambda: save(mstack, patient, message, metadata=mstack.patient(other)), grpc.StatusCode.NOT_FOUND, "")
    refused(lambda: save(mstack, other, message, metadata=mstack.patient(other)), grpc.StatusCode.NOT_FOUND, "")
    refused(lambda: save(mstack, patient, message, attachment_id="no-such"), grpc.StatusCode.NOT_FOUND, "")
    error = error_of(lambda: save(mstack, patient, message, category="AUTR_DOC"))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and error_details(error)[0] == {"category"}
    refused(lambda: save(mstack, patient, message, category=""), grpc.StatusCode.INVALID_ARGUMENT, "")
    assert mstack.rows(patient) == 0
