"""Attachments through gRPC: checked like documents' uploads (one implementation, meskit.filecheck),
stored hashed in the object store, downloaded after audit has recorded the download; every refusal
stores nothing."""
from __future__ import annotations

import hashlib

import grpc
import pytest
from mes.audit.v1 import audit_pb2 as apb
from mes.messaging.v1 import messaging_pb2 as pb

from documents_samples import EXECUTABLE, TEXT, pdf, png
from messaging_harness import new_file, refused


@pytest.fixture
def exchange(mstack):
    patient, doctor = mstack.new_patient(), mstack.new_mssante_professional()
    return patient, doctor, mstack.start_conversation(doctor, patient)


def stored_objects(mstack) -> set[str]:
    return {o.object_name for o in mstack.s3.list_objects(mstack.bucket, recursive=True)}


def test_a_professional_sends_a_pdf_the_patient_downloads_it_and_her_history_shows_it(mstack):
    patient, doctor = mstack.new_patient(), mstack.new_mssante_professional()
    data = pdf()
    started = mstack.start_conversation(doctor, patient, attachments=[new_file("compte-rendu.pdf", data)])
    mine = mstack.patient(patient)
    [message] = mstack.messages(mine, patient, started.conversation_id)
    [attachment] = message.attachments
    assert (attachment.filename, attachment.content_type, attachment.size_bytes) == ("compte-rendu.pdf", "application/pdf",
                                                                                     len(data))
    assert attachment.sha256 == hashlib.sha256(data).hexdigest() and attachment.can_save_to_documents
    assert attachment.source == pb.ATTACHMENT_SOURCE_UPLOAD
    metadata, downloaded = mstack.download_attachment(mine, patient, message.message_id, attachment.attachment_id)
    assert downloaded == data and metadata.attachment_id == attachment.attachment_id
    [record] = [r for r in mstack.records(patient) if r.resource_id == attachment.attachment_id]
    assert (record.action, record.actor.id, record.decision) == (apb.ACTION_DOWNLOAD, patient, apb.DECISION_ALLOWED)
    stranger = mstack.new_patient()
    refused(lambda: mstack.download_attachment(mstack.patient(stranger), patient, message.message_id,
                                               attachment.attachment_id), grpc.StatusCode.NOT_FOUND, "")
    refused(lambda: mstack.download_attachment(mine, patient, message.message_id, "unknown"),
            grpc.StatusCode.NOT_FOUND, "")


def test_a_png_is_stored_as_jpeg_like_a_document(mstack, exchange):
    patient, doctor, started = exchange
    sent = mstack.reply(mstack.patient(patient), patient, started.conversation_id, "La photo",
                        attachments=[new_file("photo.png", png(), "image/png")])
    [attachment] = sent.attachments
    assert (attachment.filename, attachment.content_type) == ("photo.jpg", "image/jpeg")


@pytest.mark.parametrize("files, reason", [
    ([("ordonnance.pdf", EXECUTABLE)], "UNSUPPORTED_TYPE"),                       # an exe renamed pdf
    ([(f"page{i}.txt", TEXT) for i in range(6)], "TOO_MANY_ATTACHMENTS"),        # a sixth attachment
    ([("gros.txt", b"a" * 5_000_001)], "TOO_LARGE"),
    ([(f"part{i}.txt", b"b" * 3_400_000) for i in range(3)], "ATTACHMENTS_TOO_LARGE"),   # over 10,000,000 for the message
    ([("vide.pdf", b"")], "EMPTY"),
], ids=["exe-renamed-pdf", "sixth-attachment", "file-over-5-MB", "message-over-10-MB", "empty-file"])
def test_refused_attachments_store_nothing(mstack, exchange, files, reason):
    patient, doctor, started = exchange
    before = stored_objects(mstack)
    refused(lambda: mstack.reply(mstack.patient(patient), patient, started.conversation_id,
                                 attachments=[new_file(name, data) for name, data in files]),
            grpc.StatusCode.INVALID_ARGUMENT, reason)
    assert mstack.stored_messages(started.conversation_id) == 1 and stored_objects(mstack) == before


