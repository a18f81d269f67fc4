"""ListDocuments through the real server: filters, sorts, pages, and only what the caller may see;
the matrix browser and CheckDocumentAccess."""
from __future__ import annotations


import grpc
import pytest
from mes.audit.v1 import audit_pb2 as apb
from mes.documents.v1 import documents_pb2 as pb
from mes.identity.v1 import identity_pb2 as ipb

from documents_samples import TEXT, pdf


@pytest.fixture(scope="module")
def library(stack):
    """Seven documents: five of the patient's (categories, dates, titles vary), two from professionals
    outside her care team."""
    patient = stack.new_patient()
    me = stack.patient(patient)
    uploads = [("Bilan sanguin", "2024-03-10", pb.DOCUMENT_CATEGORY_BIOLOGIE),
               ("attestation", "2023-01-05", pb.DOCUMENT_CATEGORY_DOC_ADM),
               ("Radio thorax", "2025-02-20", pb.DOCUMENT_CATEGORY_RADIO_SC),
               ("Zona - ordonnance", "2022-11-30", pb.DOCUMENT_CATEGORY_ORD_SOIN),
               ("Analyse urinaire", "2025-05-01", pb.DOCUMENT_CATEGORY_BIOLOGIE)]
    for title, day, category in uploads:
        stack.upload(me, TEXT, patient_id=patient, title=title, document_date=day, category=category)
    kine = stack.new_professional("70")
    stack.upload(stack.professional(kine), pdf(), patient_id=patient, title="Bilan kiné", type_code="47420-5",
                 document_date="2025-04-01")
    gp = stack.new_professional("10")
    stack.upload(stack.professional(gp), pdf(), patient_id=patient, title="CR imagerie", type_code="18748-4",
                 document_date="2024-12-24")
    return patient, kine, gp


def titles(stack, metadata, patient, **fields) -> list[str]:
    reply = stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=patient, **fields), metadata=metadata)
    return [d.title for d in reply.documents]


class TestPatientView:
    def test_newest_first_by_default(self, stack, library):
        patient = library[0]
        assert titles(stack, stack.patient(patient), patient) == [
            "Analyse urinaire", "Bilan kiné", "Radio thorax", "CR imagerie", "Bilan sanguin", "attestation",
            "Zona - ordonnance"]

    def test_sort_by_name_and_by_author(self, stack, library):
        patient = library[0]
        me = stack.patient(patient)
        assert titles(stack, me, patient, sort=pb.DOCUMENT_SORT_TITLE_ASC)[:3] == ["Analyse urinaire", "attestation",
                                                                                  "Bilan kiné"]
        assert titles(stack, me, patient, sort=pb.DOCUMENT_SORT_DATE_ASC)[0] == "Zona - ordonnance"
        by_author = stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=patient, sort=pb.DOCUMENT_SORT_AUTHOR_DESC),
                                             metadata=me).documents
        names = [d.author.display_name for d in by_author]
        assert names == sorted(names, key=str.casefold, reverse=True)

    def test_filter_by_category_type_and_author(self, stack, library):
        patient, kine, _ = library
        me = stack.patient(patient)
        assert sorted(titles(stack, me, patient, categories=[pb.DOCUMENT_CATEGORY_BIOLOGIE])) == [
            "Analyse urinaire", "Bilan sanguin"]
        assert titles(stack, me, patient, type_codes=["18748-4"]) == ["CR imagerie"]
        assert titles(stack, me, patient, author_id=kine.professional_id) == ["Bilan kiné"]
        assert len(titles(stack, me, patient, author_type=pb.AUTHOR_TYPE_PATIENT)) == 5

    def test_pages_of_three(self, stack, library):
        patient = library[0]
        me = stack.patient(patient)
        seen, token = [], ""
        while True:
            reply = stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=patient, page_size=3, page_token=token,
                                                                     sort=pb.DOCUMENT_SORT_TITLE_DESC), metadata=me)
            assert len(reply.documents) <= 3
            seen += [d.title for d in reply.documents]
            token = reply.next_page_token
            if not token:
                break
        assert seen == titles(stack, me, patient, sort=pb.DOCUMENT_SORT_TITLE_DESC) and len(seen) == 7

    def test_bad_page_token(self, stack, library):
        patient = library[0]
        with pytest.raises(grpc.RpcError) as caught:
            stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=patient, page_token="nope"),
                                     metadata=stack.patient(patient))
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


