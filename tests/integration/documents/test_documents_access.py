"""The DMP access rules through the real RPCs, each read leaving exactly one audit record with its rule."""
from __future__ import annotations


import grpc
import pytest
from mes.audit.v1 import audit_pb2 as apb
from mes.documents.v1 import documents_pb2 as pb
from mes.identity.v1 import identity_pb2 as ipb

from documents_harness import error_reason
from devtools.eventually import eventually
from documents_samples import TEXT, pdf


@pytest.fixture
def world(stack):
    """A patient, her GP (médecin traitant) who filed two reports and a psychiatric synthesis, and other
    professionals."""
    patient = stack.new_patient()
    gp = stack.new_professional("10")
    stack.add_to_care_team(patient, gp, role=ipb.CARE_TEAM_ROLE_MEDECIN_TRAITANT)
    docs = {}
    for type_code in ("47420-5", "15508-5", "68599-0"):
        docs[type_code] = stack.upload(stack.professional(gp), pdf(), patient_id=patient, title=f"CR {type_code}",
                                       type_code=type_code).document_id
    return patient, gp, docs


def read(stack, metadata, patient, document_id, **access):
    request = pb.GetDocumentRequest(patient_id=patient, document_id=document_id,
                                    access=pb.AccessJustification(**access) if access else None)
    try:
        stack.docs.GetDocument(request, metadata=metadata, timeout=10)
        outcome = "allowed"
    except grpc.RpcError as exc:
        outcome = refused_rule(stack, exc, patient, document_id)
    records = stack.records_about(patient, document_id, apb.ACTION_READ)
    return outcome, records


def refused_rule(stack, exc, patient, document_id):
    """The rule of a refusal: named in the answer when it depends on the space only; otherwise the
    answer is that of a missing document, and only the patient's audit trail names the rule."""
    if exc.code() == grpc.StatusCode.PERMISSION_DENIED:
        return error_reason(exc).lower()
    assert (exc.code(), exc.details(), error_reason(exc)) == (grpc.StatusCode.NOT_FOUND, "Document introuvable", "")
    return stack.records_about(patient, document_id)[0].rule


def only_record(records, *, allowed: bool, rule: str):
    """The newest record of this read is the only new one: checked by the caller's counts."""
    newest = records[0]
    assert newest.decision == (apb.DECISION_ALLOWED if allowed else apb.DECISION_DENIED)
    assert newest.rule == rule
    return newest


class TestMatrix:
    def test_physiotherapist_reads_a_functional_report_but_not_a_psychiatric_synthesis(self, stack, world):
        patient, _, docs = world
        kine = stack.new_professional("70")
        stack.add_to_care_team(patient, kine)
        outcome, records = read(stack, stack.professional(kine), patient, docs["47420-5"])
        assert outcome == "allowed" and len(records) == 1
        record = only_record(records, allowed=True, rule="matrix_allowed")
        assert record.actor.type == apb.ACTOR_TYPE_HEALTHCARE_PROFESSIONAL and record.actor.profession_code == "70"
        assert record.actor.rpps == kine.rpps and record.actor.display_name.startswith("Paul Bernard")
        outcome, records = read(stack, stack.professional(kine), patient, docs["68599-0"])
        assert outcome == "matrix_denied" and len(records) == 1      # medecins only (DOMAIN §10.1)
        only_record(records, allowed=False, rule="matrix_denied")

    def test_optician_reads_47420_5_and_is_refused_15508_5(self, stack, world):
        # In the seed matrix, physiotherapists (70) may read 15508-5; opticians (28) may not.
        patient, _, docs = world
        optician = stack.new_professional("28")
        stack.add_to_care_team(patient, optician)
        assert read(stack, stack.professional(optician), patient, docs["47420-5"])[0] == "allowed"
        outcome, records = read(stack, stack.professional(optician), patient, docs["15508-5"])
        assert outcome == "matrix_denied" and len(records) == 1
        only_record(records, allowed=False, rule="matrix_denied")

    def test_author_reads_even_outside_the_matrix(self, stack, world):
        patient, gp, docs = world
        outcome, records = read(stack, stack.professional(gp), patient, docs["68599-0"])
        assert outcome == "allowed"
        only_record(records, allowed=True, rule="author")


