"""Download integrity, deletion rules, metadata edits, visibility, folders, erasure."""
from __future__ import annotations

import io
import threading

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from mes.documents.v1 import documents_pb2 as pb
from mes.identity.v1 import identity_pb2 as ipb

from devtools.eventually import eventually
from documents_harness import error_reason
from documents_samples import TEXT, pdf
from meskit.objects import S3Store


@pytest.fixture
def space(stack):
    patient = stack.new_patient()
    gp = stack.new_professional("10")
    own = stack.upload(stack.patient(patient), TEXT, patient_id=patient, title="Mon ordonnance",
                       category=pb.DOCUMENT_CATEGORY_ORD_SOIN, document_date="2025-06-01")
    by_gp = stack.upload(stack.professional(gp), pdf(), patient_id=patient, title="CR de consultation",
                         type_code="11488-4")
    return patient, gp, own, by_gp


def code_of(call) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    return caught.value.code()


class TestDownloadIntegrity:
    def test_a_corrupted_object_is_refused_with_data_loss(self, stack, space):
        patient, _, own, _ = space
        key = f"documents/{stack.object_key(own.document_id)}"
        stack.s3.put_object(stack.bucket, key, io.BytesIO(b"tampered!"), 9)
        with pytest.raises(grpc.RpcError) as caught:
            stack.download(stack.patient(patient), patient, own.document_id)
        assert caught.value.code() == grpc.StatusCode.DATA_LOSS and error_reason(caught.value) == "CHECKSUM_MISMATCH"

    def test_same_size_tampering_is_caught_too(self, stack, space):
        patient, _, own, _ = space
        key = f"documents/{stack.object_key(own.document_id)}"
        original = stack.s3.get_object(stack.bucket, key).read()
        flipped = bytes([original[0] ^ 1]) + original[1:]
        stack.s3.put_object(stack.bucket, key, io.BytesIO(flipped), len(flipped))
        assert code_of(lambda: stack.download(stack.patient(patient), patient, own.document_id)) == grpc.StatusCode.DATA_LOSS


MANY_CHUNKS = b"Compte rendu de consultation, page suivante.\n" * 7_000       # ~315 KB: five 64 KiB chunks


class HeldOpenStreams:
    """The real S3 store of documents, counting the object streams it has open (none once each closed),
    each held after its first `passed` chunks until the test sets `released`: the server cannot have
    read an object to its end (and closed it) before the test says so."""

    def __init__(self, store: S3Store, passed: int):
        self.store, self.passed, self.open = store, passed, 0
        self.released = threading.Event()

    def __getattr__(self, name):
        return getattr(self.store, name)

    def stream(self, key: str, chunk_size: int):
        chunks = self.store.stream(key, chunk_size)
        self.open += 1
        try:
            for count, chunk in enumerate(chunks):
                if count == self.passed:
                    self.released.wait()
                yield chunk
        finally:
            chunks.close()
            self.open -= 1


