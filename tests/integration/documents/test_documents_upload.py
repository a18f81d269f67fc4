"""UploadDocument through the real server: bytes decide, refusals store nothing, PNG comes back as JPEG."""
from __future__ import annotations

import io

import grpc
import pytest
from mes.audit.v1 import audit_pb2 as apb
from mes.documents.v1 import documents_pb2 as pb
from PIL import Image

from documents_harness import error_reason, sha256
from devtools.eventually import eventually
from documents_samples import EXECUTABLE, RTF, TEXT, jpeg, pdf, png, tiff


@pytest.fixture
def patient(stack):
    return stack.new_patient()


def refused(stack, patient, data, **fields) -> tuple[grpc.StatusCode, str]:
    before_objects, before_rows = stack.objects(), stack.rows(patient)
    with pytest.raises(grpc.RpcError) as caught:
        stack.upload(stack.patient(patient), data, patient_id=patient, title="Essai", category=pb.DOCUMENT_CATEGORY_AUTR_DOC,
                     **fields)
    assert stack.objects() == before_objects, "a refused upload left an object in S3"
    assert stack.rows(patient) == before_rows, "a refused upload left a row in PostgreSQL"
    return caught.value.code(), error_reason(caught.value)


class TestRefusals:
    def test_rejects_exe_renamed_pdf(self, stack, patient):
        assert refused(stack, patient, EXECUTABLE, filename="compte-rendu.pdf", content_type="application/pdf") == (
            grpc.StatusCode.INVALID_ARGUMENT, "UNSUPPORTED_TYPE")

    def test_rejects_5_000_001_bytes_while_streaming(self, stack, patient):
        assert refused(stack, patient, b"a" * 5_000_001) == (grpc.StatusCode.INVALID_ARGUMENT, "TOO_LARGE")

    def test_rejects_a_declared_size_over_the_limit_before_reading(self, stack, patient):
        assert refused(stack, patient, TEXT, size_bytes=5_000_001) == (grpc.StatusCode.INVALID_ARGUMENT, "TOO_LARGE")

    def test_rejects_a_chunk_over_one_mebibyte(self, stack, patient):
        data = b"a" * (1024 * 1024 + 1)
        assert refused(stack, patient, data, chunk=len(data)) == (grpc.StatusCode.INVALID_ARGUMENT, "CHUNK_TOO_LARGE")

    def test_rejects_empty(self, stack, patient):
        assert refused(stack, patient, b"") == (grpc.StatusCode.INVALID_ARGUMENT, "EMPTY")

    def test_rejects_truncated_png(self, stack, patient):
        data = png(size=(400, 400), color=(9, 9, 9))
        assert refused(stack, patient, data[:len(data) // 2]) == (grpc.StatusCode.INVALID_ARGUMENT, "CORRUPT")

    def test_rejects_a_wrong_declared_digest(self, stack, patient):
        assert refused(stack, patient, TEXT, sha256="0" * 64) == (grpc.StatusCode.INVALID_ARGUMENT, "CHECKSUM_MISMATCH")

    def test_rejects_a_patient_category_missing(self, stack, patient):
        with pytest.raises(grpc.RpcError) as caught:
            stack.upload(stack.patient(patient), TEXT, patient_id=patient, title="x")
        assert error_reason(caught.value) == "INVALID_CATEGORY"

    def test_rejects_metadata_that_is_not_first(self, stack, patient):
        def requests():
            yield pb.UploadDocumentRequest(chunk=b"hello")
        with pytest.raises(grpc.RpcError) as caught:
            stack.docs.UploadDocument(requests(), metadata=stack.patient(patient), timeout=10)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT

    def test_another_patient_cannot_deposit(self, stack, patient):
        other = stack.new_patient()
        with pytest.raises(grpc.RpcError) as caught:
            stack.upload(stack.patient(other), TEXT, patient_id=patient, title="x", category=pb.DOCUMENT_CATEGORY_AUTR_DOC)
        assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert stack.rows(patient) == 0


class TestAccepted:
    def test_png_comes_back_as_jpeg(self, stack, patient):
        data = png(size=(120, 80))
        doc = stack.upload(stack.patient(patient), data, patient_id=patient, title="Radio du genou",
                           category=pb.DOCUMENT_CATEGORY_RADIO_SC, filename="genou.png", content_type="image/png")
        assert doc.content_type == "image/jpeg" and doc.filename == "Radio du genou.jpg"
        assert doc.type_code == "DOCPAT04" and doc.class_code == "31"
        meta, body = stack.download(stack.patient(patient), patient, doc.document_id)
        assert body.startswith(b"\xff\xd8\xff") and sha256(body) == doc.sha256 == meta.sha256
        with Image.open(io.BytesIO(body)) as image:
            assert image.format == "JPEG" and image.size == (120, 80)

    @pytest.mark.parametrize("make, content_type", [
        (pdf, "application/pdf"), (tiff, "image/tiff"), (lambda: RTF, "application/rtf"),
        (lambda: TEXT, "text/plain; charset=utf-8"), (jpeg, "image/jpeg")])
    def test_each_format_round_trips(self, stack, patient, make, content_type):
        data = make()
        doc = stack.upload(stack.patient(patient), data, chunk=1000, patient_id=patient, title="Doc",
                           category=pb.DOCUMENT_CATEGORY_CPT_REND, sha256=sha256(data), size_bytes=len(data))
        assert doc.content_type == content_type and doc.size_bytes == len(data)
        assert stack.download(stack.patient(patient), patient, doc.document_id)[1] == data

    def test_exactly_the_limit_is_accepted(self, stack, patient):
        data = b"a" * 5_000_000
        doc = stack.upload(stack.patient(patient), data, patient_id=patient, title="Long",
                           category=pb.DOCUMENT_CATEGORY_AUTR_DOC)
        assert doc.size_bytes == 5_000_000

    def test_object_key_is_random_and_not_the_title(self, stack, patient):
        doc = stack.upload(stack.patient(patient), TEXT, patient_id=patient, title="Jeanne Durand VIH",
                           category=pb.DOCUMENT_CATEGORY_BIOLOGIE)
        key = stack.object_key(doc.document_id)
        assert f"documents/{key}" in stack.objects()
        assert "Durand" not in key and patient not in key and len(key) == 32

    def test_upload_id_makes_a_replay_return_the_first_deposit(self, stack, patient):
        fields = dict(patient_id=patient, title="Ordonnance", category=pb.DOCUMENT_CATEGORY_ORD_SOIN, upload_id="u-1")
        first = stack.upload(stack.patient(patient), TEXT, **fields)
        again = stack.upload(stack.patient(patient), TEXT, **fields)
        assert again.document_id == first.document_id and stack.rows(patient) == 1

    def test_a_deposit_losing_the_upload_id_race_writes_nothing(self, stack, patient):
        # the insert itself refuses a second document under the same upload id (the other deposit
        # committed between the lookup and the insert): DuplicateUpload, and the transaction is rolled back
        import dataclasses
        import uuid

        from documents.adapters.repository import DocumentsRepository
        from documents.domain.errors import DuplicateUpload
        from meskit import db
        first = stack.upload(stack.patient(patient), TEXT, patient_id=patient, category=pb.DOCUMENT_CATEGORY_ORD_SOIN,
                             upload_id="u-race")
        unit_of_work = db.unit_of_work(stack.engine(), DocumentsRepository)
        with unit_of_work() as repo:
            stored = repo.get_document(patient, first.document_id)
        key = stored.author.delegate_account_id or stored.author.id          # as deposit.upload keys it
        with pytest.raises(DuplicateUpload):
            with unit_of_work() as repo:
                repo.add_document(dataclasses.replace(stored, document_id=str(uuid.uuid4()),
                                                      object_key=uuid.uuid4().hex), upload_key=key)
        assert stack.rows(patient) == 1

    def test_patient_default_masks_new_documents(self, stack, patient):
        from mes.identity.v1 import identity_pb2 as ipb
        stack.identity.SetMaskNewDocumentsByDefault(ipb.SetMaskNewDocumentsByDefaultRequest(
            patient_id=patient, mask=True), metadata=stack.patient(patient), timeout=10)
        masked = stack.upload(stack.patient(patient), TEXT, patient_id=patient, title="a",
                              category=pb.DOCUMENT_CATEGORY_AUTR_DOC)
        chosen = stack.upload(stack.patient(patient), TEXT, patient_id=patient, title="b",
                              category=pb.DOCUMENT_CATEGORY_AUTR_DOC, masked=False)
        gp = stack.new_professional("10")
        by_gp = stack.upload(stack.professional(gp), pdf(), patient_id=patient, title="CR", type_code="11488-4")
        assert masked.visibility.masked and not chosen.visibility.masked and by_gp.visibility.masked

    def test_professional_deposit_notifies_the_patient(self, stack, patient):
        gp = stack.new_professional("10")
        doc = stack.upload(stack.professional(gp), pdf(), patient_id=patient, title="CR de consultation",
                           type_code="11488-4", class_code="10")
        assert doc.category == pb.DOCUMENT_CATEGORY_CPT_REND and doc.author.type == pb.AUTHOR_TYPE_PRACTITIONER
        assert doc.author.display_name.startswith("Paul Bernard")
        (item,) = eventually(lambda: stack.bell(patient, "AJOUT_DOCUMENT"), what="the deposit on her bell")
        assert "Paul Bernard" in item.body
        assert [p["document_id"] for p in stack.published(patient, "AJOUT_DOCUMENT")] == [doc.document_id]

    def test_a_professional_gives_a_known_type_code(self, stack, patient):
        gp = stack.new_professional("10")
        for type_code, class_code in (("NOPE", ""), ("11488-4", "31"), ("DOCPAT01", "")):
            with pytest.raises(grpc.RpcError) as caught:
                stack.upload(stack.professional(gp), pdf(), patient_id=patient, title="CR", type_code=type_code,
                             class_code=class_code)
            assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT

    def test_upload_policy(self, stack, patient):
        policy = stack.docs.GetUploadPolicy(pb.GetUploadPolicyRequest(), metadata=stack.patient(patient), timeout=5)
        assert policy.max_size_bytes == 5_000_000
        assert {t.content_type for t in policy.accepted_file_types} >= {"image/png", "application/pdf"}


def disguised():
    """(name, bytes, reason) of files that are not what they claim (issue 10, point 9)."""
    from crafted_files import (RTF_WITH_OBJECT, handmade_pdf, jpeg_scan_damaged, pdf_with_object_stream,
                               zip_archive)
    return {
        "pdf_zip_polyglot": (pdf() + zip_archive(), "POLYGLOT"),
        "zip_starting_with_a_pdf_header": (b"%PDF-1.7\n" + zip_archive(), "POLYGLOT"),
        "pdf_javascript_open_action": (handmade_pdf(b"/OpenAction 4 0 R",
                                                    rb"<< /S /JavaScript /JS (app.alert\(1\)) >>"), "PDF_JAVASCRIPT"),
        "pdf_launch_in_an_object_stream": (pdf_with_object_stream(rb"<< /S /Launch /F (cmd.exe) >>"),
                                           "PDF_LAUNCH_ACTION"),
        "rtf_embedded_object": (RTF_WITH_OBJECT, "RTF_EMBEDDED_OBJECT"),
        "damaged_jpeg": (jpeg_scan_damaged(), "CORRUPT"),
        "truncated_tiff": (tiff(size=(200, 200))[:20_000], "CORRUPT"),
        "utf16_text": ("Compte rendu de consultation".encode("utf-16"), "INVALID_TEXT"),
    }


class TestDisguisedUploads:
    @pytest.mark.parametrize("case", list(disguised()))
    def test_a_professionals_disguised_file_is_refused_and_leaves_nothing(self, stack, patient, case):
        """No object, no row, no audit record of a deposit, no notice for the patient."""
        data, reason = disguised()[case]
        gp = stack.new_professional("10")
        objects = stack.objects()
        with pytest.raises(grpc.RpcError) as caught:
            stack.upload(stack.professional(gp), data, patient_id=patient, title="CR", type_code="11488-4")
        assert (caught.value.code(), error_reason(caught.value)) == (grpc.StatusCode.INVALID_ARGUMENT, reason)
        assert caught.value.details() and caught.value.details()[0].isupper()       # a French sentence
        assert (stack.objects(), stack.rows(patient)) == (objects, 0)
        # then an honest deposit: what audit, the outbox and the bell hold is that one only
        honest = stack.upload(stack.professional(gp), pdf(), patient_id=patient, title="CR", type_code="11488-4")
        eventually(lambda: stack.pending_outbox() == 0, what="documents' outbox relayed")
        eventually(lambda: len(stack.bell(patient, "AJOUT_DOCUMENT")) == 1, what="the honest deposit on her bell")
        created = [r for r in stack.records(patient) if r.action == apb.ACTION_CREATE]
        assert [r.resource_id for r in created] == [honest.document_id]
        assert [p["document_id"] for p in stack.published(patient, "AJOUT_DOCUMENT")] == [honest.document_id]

    def test_the_patients_disguised_upload_stores_nothing(self, stack, patient):
        for case, (data, reason) in disguised().items():
            assert refused(stack, patient, data) == (grpc.StatusCode.INVALID_ARGUMENT, reason), case