class TestTheHolderIsTold:
    def test_a_professional_s_access_is_announced_once_a_day_her_own_reads_never(self, stack, world):
        patient, _, docs = world
        kine = stack.new_professional("70")
        stack.add_to_care_team(patient, kine)
        for _ in range(2):
            assert read(stack, stack.professional(kine), patient, docs["47420-5"])[0] == "allowed"
        stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=patient), metadata=stack.professional(kine),
                                 timeout=10)
        read(stack, stack.patient(patient), patient, docs["47420-5"])
        read(stack, stack.professional(kine), patient, docs["68599-0"])      # refused: not an access
        eventually(lambda: stack.pending_outbox() == 0, what="documents' outbox relayed")
        (told,) = stack.bell(patient, "ACCES_DMP_PS")
        assert "Paul Bernard" in told.body
        assert [(p["professional_id"], p["access_mode"]) for p in stack.published(patient, "ACCES_DMP_PS")] \
            == [(kine.professional_id, "normal")]


class TestCareTeam:
    """Normal-mode reads need the professional in the patient's care team (DOMAIN §10.2)."""

    def test_refused_outside_the_care_team_then_allowed_once_added_and_refused_again_once_removed(self, stack, world):
        patient, _, docs = world
        kine = stack.new_professional("70")
        outcome, records = read(stack, stack.professional(kine), patient, docs["47420-5"])
        assert outcome == "not_in_care_team" and len(records) == 1
        only_record(records, allowed=False, rule="not_in_care_team")
        stack.add_to_care_team(patient, kine)
        assert read(stack, stack.professional(kine), patient, docs["47420-5"])[0] == "allowed"
        stack.remove_from_care_team(patient, kine)
        outcome, records = read(stack, stack.professional(kine), patient, docs["47420-5"])
        assert outcome == "not_in_care_team" and len(records) == 3
        only_record(records, allowed=False, rule="not_in_care_team")

    def test_outside_the_care_team_the_list_is_empty_and_the_download_refused(self, stack, world):
        patient, _, docs = world
        kine = stack.new_professional("70")
        listed = stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=patient),
                                          metadata=stack.professional(kine), timeout=10)
        assert list(listed.documents) == []
        assert listed.space_refusal == "NOT_IN_CARE_TEAM"         # what an empty list means, told
        with pytest.raises(grpc.RpcError) as downloaded:
            stack.download(stack.professional(kine), patient, docs["47420-5"])
        assert downloaded.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert error_reason(downloaded.value).lower() == "not_in_care_team"
        stack.add_to_care_team(patient, kine)
        listed = stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=patient),
                                          metadata=stack.professional(kine), timeout=10)
        assert {d.document_id for d in listed.documents} == {docs["47420-5"], docs["15508-5"]}
        assert listed.space_refusal == ""
        assert stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=patient), metadata=stack.patient(patient),
                                        timeout=10).space_refusal == ""

    def test_emergency_modes_do_not_need_the_care_team(self, stack, world):
        patient, _, docs = world
        er = stack.new_professional("10")
        assert read(stack, stack.professional(er), patient, docs["47420-5"])[0] == "not_in_care_team"
        assert read(stack, stack.professional(er), patient, docs["47420-5"], mode=pb.ACCESS_MODE_BRIS_DE_GLACE,
                    justification="Patiente inconsciente aux urgences", **stack.typed_identity(patient))[0] == "allowed"
        regulator = stack.new_professional("10", samu_regulator=True)
        assert read(stack, stack.professional(regulator), patient, docs["47420-5"],
                    mode=pb.ACCESS_MODE_CENTRE_15)[0] == "allowed"

    def test_the_author_reads_her_document_outside_the_care_team(self, stack, world):
        patient, _, _ = world
        kine = stack.new_professional("70")
        filed = stack.upload(stack.professional(kine), pdf(), patient_id=patient, title="Bilan", type_code="47420-5")
        assert read(stack, stack.professional(kine), patient, filed.document_id)[0] == "allowed"