class TestStreamedDownload:
    def test_a_document_of_many_chunks_comes_back_as_uploaded(self, stack):
        patient = stack.new_patient()
        doc = stack.upload(stack.patient(patient), MANY_CHUNKS, patient_id=patient, category=pb.DOCUMENT_CATEGORY_ORD_SOIN)
        replies = list(stack.docs.DownloadDocument(pb.DownloadDocumentRequest(
            patient_id=patient, document_id=doc.document_id), metadata=stack.patient(patient), timeout=30))
        assert len(replies) > 3 and all(len(r.chunk) <= 64 * 1024 for r in replies[1:])
        assert b"".join(r.chunk for r in replies[1:]) == MANY_CHUNKS

    def test_a_corruption_near_the_end_cuts_the_stream_before_its_last_chunk(self, stack):
        patient = stack.new_patient()
        doc = stack.upload(stack.patient(patient), MANY_CHUNKS, patient_id=patient, category=pb.DOCUMENT_CATEGORY_ORD_SOIN)
        key = f"documents/{stack.object_key(doc.document_id)}"
        flipped = MANY_CHUNKS[:-1] + b"!"
        stack.s3.put_object(stack.bucket, key, io.BytesIO(flipped), len(flipped))
        received = []
        with pytest.raises(grpc.RpcError) as caught:
            for reply in stack.docs.DownloadDocument(pb.DownloadDocumentRequest(
                    patient_id=patient, document_id=doc.document_id), metadata=stack.patient(patient), timeout=30):
                received.append(reply.chunk)
        assert caught.value.code() == grpc.StatusCode.DATA_LOSS and error_reason(caught.value) == "CHECKSUM_MISMATCH"
        assert len(b"".join(received)) < len(flipped)       # the altered end never left

    def test_a_longer_object_is_cut_short_too(self, stack):
        patient = stack.new_patient()
        doc = stack.upload(stack.patient(patient), MANY_CHUNKS, patient_id=patient, category=pb.DOCUMENT_CATEGORY_ORD_SOIN)
        key = f"documents/{stack.object_key(doc.document_id)}"
        longer = MANY_CHUNKS + b"more"
        stack.s3.put_object(stack.bucket, key, io.BytesIO(longer), len(longer))
        with pytest.raises(grpc.RpcError) as caught:
            stack.download(stack.patient(patient), patient, doc.document_id)
        assert caught.value.code() == grpc.StatusCode.DATA_LOSS

    def test_a_cancelled_download_closes_its_object_stream(self, stack):
        store = HeldOpenStreams(S3Store(f"127.0.0.1:{stack.s3_port}", "test", "test", stack.bucket, secure=False,
                                        region="us-east-1", prefix="documents/"), passed=2)
        docs, stop = stack.start_documents_replica(objects=store)
        try:
            patient = stack.new_patient()
            doc = stack.upload(stack.patient(patient), MANY_CHUNKS, patient_id=patient,
                               category=pb.DOCUMENT_CATEGORY_ORD_SOIN)
            call = docs.DownloadDocument(pb.DownloadDocumentRequest(patient_id=patient, document_id=doc.document_id),
                                         metadata=stack.patient(patient), timeout=30)
            assert next(call).WhichOneof("payload") == "metadata" and next(call).chunk
            assert store.open == 1
            call.cancel()
            store.released.set()      # the server goes on reading, finds the call cancelled and closes the object
            eventually(lambda: store.open == 0, 10, 0.05, "the cancelled download's object stream closed")
            replies = list(docs.DownloadDocument(pb.DownloadDocumentRequest(
                patient_id=patient, document_id=doc.document_id), metadata=stack.patient(patient), timeout=30))
            assert b"".join(r.chunk for r in replies[1:]) == MANY_CHUNKS and store.open == 0
        finally:
            store.released.set()
            stop()