class TestProfessionalView:
    def test_a_professional_sees_only_what_the_care_team_the_matrix_and_authorship_allow(self, stack, library):
        patient, kine, _ = library
        assert titles(stack, stack.professional(kine), patient) == ["Bilan kiné"]    # its author, outside the team
        optician = stack.new_professional("28")
        assert titles(stack, stack.professional(optician), patient) == []
        stack.add_to_care_team(patient, optician)
        # opticians (DOMAIN §10.1): the seed's 47420-5, administrative documents (95), prescriptions (42);
        # not the lab reports (DOCPAT05, class 10) nor the images (class 31)
        assert titles(stack, stack.professional(optician), patient) == ["Bilan kiné", "attestation", "Zona - ordonnance"]
        records = [r for r in stack.records(patient) if r.action == apb.ACTION_LIST and r.actor.id == optician.professional_id]
        assert sorted(r.rule for r in records) == ["matrix_allowed", "not_in_care_team"]

    def test_pages_are_full_even_when_documents_are_withheld(self, stack, library):
        patient = library[0]
        optician = stack.new_professional("28")
        stack.add_to_care_team(patient, optician)
        reply = stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=patient, page_size=2),
                                         metadata=stack.professional(optician))
        assert [d.title for d in reply.documents] == ["Bilan kiné", "attestation"] and reply.next_page_token
        second = stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=patient, page_size=2,
                                                                  page_token=reply.next_page_token),
                                          metadata=stack.professional(optician))
        assert [d.title for d in second.documents] == ["Zona - ordonnance"] and not second.next_page_token


class TestMatrixBrowser:
    def test_professions_and_a_profession_matrix(self, stack, library):
        me = stack.patient(library[0])
        professions = stack.docs.ListMatrixProfessions(pb.ListMatrixProfessionsRequest(), metadata=me)
        codes = {p.profession_code: p for p in professions.professions}
        assert codes["70"].label == "Masseur-kinésithérapeute" and codes["70"].column == "masseurs_kinesitherapeutes"
        assert professions.matrix_version.startswith("1-")
        matrix = stack.docs.GetAccessMatrix(pb.GetAccessMatrixRequest(profession_code="28"), metadata=me)
        entries = {e.type_code: e for e in matrix.entries}
        assert entries["47420-5"].readable and not entries["15508-5"].readable
        assert not entries["18748-4"].readable and entries["18748-4"].display_group == "Imagerie médicale"
        assert entries["57833-6"].readable and not entries["68599-0"].readable
        assert len(entries) == 102 and all(e.provisional for e in entries.values())    # DOMAIN §10.1
        readable = stack.docs.GetAccessMatrix(pb.GetAccessMatrixRequest(profession_code="28", readable_only=True),
                                              metadata=me)
        # opticians: the seed's 47420-5, and the classes §10.1 opens to all 13 groups
        assert {(e.type_code if e.class_code == "10" else e.class_code) for e in readable.entries} == {
            "47420-5", "42", "90", "95"}
        assert len(readable.entries) == 1 + 14 + 4 + 8

    def test_unknown_profession(self, stack, library):
        with pytest.raises(grpc.RpcError) as caught:
            stack.docs.GetAccessMatrix(pb.GetAccessMatrixRequest(profession_code="31"),
                                       metadata=stack.patient(library[0]))
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND


class TestCheckDocumentAccess:
    def test_operator_explains_a_decision_and_is_audited(self, stack, library):
        patient, kine, _ = library
        listed = stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=patient, type_codes=["18748-4"]),
                                          metadata=stack.patient(patient))
        document_id = listed.documents[0].document_id
        decision = stack.docs.CheckDocumentAccess(pb.CheckDocumentAccessRequest(
            patient_id=patient, document_id=document_id, operation=pb.DOCUMENT_OPERATION_READ,
            actor=pb.Actor(type=pb.ACTOR_TYPE_PROFESSIONAL, id=kine.professional_id, profession_code="70")),
            metadata=stack.operator)
        assert not decision.allowed and decision.rule == "not_in_care_team"
        records = [r for r in stack.records_about(patient, document_id) if r.actor.type == apb.ACTOR_TYPE_OPERATOR]
        assert len(records) == 1 and records[0].rule == "check_document_access"

    def test_patients_cannot_use_it(self, stack, library):
        patient = library[0]
        with pytest.raises(grpc.RpcError) as caught:
            stack.docs.CheckDocumentAccess(pb.CheckDocumentAccessRequest(
                patient_id=patient, actor=pb.Actor(type=pb.ACTOR_TYPE_PATIENT, id=patient)),
                metadata=stack.patient(patient))
        assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