class TestPatientControls:
    def test_masked_document_is_refused_to_others_but_not_to_its_author(self, stack, world):
        patient, gp, docs = world
        stack.docs.SetDocumentVisibility(pb.SetDocumentVisibilityRequest(
            patient_id=patient, document_id=docs["47420-5"], masked=True), metadata=stack.patient(patient), timeout=10)
        kine = stack.new_professional("70")
        stack.add_to_care_team(patient, kine)
        outcome, records = read(stack, stack.professional(kine), patient, docs["47420-5"])
        assert outcome == "masked_document"
        only_record(records, allowed=False, rule="masked_document")
        assert read(stack, stack.professional(gp), patient, docs["47420-5"])[0] == "allowed"

    def test_blocked_professional_reads_nothing_but_still_deposits(self, stack, world):
        patient, _, docs = world
        kine = stack.new_professional("70")
        stack.identity.BlockProfessional(ipb.BlockProfessionalRequest(
            patient_id=patient, professional_id=kine.professional_id), metadata=stack.patient(patient), timeout=10)
        outcome, records = read(stack, stack.professional(kine), patient, docs["47420-5"])
        assert outcome == "blocked_professional" and len(records) == 1
        filed = stack.upload(stack.professional(kine), pdf(), patient_id=patient, title="Bilan", type_code="47420-5")
        assert read(stack, stack.professional(kine), patient, filed.document_id)[0] == "allowed"
        listed = stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=patient),
                                          metadata=stack.professional(kine), timeout=10)
        assert [d.document_id for d in listed.documents] == [filed.document_id]

    def test_a_block_applies_at_the_very_next_read_and_so_do_an_unblock_and_re_adding(self, stack, world):
        patient, _, docs = world
        kine = stack.new_professional("70")
        stack.add_to_care_team(patient, kine)
        for _ in range(2):          # the second read is answered from the context documents keeps
            assert read(stack, stack.professional(kine), patient, docs["47420-5"])[0] == "allowed"
        stack.identity.BlockProfessional(ipb.BlockProfessionalRequest(
            patient_id=patient, professional_id=kine.professional_id), metadata=stack.patient(patient), timeout=10)
        assert read(stack, stack.professional(kine), patient, docs["47420-5"])[0] == "blocked_professional"
        stack.identity.UnblockProfessional(ipb.UnblockProfessionalRequest(
            patient_id=patient, professional_id=kine.professional_id), metadata=stack.patient(patient), timeout=10)
        assert read(stack, stack.professional(kine), patient, docs["47420-5"])[0] == "not_in_care_team"
        stack.add_to_care_team(patient, kine)
        assert read(stack, stack.professional(kine), patient, docs["47420-5"])[0] == "allowed"

    def test_embargoed_result_is_hidden_from_the_patient_and_not_announced(self, stack, world):
        patient, gp, _ = world
        hidden = stack.upload(stack.professional(gp), pdf(), patient_id=patient, title="Résultat", type_code="11502-2",
                              hidden_from_patient=True)
        outcome, records = read(stack, stack.patient(patient), patient, hidden.document_id)
        assert outcome == "embargo_until_announcement"
        only_record(records, allowed=False, rule="embargo_until_announcement")
        listed = stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=patient), metadata=stack.patient(patient),
                                          timeout=10)
        assert hidden.document_id not in [d.document_id for d in listed.documents] and len(listed.documents) == 3
        eventually(lambda: stack.pending_outbox() == 0, what="documents' outbox relayed")
        assert hidden.document_id not in {p["document_id"] for p in stack.published(patient, "AJOUT_DOCUMENT")}
        assert len(stack.bell(patient, "AJOUT_DOCUMENT")) == 3           # the GP's three documents only
        lifted = stack.docs.SetDocumentVisibility(pb.SetDocumentVisibilityRequest(
            patient_id=patient, document_id=hidden.document_id, hidden_from_patient=False),
            metadata=stack.professional(gp), timeout=10)
        assert not lifted.visibility.hidden_from_patient
        assert read(stack, stack.patient(patient), patient, hidden.document_id)[0] == "allowed"

    def test_only_the_author_hides_from_the_patient(self, stack, world):
        patient, _, docs = world
        with pytest.raises(grpc.RpcError) as caught:
            stack.docs.SetDocumentVisibility(pb.SetDocumentVisibilityRequest(
                patient_id=patient, document_id=docs["47420-5"], hidden_from_patient=True),
                metadata=stack.patient(patient), timeout=10)
        assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED


class TestEmergency:
    def test_break_glass_without_justification_is_refused(self, stack, world):
        patient, _, docs = world
        er = stack.new_professional("10")
        outcome, records = read(stack, stack.professional(er), patient, docs["47420-5"], mode=pb.ACCESS_MODE_BRIS_DE_GLACE,
                                **stack.typed_identity(patient))
        assert outcome == "break_glass_without_justification" and len(records) == 1
        record = only_record(records, allowed=False, rule="break_glass_without_justification")
        assert record.access_mode == apb.ACCESS_MODE_BRIS_DE_GLACE

    def test_break_glass_with_justification_opens_masked_documents_and_tells_the_patient(self, stack, world):
        patient, gp, docs = world
        stack.docs.MaskAllDocuments(pb.MaskAllDocumentsRequest(patient_id=patient, masked=True),
                                    metadata=stack.patient(patient), timeout=10)
        er = stack.new_professional("10")
        why = "Patiente inconsciente aux urgences"
        typed = stack.typed_identity(patient)
        outcome, records = read(stack, stack.professional(er), patient, docs["47420-5"],
                                mode=pb.ACCESS_MODE_BRIS_DE_GLACE, justification=why, **typed)
        assert outcome == "allowed"
        record = only_record(records, allowed=True, rule="masked_in_emergency")
        assert record.justification.endswith(why) and record.access_mode == apb.ACCESS_MODE_BRIS_DE_GLACE
        (told,) = eventually(lambda: stack.bell(patient, "ACCES_BRIS_GLACE"), what="the emergency access told")
        assert told.critical
        (payload,) = stack.published(patient, "ACCES_BRIS_GLACE")
        assert payload["general_practitioner_ids"] == [gp.professional_id]
        assert payload["professional_id"] == er.professional_id
        # a second emergency read the same day is audited but not announced again
        read(stack, stack.professional(er), patient, docs["15508-5"], mode=pb.ACCESS_MODE_BRIS_DE_GLACE,
             justification=why, **typed)
        eventually(lambda: stack.pending_outbox() == 0, what="documents' outbox relayed")
        assert len(stack.bell(patient, "ACCES_BRIS_GLACE")) == 1

    def test_break_glass_opposed_by_the_patient(self, stack, world):
        patient, _, docs = world
        stack.identity.UpdateEmergencySettings(ipb.UpdateEmergencySettingsRequest(
            patient_id=patient, emergency=ipb.EmergencySettings(samu_access=True, break_glass=False,
                                                                masked_in_emergency=True)),
            metadata=stack.patient(patient), timeout=10)
        er = stack.new_professional("10")
        outcome, _ = read(stack, stack.professional(er), patient, docs["47420-5"], mode=pb.ACCESS_MODE_BRIS_DE_GLACE,
                          justification="urgence", **stack.typed_identity(patient))
        assert outcome == "break_glass_opposed"

    def test_centre_15_for_samu_regulators_only(self, stack, world):
        patient, _, docs = world
        regulator = stack.new_professional("10", samu_regulator=True)
        outcome, records = read(stack, stack.professional(regulator), patient, docs["47420-5"],
                                mode=pb.ACCESS_MODE_CENTRE_15)
        assert outcome == "allowed"
        only_record(records, allowed=True, rule="samu_regulator")
        other = stack.new_professional("10")
        assert read(stack, stack.professional(other), patient, docs["47420-5"],
                    mode=pb.ACCESS_MODE_CENTRE_15)[0] == "not_a_samu_regulator"

    def test_patients_cannot_use_emergency_modes(self, stack, world):
        patient, _, docs = world
        outcome, _ = read(stack, stack.patient(patient), patient, docs["47420-5"], mode=pb.ACCESS_MODE_CENTRE_15)
        assert outcome == "emergency_mode_professionals_only"


class TestWhoNeverReads:
    def test_occupational_medicine_and_support(self, stack, world):
        patient, _, docs = world
        occupational = stack.new_professional("10", occupational_medicine=True)
        assert read(stack, stack.professional(occupational), patient, docs["47420-5"])[0] == "occupational_medicine_never"
        from meskit.auth import SUPPORT, Caller
        assert read(stack, stack.token(Caller(SUPPORT, "agent-1")), patient, docs["47420-5"])[0] == \
            "actor_without_document_access"

    def test_another_patient(self, stack, world):
        patient, _, docs = world
        other = stack.new_patient()
        assert read(stack, stack.patient(other), patient, docs["47420-5"])[0] == "not_the_patient"


class TestDelegates:
    def test_legal_representative_of_a_minor(self, stack):
        parent = stack.new_patient(age=40)
        child = stack.new_patient(age=10, legal_representative=parent)
        gp = stack.new_professional("10")
        seen = stack.upload(stack.professional(gp), pdf(), patient_id=child, title="Vaccins", type_code="11488-4")
        hidden = stack.upload(stack.professional(gp), pdf(), patient_id=child, title="Consultation", type_code="11488-4",
                              hidden_from_legal_representatives=True)
        assert read(stack, stack.delegate(parent, child), child, seen.document_id)[0] == "allowed"
        outcome, records = read(stack, stack.delegate(parent, child), child, hidden.document_id)
        assert outcome == "hidden_from_legal_representatives"
        assert records[0].actor.type == apb.ACTOR_TYPE_PATIENT and records[0].actor.on_behalf_of == child
        own = stack.upload(stack.delegate(parent, child), TEXT, patient_id=child, title="Carnet",
                           category=pb.DOCUMENT_CATEGORY_AUTR_DOC)
        assert own.author.type == pb.AUTHOR_TYPE_PATIENT and own.author.delegate_account_id == parent

    def test_a_delegate_without_delegation_is_refused(self, stack, world):
        patient, _, docs = world
        stranger = stack.new_patient()
        assert read(stack, stack.delegate(stranger, patient), patient, docs["47420-5"])[0] == "unknown_delegation_type"