class TestDelete:
    def test_patient_deletes_own_upload_row_and_object(self, stack, space):
        patient, _, own, _ = space
        key = f"documents/{stack.object_key(own.document_id)}"
        stack.docs.DeleteDocument(pb.DeleteDocumentRequest(patient_id=patient, document_id=own.document_id),
                                  metadata=stack.patient(patient))
        assert key not in stack.objects() and stack.rows(patient) == 1
        assert code_of(lambda: stack.docs.GetDocument(pb.GetDocumentRequest(
            patient_id=patient, document_id=own.document_id), metadata=stack.patient(patient))) == grpc.StatusCode.NOT_FOUND

    def test_patient_cannot_delete_a_professional_deposit(self, stack, space):
        patient, _, _, by_gp = space
        assert code_of(lambda: stack.docs.DeleteDocument(pb.DeleteDocumentRequest(
            patient_id=patient, document_id=by_gp.document_id), metadata=stack.patient(patient))) == \
            grpc.StatusCode.PERMISSION_DENIED

    def test_another_professional_cannot_delete(self, stack, space):
        patient, _, own, by_gp = space
        other = stack.new_professional("10")
        stack.identity.AddCareTeamMember(ipb.AddCareTeamMemberRequest(
            patient_id=patient, professional_id=other.professional_id), metadata=stack.patient(patient), timeout=10)
        with pytest.raises(grpc.RpcError) as caught:    # a report the other doctor reads: refused as not theirs
            stack.docs.DeleteDocument(pb.DeleteDocumentRequest(patient_id=patient, document_id=by_gp.document_id),
                                      metadata=stack.professional(other))
        assert (caught.value.code(), error_reason(caught.value)) == (grpc.StatusCode.PERMISSION_DENIED, "NOT_THE_AUTHOR")
        # the patient's own upload: refused too (as not theirs, or as a document they cannot see)
        assert code_of(lambda: stack.docs.DeleteDocument(pb.DeleteDocumentRequest(
            patient_id=patient, document_id=own.document_id), metadata=stack.professional(other))) in (
            grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND)
        assert stack.rows(patient) == 2

    def test_author_deletes_and_the_patient_sees_a_tombstone(self, stack, space):
        patient, gp, _, by_gp = space
        key = f"documents/{stack.object_key(by_gp.document_id)}"
        stack.docs.DeleteDocument(pb.DeleteDocumentRequest(patient_id=patient, document_id=by_gp.document_id),
                                  metadata=stack.professional(gp))
        assert key not in stack.objects()
        listed = stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=patient, include_deleted=True),
                                          metadata=stack.patient(patient))
        (tombstone,) = [d for d in listed.documents if d.document_id == by_gp.document_id]
        assert tombstone.state == pb.DOCUMENT_STATE_DELETED_BY_AUTHOR and not tombstone.permissions.can_download
        plain = stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=patient), metadata=stack.patient(patient))
        assert by_gp.document_id not in [d.document_id for d in plain.documents]
        assert code_of(lambda: stack.download(stack.patient(patient), patient, by_gp.document_id)) == \
            grpc.StatusCode.NOT_FOUND     # deleted: no longer there, though its tombstone is listed

    def test_batch_delete_is_all_or_nothing(self, stack, space):
        patient, _, own, by_gp = space
        assert code_of(lambda: stack.docs.BatchDeleteDocuments(pb.BatchDeleteDocumentsRequest(
            patient_id=patient, document_ids=[own.document_id, by_gp.document_id]),
            metadata=stack.patient(patient))) == grpc.StatusCode.PERMISSION_DENIED
        assert stack.rows(patient) == 2
        second = stack.upload(stack.patient(patient), TEXT, patient_id=patient, title="b", category=pb.DOCUMENT_CATEGORY_AUTR_DOC)
        stack.docs.BatchDeleteDocuments(pb.BatchDeleteDocumentsRequest(
            patient_id=patient, document_ids=[own.document_id, second.document_id]), metadata=stack.patient(patient))
        assert stack.rows(patient) == 1
        assert code_of(lambda: stack.docs.BatchDeleteDocuments(pb.BatchDeleteDocumentsRequest(
            patient_id=patient, document_ids=[f"d{i}" for i in range(11)]), metadata=stack.patient(patient))) == \
            grpc.StatusCode.INVALID_ARGUMENT


class TestEdits:
    def test_patient_renames_redates_and_recategorises_own_upload(self, stack, space):
        patient, _, own, _ = space
        updated = stack.docs.UpdateDocument(pb.UpdateDocumentRequest(
            patient_id=patient, document_id=own.document_id, title="Analyse de sang", document_date="2025-07-14",
            category=pb.DOCUMENT_CATEGORY_BIOLOGIE), metadata=stack.patient(patient))
        assert (updated.title, updated.document_date, updated.category, updated.type_code) == (
            "Analyse de sang", "2025-07-14", pb.DOCUMENT_CATEGORY_BIOLOGIE, "DOCPAT05")
        assert updated.permissions.can_update_title and updated.permissions.can_delete

    def test_professional_deposits_are_read_only_for_the_patient(self, stack, space):
        patient, _, _, by_gp = space
        got = stack.docs.GetDocument(pb.GetDocumentRequest(patient_id=patient, document_id=by_gp.document_id),
                                     metadata=stack.patient(patient))
        assert not got.permissions.can_update_title and not got.permissions.can_delete
        assert got.permissions.can_update_visibility and got.permissions.can_organise
        assert code_of(lambda: stack.docs.UpdateDocument(pb.UpdateDocumentRequest(
            patient_id=patient, document_id=by_gp.document_id, title="x"), metadata=stack.patient(patient))) == \
            grpc.StatusCode.PERMISSION_DENIED
        pinned = stack.docs.UpdateDocument(pb.UpdateDocumentRequest(
            patient_id=patient, document_id=by_gp.document_id, pinned=True), metadata=stack.patient(patient))
        assert pinned.pinned and pinned.HasField("pinned_at")

    @pytest.mark.parametrize("field, value", [("document_date", "2999-01-01"), ("document_date", "hier"),
                                              ("title", " "), ("category", pb.DOCUMENT_CATEGORY_REMB)])
    def test_invalid_edits(self, stack, space, field, value):
        patient, _, own, _ = space
        assert code_of(lambda: stack.docs.UpdateDocument(pb.UpdateDocumentRequest(
            patient_id=patient, document_id=own.document_id, **{field: value}), metadata=stack.patient(patient))) == \
            grpc.StatusCode.INVALID_ARGUMENT


