"""Every read is in audit before data leaves (fail closed); every change reaches audit through the
outbox, even when audit was down at the time of the change."""
from __future__ import annotations


import grpc
import pytest
from mes.audit.v1 import audit_pb2 as apb
from mes.documents.v1 import documents_pb2 as pb

from devtools.eventually import eventually
from documents_samples import TEXT, pdf


@pytest.fixture
def filed(stack):
    patient = stack.new_patient()
    doc = stack.upload(stack.patient(patient), TEXT, patient_id=patient, title="Ordonnance",
                       category=pb.DOCUMENT_CATEGORY_ORD_SOIN)
    return patient, doc


@pytest.fixture
def audit_down(stack):
    stack.stop("audit")
    try:
        yield
    finally:
        stack.start("audit")


class TestOneRecordPerRead:
    def test_get_download_and_list_each_leave_one_record(self, stack, filed):
        patient, doc = filed
        me = stack.patient(patient)
        stack.docs.GetDocument(pb.GetDocumentRequest(patient_id=patient, document_id=doc.document_id), metadata=me)
        stack.download(me, patient, doc.document_id)
        stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=patient), metadata=me)
        records = stack.records(patient)
        by_action = {a: [r for r in records if r.action == a] for a in (apb.ACTION_READ, apb.ACTION_DOWNLOAD, apb.ACTION_LIST)}
        assert [len(v) for v in by_action.values()] == [1, 1, 1]
        for record in (by_action[apb.ACTION_READ][0], by_action[apb.ACTION_DOWNLOAD][0]):
            assert record.resource_id == doc.document_id and record.rule == "patient_owner"
            assert record.decision == apb.DECISION_ALLOWED and record.actor.id == patient
            assert record.service == "documents" and record.group == apb.ACTIVITY_GROUP_MEDICAL_DOCUMENT
        assert by_action[apb.ACTION_LIST][0].rule == "patient_owner"

    def test_a_refused_list_is_recorded_too(self, stack, filed):
        patient, _ = filed
        insurer = stack.new_professional("10", insurer_doctor=True)
        with pytest.raises(grpc.RpcError) as caught:
            stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=patient), metadata=stack.professional(insurer))
        assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
        (record,) = [r for r in stack.records(patient) if r.action == apb.ACTION_LIST]
        assert record.decision == apb.DECISION_DENIED and record.rule == "insurer_never"

    def test_a_list_that_withholds_everything_records_why(self, stack, filed):
        patient, _ = filed
        nurse = stack.new_professional("60")          # outside her care team
        listed = stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=patient), metadata=stack.professional(nurse))
        assert list(listed.documents) == []
        (record,) = [r for r in stack.records(patient) if r.action == apb.ACTION_LIST]
        assert record.decision == apb.DECISION_DENIED and record.rule == "not_in_care_team"


class TestChangesThroughTheOutbox:
    def test_deposit_update_and_delete_reach_audit(self, stack, filed):
        patient, doc = filed
        stack.docs.UpdateDocument(pb.UpdateDocumentRequest(patient_id=patient, document_id=doc.document_id,
                                                           title="Ordonnance du Dr B"), metadata=stack.patient(patient))
        stack.docs.DeleteDocument(pb.DeleteDocumentRequest(patient_id=patient, document_id=doc.document_id),
                                  metadata=stack.patient(patient))
        wanted = {apb.ACTION_CREATE, apb.ACTION_UPDATE, apb.ACTION_DELETE}

        def changes():
            found = stack.records_about(patient, doc.document_id)
            return found if {r.action for r in found} >= wanted else None
        records = eventually(changes, what="the changes in audit")
        assert {r.rule for r in records if r.action in wanted} == {"patient_owner", "patient_own_deposit"}

    def test_a_refused_change_is_recorded(self, stack, filed):
        patient, _ = filed
        gp = stack.new_professional("10")
        by_gp = stack.upload(stack.professional(gp), pdf(), patient_id=patient, title="CR", type_code="11488-4")
        with pytest.raises(grpc.RpcError):
            stack.docs.DeleteDocument(pb.DeleteDocumentRequest(patient_id=patient, document_id=by_gp.document_id),
                                      metadata=stack.patient(patient))
        records = eventually(lambda: stack.records_about(patient, by_gp.document_id, apb.ACTION_DELETE))
        assert records[0].decision == apb.DECISION_DENIED and records[0].rule == "read_only_for_patient"


class TestAuditDown:
    def test_reads_are_refused_and_nothing_leaves(self, stack, filed, audit_down):
        patient, doc = filed
        me = stack.patient(patient)
        received = []           # not even the download's metadata
        for call in (lambda: stack.docs.GetDocument(pb.GetDocumentRequest(patient_id=patient, document_id=doc.document_id),
                                                    metadata=me, timeout=10),
                     lambda: received.extend(stack.docs.DownloadDocument(pb.DownloadDocumentRequest(
                         patient_id=patient, document_id=doc.document_id), metadata=me, timeout=10)),
                     lambda: stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=patient), metadata=me, timeout=10)):
            with pytest.raises(grpc.RpcError) as caught:
                call()
            assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
        assert received == []

    def test_uploads_still_succeed_and_reach_audit_once_it_is_back(self, stack):
        patient = stack.new_patient()
        stack.stop("audit")
        try:
            doc = stack.upload(stack.patient(patient), TEXT, patient_id=patient, title="Pendant la panne",
                               category=pb.DOCUMENT_CATEGORY_AUTR_DOC)
            assert doc.document_id and stack.pending_outbox() >= 1
        finally:
            stack.start("audit")
        records = eventually(lambda: stack.records_about(patient, doc.document_id, apb.ACTION_CREATE), timeout=30)
        assert len(records) == 1 and records[0].rule == "patient_owner"
        eventually(lambda: stack.pending_outbox() == 0, timeout=30, what="documents' outbox relayed")
