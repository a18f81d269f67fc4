"""identity's ReportSuspiciousAccess and ListAccessReports over the whole stack: the reported access
is a professional's read of a document, recorded by documents in audit, which identity asks for."""
from __future__ import annotations

import uuid

import grpc
import pytest
from mes.audit.v1 import audit_pb2 as apb
from mes.documents.v1 import documents_pb2 as pb
from mes.identity.v1 import identity_pb2 as ipb

from devtools.eventually import eventually
from devtools.rpc_errors import error_details
from documents_samples import pdf
from meskit.auth import SUPPORT, Caller


@pytest.fixture
def accessed(stack):
    """A patient whose physiotherapist (in her care team) read a report of her GP: (patient, kine, record id)."""
    patient = stack.new_patient()
    gp, kine = stack.new_professional("10"), stack.new_professional("70")
    for professional in (gp, kine):
        stack.add_to_care_team(patient, professional)
    document = stack.upload(stack.professional(gp), pdf(), patient_id=patient, title="Bilan", type_code="47420-5")
    stack.docs.GetDocument(pb.GetDocumentRequest(patient_id=patient, document_id=document.document_id),
                           metadata=stack.professional(kine), timeout=10)
    (read,) = [r for r in stack.records_about(patient, document.document_id, apb.ACTION_READ)
               if r.actor.id == kine.professional_id]
    return patient, kine, document.document_id, read.record_id


def report(stack, patient, record_id, comment="Je ne connais pas ce professionnel", block=False, metadata=None):
    return stack.identity.ReportSuspiciousAccess(ipb.ReportSuspiciousAccessRequest(
        patient_id=patient, record_id=record_id, comment=comment, block_professional=block),
        metadata=metadata or stack.patient(patient), timeout=10)