class TestVisibility:
    def test_author_masks_at_the_patients_request_and_sets_an_embargo_date(self, stack, space):
        patient, gp, _, by_gp = space
        until = Timestamp()
        until.GetCurrentTime()
        until.seconds += 7 * 24 * 3600
        changed = stack.docs.SetDocumentVisibility(pb.SetDocumentVisibilityRequest(
            patient_id=patient, document_id=by_gp.document_id, masked=True, hidden_from_patient=True,
            hidden_from_patient_until=until), metadata=stack.professional(gp))
        assert changed.visibility.masked and changed.visibility.hidden_from_patient
        assert changed.visibility.hidden_from_patient_until.seconds == until.seconds
        assert code_of(lambda: stack.docs.SetDocumentVisibility(pb.SetDocumentVisibilityRequest(
            patient_id=patient, document_id=by_gp.document_id, masked=False), metadata=stack.professional(gp))) == \
            grpc.StatusCode.PERMISSION_DENIED

    def test_mask_all_then_unmask_all(self, stack, space):
        patient, _, _, _ = space
        masked = stack.docs.MaskAllDocuments(pb.MaskAllDocumentsRequest(patient_id=patient, masked=True),
                                             metadata=stack.patient(patient))
        assert masked.updated == 2
        listed = stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=patient), metadata=stack.patient(patient))
        assert all(d.visibility.masked for d in listed.documents)
        assert stack.docs.MaskAllDocuments(pb.MaskAllDocumentsRequest(patient_id=patient, masked=False),
                                           metadata=stack.patient(patient)).updated == 2

    def test_a_professional_cannot_mask_everything(self, stack, space):
        patient, gp, _, _ = space
        assert code_of(lambda: stack.docs.MaskAllDocuments(pb.MaskAllDocumentsRequest(patient_id=patient, masked=True),
                                                           metadata=stack.professional(gp))) == \
            grpc.StatusCode.PERMISSION_DENIED


class TestFolders:
    def test_folders_hold_documents_and_deleting_one_keeps_them(self, stack, space):
        patient, _, own, by_gp = space
        me = stack.patient(patient)
        folder = stack.docs.CreateFolder(pb.CreateFolderRequest(patient_id=patient, name="Cardiologie"), metadata=me)
        for doc in (own, by_gp):
            stack.docs.UpdateDocument(pb.UpdateDocumentRequest(patient_id=patient, document_id=doc.document_id,
                                                               folder_id=folder.folder_id), metadata=me)
        (listed,) = stack.docs.ListFolders(pb.ListFoldersRequest(patient_id=patient), metadata=me).folders
        assert listed.document_count == 2
        inside = stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=patient, folder_id=folder.folder_id),
                                          metadata=me)
        assert len(inside.documents) == 2
        renamed = stack.docs.UpdateFolder(pb.UpdateFolderRequest(patient_id=patient, folder_id=folder.folder_id,
                                                                 name="Cœur"), metadata=me)
        assert renamed.name == "Cœur"
        stack.docs.DeleteFolder(pb.DeleteFolderRequest(patient_id=patient, folder_id=folder.folder_id), metadata=me)
        assert stack.rows(patient) == 2
        assert code_of(lambda: stack.docs.CreateFolder(pb.CreateFolderRequest(patient_id=patient, name="x" * 51),
                                                       metadata=me)) == grpc.StatusCode.INVALID_ARGUMENT


class TestErasure:
    def test_operator_erases_a_whole_space(self, stack, space):
        patient, _, own, by_gp = space
        keys = {f"documents/{stack.object_key(d.document_id)}" for d in (own, by_gp)}
        reply = stack.docs.DeletePatientDocuments(pb.DeletePatientDocumentsRequest(
            patient_id=patient, reason="retention_expired"), metadata=stack.operator)
        assert reply.deleted_count == 2 and stack.rows(patient) == 0 and not keys & stack.objects()

    def test_patients_cannot_erase(self, stack, space):
        patient = space[0]
        assert code_of(lambda: stack.docs.DeletePatientDocuments(pb.DeletePatientDocumentsRequest(
            patient_id=patient, reason="x"), metadata=stack.patient(patient))) == grpc.StatusCode.PERMISSION_DENIED
