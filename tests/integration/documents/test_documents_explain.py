"""ExplainDocumentAccess: the holder asks whether a profession or a named professional may read one of
her documents, and which rule decides, in French; what she cannot see answers like an unknown id."""
from __future__ import annotations

import grpc
import pytest
from mes.audit.v1 import audit_pb2 as apb
from mes.documents.v1 import documents_pb2 as pb
from mes.identity.v1 import identity_pb2 as ipb

from devtools.rpc_errors import error_details, error_of
from documents_samples import pdf

UNKNOWN = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def world(stack):
    """A patient; her GP (médecin traitant) filed a functional assessment report (47420-5) and a
    delivery report (15508-5); a physiotherapist of her care team."""
    patient = stack.new_patient()
    gp, kine = stack.new_professional("10"), stack.new_professional("70")
    for member, role in ((gp, ipb.CARE_TEAM_ROLE_MEDECIN_TRAITANT), (kine, ipb.CARE_TEAM_ROLE_UNSPECIFIED)):
        stack.identity.AddCareTeamMember(ipb.AddCareTeamMemberRequest(
            patient_id=patient, professional_id=member.professional_id, role=role),
            metadata=stack.patient(patient), timeout=10)
    bilan = stack.upload(stack.professional(gp), pdf(), patient_id=patient, title="Bilan", type_code="47420-5")
    delivery = stack.upload(stack.professional(gp), pdf(), patient_id=patient, title="Accouchement",
                            type_code="15508-5")
    return patient, gp, kine, bilan.document_id, delivery.document_id


def explain(stack, metadata, patient, document_id, **subject) -> pb.AccessExplanation:
    return stack.docs.ExplainDocumentAccess(pb.ExplainDocumentAccessRequest(
        patient_id=patient, document_id=document_id, **subject), metadata=metadata, timeout=10)


def emergency(answer: pb.AccessExplanation) -> dict:
    return {e.mode: (e.allowed, e.rule) for e in answer.emergency}


class TestByProfession:
    def test_the_matrix_cell_decides_and_is_named(self, stack, world):
        patient, _, _, bilan, delivery = world
        answer = explain(stack, stack.patient(patient), patient, bilan, profession_code="70")
        assert (answer.allowed, answer.rule) == (True, "matrix_allowed")
        assert "« Masseur-kinésithérapeute »" in answer.explanation and "équipe de soins" in answer.subject
        assert answer.matrix_version
        assert emergency(answer) == {pb.ACCESS_MODE_BRIS_DE_GLACE: (True, "break_glass"),
                                     pb.ACCESS_MODE_CENTRE_15: (False, "not_a_samu_regulator")}
        assert all(e.explanation.startswith("En urgence") for e in answer.emergency)
        refused = explain(stack, stack.patient(patient), patient, delivery, profession_code="28")
        assert (refused.allowed, refused.rule) == (False, "matrix_denied")
        assert ("ne permet pas à la profession « Opticien-lunetier » de lire les documents de type « CR "
                "d'accouchement ».") in refused.explanation

    def test_a_mask_decides_and_the_emergency_consent_opens_it(self, stack, world):
        patient, _, _, bilan, _ = world
        stack.docs.SetDocumentVisibility(pb.SetDocumentVisibilityRequest(patient_id=patient, document_id=bilan,
                                                                         masked=True),
                                         metadata=stack.patient(patient), timeout=10)
        answer = explain(stack, stack.patient(patient), patient, bilan, profession_code="10")
        assert (answer.allowed, answer.rule) == (False, "masked_document")
        assert "vous l'avez masqué" in answer.explanation
        assert emergency(answer) == {pb.ACCESS_MODE_BRIS_DE_GLACE: (True, "masked_in_emergency"),
                                     pb.ACCESS_MODE_CENTRE_15: (True, "masked_in_emergency")}

    def test_a_g15_profession_outside_the_matrix_reads_nothing(self, stack, world):
        patient, _, _, bilan, _ = world
        answer = explain(stack, stack.patient(patient), patient, bilan, profession_code="86")
        assert (answer.allowed, answer.rule) == (False, "matrix_unknown_profession")
        assert "« Technicien de laboratoire médical »" in answer.explanation


