"""Emergency reads carry the patient's identity as the professional typed it (DOMAIN §3.2): checked
against the account, recorded with the justification; the médecin traitant's address rides along
with the ACCES_BRIS_GLACE notice."""
from __future__ import annotations

import grpc
import pytest
from mes.audit.v1 import audit_pb2 as apb
from mes.documents.v1 import documents_pb2 as pb
from mes.identity.v1 import identity_pb2 as ipb

from devtools.eventually import eventually
from devtools.rpc_errors import error_details, error_of
from documents_samples import pdf

WHY = "Patiente inconsciente aux urgences"
IDENTITY_FIELDS = {"access.patient_family_name", "access.patient_given_name", "access.patient_birth_date"}


@pytest.fixture
def world(stack):
    """A patient whose médecin traitant (with an MSSanté address) filed a report, and an emergency doctor."""
    patient = stack.new_patient()
    gp = stack.new_professional("10", mssante_address="dr.bernard@medecin.mssante.fr")
    stack.identity.AddCareTeamMember(ipb.AddCareTeamMemberRequest(
        patient_id=patient, professional_id=gp.professional_id, role=ipb.CARE_TEAM_ROLE_MEDECIN_TRAITANT),
        metadata=stack.patient(patient), timeout=10)
    report = stack.upload(stack.professional(gp), pdf(), patient_id=patient, title="CR", type_code="11488-4")
    return patient, gp, report.document_id, stack.new_professional("10")


def get(stack, who, patient, document_id, **access):
    return stack.docs.GetDocument(pb.GetDocumentRequest(patient_id=patient, document_id=document_id,
                                                        access=pb.AccessJustification(**access)),
                                  metadata=who, timeout=10)


def mismatches(stack, patient, action):
    return [r for r in stack.records(patient) if r.action == action and r.rule == "patient_identity_mismatch"]


class TestTypedIdentity:
    def test_missing_fields_are_named_and_nothing_is_audited(self, stack, world):
        patient, _, document_id, er = world
        error = error_of(lambda: get(stack, stack.professional(er), patient, document_id,
                                     mode=pb.ACCESS_MODE_BRIS_DE_GLACE, justification=WHY))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert error_details(error)[0] == IDENTITY_FIELDS
        typed = stack.typed_identity(patient)
        error = error_of(lambda: get(stack, stack.professional(er), patient, document_id,
                                     mode=pb.ACCESS_MODE_BRIS_DE_GLACE, justification=WHY,
                                     **{**typed, "patient_birth_date": "02/01/1980", "patient_given_name": " "}))
        assert error_details(error)[0] == {"access.patient_birth_date", "access.patient_given_name"}
        assert stack.records_about(patient, document_id, apb.ACTION_READ) == []

    def test_a_mismatch_is_refused_without_telling_the_true_identity_and_audited(self, stack, world):
        patient, _, document_id, er = world
        typed = stack.typed_identity(patient)
        wrong = {**typed, "patient_birth_date": "1901-02-03"}
        error = error_of(lambda: get(stack, stack.professional(er), patient, document_id,
                                     mode=pb.ACCESS_MODE_BRIS_DE_GLACE, justification=WHY, **wrong))
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert error_details(error)[1] == "PATIENT_IDENTITY_MISMATCH"
        assert typed["patient_birth_date"] not in error.details() and typed["patient_family_name"] not in error.details()
        # refused before the document is looked up, so that the answer tells nothing of the id
        unknown = error_of(lambda: get(stack, stack.professional(er), patient, "00000000-0000-0000-0000-000000000000",
                                       mode=pb.ACCESS_MODE_BRIS_DE_GLACE, justification=WHY, **wrong))
        assert (unknown.code(), unknown.details()) == (error.code(), error.details())
        records = mismatches(stack, patient, apb.ACTION_READ)
        assert len(records) == 2 and stack.records_about(patient, document_id, apb.ACTION_READ) == []
        for record in records:
            assert record.decision == apb.DECISION_DENIED and record.access_mode == apb.ACCESS_MODE_BRIS_DE_GLACE
        assert "1901-02-03" in record.justification and WHY in record.justification
        listing = error_of(lambda: stack.docs.ListDocuments(pb.ListDocumentsRequest(
            patient_id=patient, access=pb.AccessJustification(
                mode=pb.ACCESS_MODE_BRIS_DE_GLACE, justification=WHY, **{**typed, "patient_family_name": "Martin"})),
            metadata=stack.professional(er), timeout=10))
        assert listing.code() == grpc.StatusCode.FAILED_PRECONDITION
        (listed,) = mismatches(stack, patient, apb.ACTION_LIST)
        assert listed.decision == apb.DECISION_DENIED
        eventually(lambda: stack.pending_outbox() == 0, what="documents' outbox relayed")
        assert stack.published(patient, "ACCES_BRIS_GLACE") == []

    def test_names_match_whatever_the_case_accents_and_spaces(self, stack, world):
        patient, _, document_id, er = world
        typed = stack.typed_identity(patient)
        sloppy = {**typed, "patient_family_name": f"  {typed['patient_family_name'].upper()} ",
                  "patient_given_name": "jéanne"}
        get(stack, stack.professional(er), patient, document_id, mode=pb.ACCESS_MODE_BRIS_DE_GLACE,
            justification=WHY, **sloppy)
        (record,) = stack.records_about(patient, document_id, apb.ACTION_READ)
        assert record.decision == apb.DECISION_ALLOWED and record.rule == "break_glass"
        assert record.justification == (f"Identité saisie : {typed['patient_family_name'].upper()} / jéanne / "
                                        f"{typed['patient_birth_date']}. {WHY}")

    def test_centre_15_needs_no_identity_but_a_typed_one_is_checked(self, stack, world):
        patient, _, document_id, _ = world
        regulator = stack.new_professional("10", samu_regulator=True)
        get(stack, stack.professional(regulator), patient, document_id, mode=pb.ACCESS_MODE_CENTRE_15)
        wrong = {**stack.typed_identity(patient), "patient_given_name": "Louise"}
        error = error_of(lambda: get(stack, stack.professional(regulator), patient, document_id,
                                     mode=pb.ACCESS_MODE_CENTRE_15, **wrong))
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert [r.rule for r in stack.records_about(patient, document_id, apb.ACTION_READ)] == ["samu_regulator"]
        assert len(mismatches(stack, patient, apb.ACTION_READ)) == 1


class TestTheGeneralPractitionerIsTold:
    def test_the_break_glass_notice_carries_the_gp_s_mssante_address(self, stack, world):
        # What documents publishes to notifications (its relayed outbox); notifications emails the
        # addresses of general_practitioner_emails.
        patient, gp, document_id, er = world
        get(stack, stack.professional(er), patient, document_id, mode=pb.ACCESS_MODE_BRIS_DE_GLACE,
            justification=WHY, **stack.typed_identity(patient))
        eventually(lambda: stack.pending_outbox() == 0, what="documents' outbox relayed")
        (payload,) = stack.published(patient, "ACCES_BRIS_GLACE")
        assert payload["general_practitioner_ids"] == [gp.professional_id]
        assert payload["general_practitioner_emails"] == ["dr.bernard@medecin.mssante.fr"]
        assert payload["professional_id"] == er.professional_id