def refused(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    return caught.value


def reports(stack, **filters) -> list[ipb.AccessReport]:
    return list(stack.identity.ListAccessReports(ipb.ListAccessReportsRequest(**filters),
                                                 metadata=stack.token(Caller(SUPPORT, "agent-1")), timeout=10).reports)


class TestReport:
    def test_reported_with_a_block_in_the_same_step(self, stack, accessed):
        patient, kine, document_id, record_id = accessed
        made = report(stack, patient, record_id, block=True)
        assert (made.patient_id, made.record_id, made.professional_id, made.rpps, made.profession_code) == \
            (patient, record_id, kine.professional_id, kine.rpps, "70")
        assert made.professional_blocked and made.reported_by == patient and made.accessed_at.seconds
        settings = stack.identity.GetAccessSettings(ipb.GetAccessSettingsRequest(patient_id=patient),
                                                    metadata=stack.patient(patient), timeout=10)
        assert kine.professional_id in settings.blocked_professional_ids
        assert kine.professional_id not in [m.professional_id for m in settings.care_team]
        error = refused(lambda: stack.docs.GetDocument(pb.GetDocumentRequest(
            patient_id=patient, document_id=document_id), metadata=stack.professional(kine), timeout=10))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED and error_details(error)[1] == "BLOCKED_PROFESSIONAL"
        (listed,) = reports(stack, patient_id=patient)
        assert (listed.report_id, listed.comment) == (made.report_id, "Je ne connais pas ce professionnel")

    def test_reported_without_a_block_leaves_the_care_team_as_it_was(self, stack, accessed):
        patient, kine, _, record_id = accessed
        assert not report(stack, patient, record_id).professional_blocked
        settings = stack.identity.GetAccessSettings(ipb.GetAccessSettingsRequest(patient_id=patient),
                                                    metadata=stack.patient(patient), timeout=10)
        assert list(settings.blocked_professional_ids) == []
        assert kine.professional_id in [m.professional_id for m in settings.care_team]

    def test_a_delegate_reports_for_the_patient_and_is_named(self, stack, accessed):
        patient, kine, _, record_id = accessed
        made = report(stack, patient, record_id, block=True, metadata=stack.delegate("daughter-account", patient))
        assert (made.patient_id, made.reported_by, made.professional_blocked) == (patient, "daughter-account", True)

    def test_the_report_is_audited_in_her_history(self, stack, accessed):
        patient, _, _, record_id = accessed
        made = report(stack, patient, record_id)
        (record,) = eventually(lambda: stack.records_about(patient, made.report_id),
                               what="the report in her history, through identity's outbox")
        assert (record.resource_type, record.action, record.group) == (
            "access_report", apb.ACTION_CREATE, apb.ACTIVITY_GROUP_GENERAL)
        assert (record.actor.type, record.actor.id, record.decision) == (
            apb.ACTOR_TYPE_PATIENT, patient, apb.DECISION_ALLOWED)
        assert "ne connais" not in str(record)          # the comment stays in identity

    def test_the_same_record_is_reported_once(self, stack, accessed):
        patient, _, _, record_id = accessed
        report(stack, patient, record_id)
        error = refused(lambda: report(stack, patient, record_id, block=True))
        assert error.code() == grpc.StatusCode.ALREADY_EXISTS and error_details(error)[1] == "ALREADY_REPORTED"
        assert len(reports(stack, patient_id=patient)) == 1


class TestWhichRecords:
    def test_an_unknown_record_and_another_patient_s_record_are_the_same_not_found(self, stack, accessed):
        patient, _, _, record_id = accessed
        other = stack.new_patient()
        unknown = refused(lambda: report(stack, patient, str(uuid.uuid4())))
        someone_else_s = refused(lambda: report(stack, other, record_id))
        assert unknown.code() == someone_else_s.code() == grpc.StatusCode.NOT_FOUND
        assert unknown.details() == someone_else_s.details()
        assert reports(stack, patient_id=other) == []

    def test_a_record_whose_actor_is_not_a_professional_is_refused(self, stack, accessed):
        patient, _, document_id, _ = accessed
        stack.docs.GetDocument(pb.GetDocumentRequest(patient_id=patient, document_id=document_id),
                               metadata=stack.patient(patient), timeout=10)
        (own,) = [r for r in stack.records_about(patient, document_id, apb.ACTION_READ) if r.actor.id == patient]
        error = refused(lambda: report(stack, patient, own.record_id))
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert error_details(error)[1] == "NOT_A_PROFESSIONAL_ACCESS"

    def test_the_record_of_an_embargoed_deposit_names_no_one(self, stack, accessed):
        patient = accessed[0]
        author = stack.new_professional("10")
        hidden = stack.upload(stack.professional(author), pdf(), patient_id=patient, title="Biopsie",
                              type_code="11526-1", hidden_from_patient=True)
        (created,) = eventually(lambda: stack.records_about(patient, hidden.document_id, apb.ACTION_CREATE),
                                what="the deposit's record (neutral in her history)")
        error = refused(lambda: report(stack, patient, created.record_id, block=True))
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert author.professional_id not in str(error.details()) and author.rpps not in str(error.details())
        settings = stack.identity.GetAccessSettings(ipb.GetAccessSettingsRequest(patient_id=patient),
                                                    metadata=stack.patient(patient), timeout=10)
        assert author.professional_id not in settings.blocked_professional_ids

    def test_only_the_patient_or_her_delegate_reports(self, stack, accessed):
        patient, kine, _, record_id = accessed
        other = stack.new_patient()
        for metadata in (stack.patient(other), stack.professional(kine), stack.token(Caller(SUPPORT, "agent-1"))):
            error = refused(lambda: report(stack, patient, record_id, metadata=metadata))
            assert error.code() == grpc.StatusCode.PERMISSION_DENIED

    @pytest.mark.parametrize(("fields", "field"), [({"comment": ""}, "comment"), ({"comment": "x" * 2001}, "comment"),
                                                  ({"record_id": ""}, "record_id"),
                                                  ({"record_id": "r" * 37}, "record_id")])
    def test_bad_input_names_the_field(self, stack, accessed, fields, field):
        patient, _, _, record_id = accessed
        values = {"record_id": record_id, "comment": "Accès inconnu", **fields}
        error = refused(lambda: report(stack, patient, values["record_id"], values["comment"]))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and field in error_details(error)[0]

class TestListAccessReports:
    def test_support_lists_newest_first_in_pages_and_filters_by_professional(self, stack, accessed):
        patient, kine, document_id, first = accessed
        stack.docs.GetDocument(pb.GetDocumentRequest(patient_id=patient, document_id=document_id),
                               metadata=stack.professional(kine), timeout=10)
        second = next(r.record_id for r in stack.records_about(patient, document_id, apb.ACTION_READ)
                      if r.actor.id == kine.professional_id and r.record_id != first)
        older, newer = report(stack, patient, first), report(stack, patient, second)
        support = stack.token(Caller(SUPPORT, "agent-1"))
        page = stack.identity.ListAccessReports(ipb.ListAccessReportsRequest(patient_id=patient, page_size=1),
                                                metadata=support, timeout=10)
        assert [r.report_id for r in page.reports] == [newer.report_id] and page.next_page_token
        rest = stack.identity.ListAccessReports(ipb.ListAccessReportsRequest(
            patient_id=patient, page_size=1, page_token=page.next_page_token), metadata=support, timeout=10)
        assert [r.report_id for r in rest.reports] == [older.report_id] and not rest.next_page_token
        assert {r.report_id for r in reports(stack, professional_id=kine.professional_id)} == \
            {older.report_id, newer.report_id}

    def test_patients_and_professionals_do_not_list(self, stack, accessed):
        patient, kine, _, _ = accessed
        for metadata in (stack.patient(patient), stack.professional(kine)):
            error = refused(lambda: stack.identity.ListAccessReports(ipb.ListAccessReportsRequest(),
                                                                     metadata=metadata, timeout=10))
            assert error.code() == grpc.StatusCode.PERMISSION_DENIED

    @pytest.mark.parametrize(("fields", "field"), [({"page_size": -1}, "page_size"), ({"page_token": "x"}, "page_token")])
    def test_bad_pages(self, stack, fields, field):
        error = refused(lambda: stack.identity.ListAccessReports(ipb.ListAccessReportsRequest(**fields),
                                                                 metadata=stack.token(Caller(SUPPORT, "a")), timeout=10))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and field in error_details(error)[0]


class TestAuditDown:
    def test_audit_down_means_unavailable_and_nothing_stored(self, stack, accessed):
        patient, _, document_id, record_id = accessed
        stack.stop("audit")
        try:
            error = refused(lambda: report(stack, patient, record_id, block=True))
        finally:
            stack.start("audit")
        assert error.code() == grpc.StatusCode.UNAVAILABLE
        assert reports(stack, patient_id=patient) == []
        settings = stack.identity.GetAccessSettings(ipb.GetAccessSettingsRequest(patient_id=patient),
                                                    metadata=stack.patient(patient), timeout=10)
        assert list(settings.blocked_professional_ids) == []

        def audit_answers_again() -> bool:      # the callers' channels to audit reconnect after their backoff
            try:
                stack.docs.GetDocument(pb.GetDocumentRequest(patient_id=patient, document_id=document_id),
                                       metadata=stack.patient(patient), timeout=10)
                report(stack, patient, record_id)
            except grpc.RpcError:
                return False
            return True
        eventually(audit_answers_again, timeout=60, what="documents and identity reach audit again")