class TestByProfessional:
    def test_author_block_and_care_team(self, stack, world):
        patient, gp, kine, bilan, delivery = world
        author = explain(stack, stack.patient(patient), patient, delivery, professional_id=gp.professional_id)
        assert (author.allowed, author.rule) == (True, "author") and author.subject.startswith("Paul Bernard")
        member = explain(stack, stack.patient(patient), patient, bilan, professional_id=kine.professional_id)
        assert (member.allowed, member.rule) == (True, "matrix_allowed")
        assert member.subject.endswith("(Masseur-kinésithérapeute)")
        stack.identity.BlockProfessional(ipb.BlockProfessionalRequest(
            patient_id=patient, professional_id=kine.professional_id), metadata=stack.patient(patient), timeout=10)
        blocked = explain(stack, stack.patient(patient), patient, bilan, professional_id=kine.professional_id)
        assert (blocked.allowed, blocked.rule) == (False, "blocked_professional")
        assert blocked.explanation.startswith(f"{blocked.subject} ne peut pas lire ce document : vous l'avez bloqué")
        assert {e.rule for e in blocked.emergency} == {"blocked_professional"}

    def test_a_samu_regulator_and_the_patient_s_opposition(self, stack, world):
        patient, _, _, bilan, _ = world
        regulator = stack.new_professional("10", samu_regulator=True)
        answer = explain(stack, stack.patient(patient), patient, bilan, professional_id=regulator.professional_id)
        assert emergency(answer)[pb.ACCESS_MODE_CENTRE_15] == (True, "samu_regulator")
        stack.identity.UpdateEmergencySettings(ipb.UpdateEmergencySettingsRequest(
            patient_id=patient, emergency=ipb.EmergencySettings(samu_access=False, break_glass=False)),
            metadata=stack.patient(patient), timeout=10)
        answer = explain(stack, stack.patient(patient), patient, bilan, professional_id=regulator.professional_id)
        assert emergency(answer) == {pb.ACCESS_MODE_BRIS_DE_GLACE: (False, "break_glass_opposed"),
                                     pb.ACCESS_MODE_CENTRE_15: (False, "samu_opposed")}
        assert "vous vous êtes opposé" in answer.emergency[1].explanation


class TestAudited:
    def test_the_question_is_one_read_record_and_tells_nobody(self, stack, world):
        patient, _, _, bilan, _ = world
        explain(stack, stack.patient(patient), patient, bilan, profession_code="70")
        (record,) = stack.records_about(patient, bilan, apb.ACTION_READ)
        assert record.decision == apb.DECISION_ALLOWED and record.rule == "explain_document_access"
        assert record.actor.type == apb.ACTOR_TYPE_PATIENT and "Masseur-kinésithérapeute" in record.resource_label


class TestNothingLeaks:
    def not_found(self, call) -> tuple:
        error = error_of(call)
        return error.code(), error.details(), error_details(error)

    def test_what_she_cannot_see_answers_like_an_unknown_id(self, stack, world):
        patient, gp, _, bilan, _ = world
        me = stack.patient(patient)
        unknown = self.not_found(lambda: explain(stack, me, patient, UNKNOWN, profession_code="10"))
        assert unknown[0] == grpc.StatusCode.NOT_FOUND
        other = stack.new_patient()
        others = stack.upload(stack.professional(gp), pdf(), patient_id=other, title="CR", type_code="47420-5")
        assert self.not_found(lambda: explain(stack, me, other, others.document_id, profession_code="10")) == unknown
        assert self.not_found(lambda: explain(stack, me, patient, others.document_id, profession_code="10")) == unknown
        embargoed = stack.upload(stack.professional(gp), pdf(), patient_id=patient, title="Résultat",
                                 type_code="11502-2", hidden_from_patient=True)
        assert self.not_found(lambda: explain(stack, me, patient, embargoed.document_id,
                                              professional_id=UNKNOWN)) == unknown
        (denied,) = stack.records_about(patient, embargoed.document_id, apb.ACTION_READ)
        assert denied.decision == apb.DECISION_DENIED and denied.rule == "embargo_until_announcement"

    def test_a_delegate_asks_within_what_she_may_see(self, stack):
        parent = stack.new_patient(age=40)
        child = stack.new_patient(age=10, legal_representative=parent)
        gp = stack.new_professional("10")
        seen = stack.upload(stack.professional(gp), pdf(), patient_id=child, title="Vaccins", type_code="11488-4")
        hidden = stack.upload(stack.professional(gp), pdf(), patient_id=child, title="Consultation",
                              type_code="11488-4", hidden_from_legal_representatives=True)
        parent_md = stack.delegate(parent, child)
        assert explain(stack, parent_md, child, seen.document_id, profession_code="60").rule
        unknown = self.not_found(lambda: explain(stack, parent_md, child, UNKNOWN, profession_code="60"))
        assert self.not_found(lambda: explain(stack, parent_md, child, hidden.document_id,
                                              profession_code="60")) == unknown


class TestBadQuestions:
    @pytest.mark.parametrize("subject", [{}, {"profession_code": "10", "professional_id": UNKNOWN}])
    def test_exactly_one_of_profession_and_professional(self, stack, world, subject):
        patient, _, _, bilan, _ = world
        error = error_of(lambda: explain(stack, stack.patient(patient), patient, bilan, **subject))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert error_details(error)[0] == {"profession_code", "professional_id"}

    def test_an_unknown_profession_code(self, stack, world):
        patient, _, _, bilan, _ = world
        error = error_of(lambda: explain(stack, stack.patient(patient), patient, bilan, profession_code="99"))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and error_details(error)[0] == {"profession_code"}

    def test_an_unknown_professional(self, stack, world):
        patient, _, _, bilan, _ = world
        error = error_of(lambda: explain(stack, stack.patient(patient), patient, bilan, professional_id=UNKNOWN))
        assert error.code() == grpc.StatusCode.NOT_FOUND and error_details(error)[1] == "PROFESSIONAL_NOT_FOUND"

    def test_professionals_do_not_ask(self, stack, world):
        patient, gp, _, bilan, _ = world
        error = error_of(lambda: explain(stack, stack.professional(gp), patient, bilan, profession_code="10"))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED
