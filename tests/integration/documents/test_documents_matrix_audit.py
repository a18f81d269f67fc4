"""The whole matrix through the real RPCs: a pharmacist reads a prescription (class 42) and is refused a
psychiatric synthesis (68599-0, medecins only), once in the patient's care team; every decision's
audit record carries the version of the matrix it was taken with (DOMAIN §10.1, §10.2)."""
from __future__ import annotations

import grpc
import pytest
from mes.audit.v1 import audit_pb2 as apb
from mes.documents.v1 import documents_pb2 as pb
from mes.identity.v1 import identity_pb2 as ipb

from devtools.eventually import eventually
from documents.adapters.matrix_file import load_matrix
from documents_samples import pdf

SHIPPED_VERSION = load_matrix().version


@pytest.fixture
def filed(stack):
    """A patient, her GP who filed a prescription and a psychiatric synthesis, and a pharmacist."""
    patient = stack.new_patient()
    gp = stack.new_professional("10")
    stack.identity.AddCareTeamMember(ipb.AddCareTeamMemberRequest(
        patient_id=patient, professional_id=gp.professional_id, role=ipb.CARE_TEAM_ROLE_MEDECIN_TRAITANT),
        metadata=stack.patient(patient), timeout=10)
    docs = {type_code: stack.upload(stack.professional(gp), pdf(), patient_id=patient, title=title,
                                    type_code=type_code).document_id
            for type_code, title in (("57833-6", "Ordonnance"), ("68599-0", "Synthèse"))}
    return patient, stack.new_professional("21"), docs


def read(stack, pharmacist, patient, document_id):
    """(allowed?, the newest READ record of this document)."""
    try:
        stack.docs.GetDocument(pb.GetDocumentRequest(patient_id=patient, document_id=document_id),
                               metadata=stack.professional(pharmacist), timeout=10)
        allowed = True
    except grpc.RpcError as exc:
        assert exc.code() in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND), exc.details()
        allowed = False
    return allowed, stack.records_about(patient, document_id, apb.ACTION_READ)[0]


def test_pharmacist_reads_a_prescription_not_a_psychiatric_synthesis_once_in_the_care_team(stack, filed):
    patient, pharmacist, docs = filed
    allowed, record = read(stack, pharmacist, patient, docs["57833-6"])
    assert (allowed, record.rule) == (False, "not_in_care_team")
    assert record.matrix_version == SHIPPED_VERSION

    stack.identity.AddCareTeamMember(ipb.AddCareTeamMemberRequest(
        patient_id=patient, professional_id=pharmacist.professional_id,
        role=ipb.CARE_TEAM_ROLE_PHARMACIEN_CORRESPONDANT), metadata=stack.patient(patient), timeout=10)
    allowed, record = read(stack, pharmacist, patient, docs["57833-6"])
    assert (allowed, record.rule, record.decision) == (True, "matrix_allowed", apb.DECISION_ALLOWED)
    assert record.actor.profession_code == "21" and record.matrix_version == SHIPPED_VERSION

    allowed, record = read(stack, pharmacist, patient, docs["68599-0"])
    assert (allowed, record.rule, record.decision) == (False, "matrix_denied", apb.DECISION_DENIED)
    assert record.matrix_version == SHIPPED_VERSION


def test_the_patients_reads_lists_and_changes_carry_the_matrix_version_too(stack, filed):
    patient, _, docs = filed
    me = stack.patient(patient)
    stack.docs.GetDocument(pb.GetDocumentRequest(patient_id=patient, document_id=docs["57833-6"]), metadata=me)
    stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=patient), metadata=me)
    stack.docs.SetDocumentVisibility(pb.SetDocumentVisibilityRequest(
        patient_id=patient, document_id=docs["57833-6"], masked=True), metadata=me, timeout=10)
    wanted = {apb.ACTION_READ, apb.ACTION_LIST, apb.ACTION_CREATE, apb.ACTION_VISIBILITY_CHANGE}

    def all_recorded():     # changes reach audit through the outbox
        found = [r for r in stack.records(patient) if r.action in wanted]
        return found if {r.action for r in found} == wanted else None
    records = eventually(all_recorded, what="reads, lists and changes in audit")
    assert {r.matrix_version for r in records} == {SHIPPED_VERSION}


def test_a_record_with_a_matrix_version_is_in_its_published_leaf(stack, filed):
    patient, pharmacist, docs = filed
    _, record = read(stack, pharmacist, patient, docs["57833-6"])
    reply = stack.audit.ListLeaves(apb.ListLeavesRequest(start=record.leaf_index, end=record.leaf_index + 1),
                                  metadata=stack.operator, timeout=10)
    assert f'"matrix_version":"{SHIPPED_VERSION}"'.encode() in reply.leaves[0].leaf_input
