"""A prescription to a pharmacy through gRPC, with documents running for real: messaging reads the
document as the patient (documents decides and records it as hers), attaches it and starts the
conversation with the pharmacy's organisational mailbox; every refusal stores nothing."""
from __future__ import annotations

import hashlib

import grpc
import pytest
from mes.audit.v1 import audit_pb2 as apb
from mes.documents.v1 import documents_pb2 as dpb
from mes.messaging.v1 import messaging_pb2 as pb

from documents_samples import TEXT, pdf
from messaging_harness import new_pharmacy, refused
from test_documents_delegate_token import caregiving, switched


def her_document(mstack, patient_id: str, category=dpb.DOCUMENT_CATEGORY_ORD_SOIN, data: bytes | None = None,
                 title: str = "Ordonnance du Dr Martin") -> dpb.Document:
    return mstack.upload(mstack.patient(patient_id), data or pdf(), patient_id=patient_id, title=title,
                         category=category, filename="ordonnance.pdf")


def send(mstack, patient_id: str, pharmacy_id: str, document_id: str, metadata=None, **fields) -> pb.Message:
    return mstack.msg.SendPrescriptionToPharmacy(pb.SendPrescriptionToPharmacyRequest(
        patient_id=patient_id, pharmacy_id=pharmacy_id, document_id=document_id, **fields),
        metadata=metadata or mstack.patient(patient_id), timeout=30)


@pytest.fixture
def hers(mstack):
    patient = mstack.new_patient()
    return patient, new_pharmacy(mstack), her_document(mstack, patient)


def test_she_sends_her_prescription_and_is_reminded_to_bring_the_paper_original(mstack, hers):
    patient, pharmacy, document = hers
    sent = send(mstack, patient, pharmacy.pharmacy_id, document.document_id)
    assert sent.body.startswith("Bonjour, je souhaite vous partager mon document")
    assert "original papier" in sent.sender_notice
    assert [r.participant_id for r in sent.recipients] == [pharmacy.pharmacy_id]
    [attached] = sent.attachments
    assert (attached.source, attached.source_document_id, attached.sha256) == (
        pb.ATTACHMENT_SOURCE_DOCUMENT, document.document_id, document.sha256)

    mine = mstack.patient(patient)
    [conversation] = mstack.conversations(mine, patient).conversations
    assert conversation.conversation_id == sent.conversation_id and conversation.started_by == patient
    assert conversation.subject == "Ordonnance : Ordonnance du Dr Martin"
    [shown] = mstack.messages(mine, patient, sent.conversation_id)
    _, data = mstack.download_attachment(mine, patient, shown.message_id, shown.attachments[0].attachment_id)
    assert hashlib.sha256(data).hexdigest() == document.sha256
    # documents decided and recorded the read as hers
    reads = mstack.records_about(patient, document.document_id)
    assert {r.action for r in reads} >= {apb.ACTION_READ, apb.ACTION_DOWNLOAD}
    assert all(r.actor.id == patient for r in reads if r.action in (apb.ACTION_READ, apb.ACTION_DOWNLOAD))


def test_a_professionals_prescription_goes_too_and_her_words_replace_the_default(mstack):
    patient, pharmacy, doctor = mstack.new_patient(), new_pharmacy(mstack), mstack.new_professional()
    prescribed = mstack.upload(mstack.professional(doctor), pdf(), patient_id=patient, title="Ordonnance",
                               type_code="57833-6")
    sent = send(mstack, patient, pharmacy.pharmacy_id, prescribed.document_id, message="Pour jeudi, merci.",
                client_message_id="presc-1")
    assert sent.body == "Pour jeudi, merci."
    again = send(mstack, patient, pharmacy.pharmacy_id, prescribed.document_id, message="Pour jeudi, merci.",
                 client_message_id="presc-1")
    assert again.message_id == sent.message_id
    assert len(mstack.conversations(mstack.patient(patient), patient).conversations) == 1


def test_her_caregiver_sends_it_for_her(mstack):
    helped, caregiver = mstack.new_patient(age=80), mstack.new_patient(age=45)
    caregiving(mstack, helped, caregiver)
    pharmacy, document = new_pharmacy(mstack), her_document(mstack, helped)
    sent = send(mstack, helped, pharmacy.pharmacy_id, document.document_id,
                metadata=switched(mstack, caregiver, helped))
    assert sent.sender.participant_id == helped and sent.written_by_account_id == caregiver


def test_what_is_not_a_prescription_or_not_hers_or_to_an_unreachable_pharmacy_is_refused(mstack, hers):
    patient, pharmacy, prescription = hers
    report = her_document(mstack, patient, category=dpb.DOCUMENT_CATEGORY_CPT_REND, title="Compte rendu")
    other = mstack.new_patient()
    not_hers = her_document(mstack, other)
    personal = new_pharmacy(mstack, mailbox=pb.MAILBOX_TYPE_PERSONAL)
    refused(lambda: send(mstack, patient, pharmacy.pharmacy_id, report.document_id),
            grpc.StatusCode.FAILED_PRECONDITION, "NOT_A_PRESCRIPTION")
    refused(lambda: send(mstack, patient, pharmacy.pharmacy_id, not_hers.document_id), grpc.StatusCode.NOT_FOUND, "")
    refused(lambda: send(mstack, patient, pharmacy.pharmacy_id, "no-such-document"), grpc.StatusCode.NOT_FOUND, "")
    refused(lambda: send(mstack, patient, personal.pharmacy_id, prescription.document_id),
            grpc.StatusCode.FAILED_PRECONDITION, "PHARMACY_NOT_REACHABLE")
    refused(lambda: send(mstack, patient, "no-such-pharmacy", prescription.document_id),
            grpc.StatusCode.NOT_FOUND, "PHARMACY_NOT_FOUND")
    refused(lambda: send(mstack, patient, pharmacy.pharmacy_id, prescription.document_id, message="x" * 20_001),
            grpc.StatusCode.INVALID_ARGUMENT, "")
    refused(lambda: send(mstack, patient, pharmacy.pharmacy_id, ""), grpc.StatusCode.INVALID_ARGUMENT, "")
    refused(lambda: send(mstack, patient, pharmacy.pharmacy_id, prescription.document_id,
                         metadata=mstack.patient(other)), grpc.StatusCode.NOT_FOUND, "")
    refused(lambda: send(mstack, patient, pharmacy.pharmacy_id, prescription.document_id,
                         metadata=mstack.professional(mstack.new_mssante_professional())),
            grpc.StatusCode.PERMISSION_DENIED, "PATIENT_SIDE_ONLY")
    assert mstack.conversations(mstack.patient(patient), patient).conversations == []     # nothing stored


def test_a_text_prescription_is_checked_as_any_attachment(mstack):
    patient, pharmacy = mstack.new_patient(), new_pharmacy(mstack)
    document = her_document(mstack, patient, data=TEXT, title="Ordonnance tapée")
    sent = send(mstack, patient, pharmacy.pharmacy_id, document.document_id)
    assert sent.attachments[0].content_type.startswith("text/plain")