def test_a_document_of_her_space_cannot_be_attached_yet(mstack, exchange):
    patient, doctor, started = exchange
    refused(lambda: mstack.reply(mstack.patient(patient), patient, started.conversation_id,
                                 attachments=[pb.NewAttachment(document_id="some-document")]),
            grpc.StatusCode.UNIMPLEMENTED, "ATTACHMENT_SOURCE_UNAVAILABLE")


def upload(mstack, metadata, patient_id: str, name: str, data: bytes, chunk: int = 64 * 1024, **fields):
    def requests():
        yield pb.UploadAttachmentRequest(metadata=pb.UploadAttachmentMetadata(patient_id=patient_id, filename=name,
                                                                              **fields))
        for start in range(0, len(data), chunk):
            yield pb.UploadAttachmentRequest(chunk=data[start:start + chunk])
    return mstack.msg.UploadAttachment(requests(), metadata=metadata, timeout=30)


def test_a_file_uploaded_ahead_is_attached_by_its_id_once_and_by_its_uploader_only(mstack, exchange):
    patient, doctor, started = exchange
    mine = mstack.patient(patient)
    data = pdf()
    uploaded = upload(mstack, mine, patient, "analyse.pdf", data, chunk=100, size_bytes=len(data))
    assert (uploaded.size_bytes, uploaded.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    kept = pb.NewAttachment(attachment_id=uploaded.attachment_id)
    refused(lambda: mstack.reply(mstack.professional(doctor), patient, started.conversation_id, attachments=[kept]),
            grpc.StatusCode.INVALID_ARGUMENT, "ATTACHMENT_NOT_FOUND")
    sent = mstack.reply(mine, patient, started.conversation_id, "Voici l'analyse", attachments=[kept])
    assert [a.attachment_id for a in sent.attachments] == [uploaded.attachment_id]
    _, downloaded = mstack.download_attachment(mstack.professional(doctor), patient, sent.message_id,
                                               uploaded.attachment_id)
    assert downloaded == data
    refused(lambda: mstack.reply(mine, patient, started.conversation_id, attachments=[kept]),
            grpc.StatusCode.INVALID_ARGUMENT, "ATTACHMENT_NOT_FOUND")


def test_uploads_are_checked_like_any_attachment(mstack, exchange):
    patient, doctor, started = exchange
    mine = mstack.patient(patient)
    before = stored_objects(mstack)
    refused(lambda: upload(mstack, mine, patient, "ordonnance.pdf", EXECUTABLE), grpc.StatusCode.INVALID_ARGUMENT,
            "UNSUPPORTED_TYPE")
    refused(lambda: upload(mstack, mine, patient, "gros.txt", b"a" * 5_000_001), grpc.StatusCode.INVALID_ARGUMENT,
            "TOO_LARGE")
    refused(lambda: upload(mstack, mine, patient, "a.txt", TEXT, size_bytes=len(TEXT) + 1),
            grpc.StatusCode.INVALID_ARGUMENT, "SIZE_MISMATCH")
    refused(lambda: upload(mstack, mstack.patient(mstack.new_patient()), patient, "a.txt", TEXT),
            grpc.StatusCode.NOT_FOUND, "")
    assert stored_objects(mstack) == before
    five = [upload(mstack, mine, patient, f"p{i}.txt", TEXT) for i in range(5)]
    refused(lambda: mstack.reply(mine, patient, started.conversation_id, attachments=[
        *(pb.NewAttachment(attachment_id=u.attachment_id) for u in five), new_file("sixth.txt", TEXT)]),
        grpc.StatusCode.INVALID_ARGUMENT, "TOO_MANY_ATTACHMENTS")
