"""Who may deposit, list and change: the patient's side edits only its own deposits."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from documents.domain import catalog, permissions as p
from documents.adapters.matrix_file import load_matrix
from documents.domain.access import Actor, ActorType, DelegationType, Mode, PatientSettings, decide
from documents.domain.models import Author, Document, Visibility

MATRIX = load_matrix()
NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)
SETTINGS = PatientSettings(patient_id="pat")
PATIENT = Actor(type=ActorType.PATIENT, id="pat")
GP = Actor(type=ActorType.PROFESSIONAL, id="gp", profession_code="10")
OTHER_GP = Actor(type=ActorType.PROFESSIONAL, id="gp2", profession_code="10")
CAREGIVER = Actor(type=ActorType.DELEGATE, id="helper", on_behalf_of="pat", delegation_type=DelegationType.CAREGIVING)
PARENT = Actor(type=ActorType.DELEGATE, id="mum", on_behalf_of="pat", delegation_type=DelegationType.LEGAL_REPRESENTATION)


def document(author: Author, *, type_code="11488-4", masked=False) -> Document:
    return Document(document_id="d", patient_id="pat", title="t", document_date=date(2026, 1, 1), category="CPT_REND",
                    class_code="10", type_code=type_code, author=author, content_type="application/pdf", size_bytes=1,
                    sha256="0" * 64, filename="t.pdf", object_key="0" * 32, visibility=Visibility(masked=masked),
                    created_at=NOW, updated_at=NOW)


OWN = document(Author(type="patient", id="pat"), type_code="DOCPAT03")
BY_GP = document(Author(type="professional", id="gp"))


def change(actor, doc, operation, settings=SETTINGS):
    read = decide(actor, settings, doc.attrs(), now=NOW, matrix=MATRIX)
    return p.change_decision(actor, settings, doc, operation, read)


class TestChanges:
    def test_patient_renames_own_upload_but_not_a_professional_deposit(self):
        assert change(PATIENT, OWN, p.UPDATE_METADATA).allowed
        assert change(PATIENT, BY_GP, p.UPDATE_METADATA).rule == p.READ_ONLY_FOR_PATIENT

    def test_patient_deletes_own_upload_only(self):
        assert change(PATIENT, OWN, p.DELETE).allowed
        assert change(PATIENT, BY_GP, p.DELETE).rule == p.READ_ONLY_FOR_PATIENT

    def test_patient_masks_a_professional_deposit(self):
        assert change(PATIENT, BY_GP, p.MASK).allowed and change(PATIENT, BY_GP, p.UNMASK).allowed

    def test_professional_deletes_only_what_they_filed(self):
        assert change(GP, BY_GP, p.DELETE).rule == p.AUTHOR_CHANGES
        assert change(OTHER_GP, BY_GP, p.DELETE).rule == p.NOT_THE_AUTHOR
        assert change(GP, OWN, p.DELETE).rule == p.NOT_THE_AUTHOR

    def test_author_masks_and_hides_but_does_not_unmask(self):
        assert change(GP, BY_GP, p.MASK).allowed and change(GP, BY_GP, p.HIDE_FROM_PATIENT).allowed
        assert change(GP, BY_GP, p.UNMASK).rule == p.ONLY_THE_PATIENT_UNMASKS

    def test_only_the_author_hides_from_the_patient(self):
        assert change(PATIENT, BY_GP, p.HIDE_FROM_PATIENT).rule == p.ONLY_THE_AUTHOR_HIDES_FROM_PATIENT

    def test_caregiver_edits_the_patients_side(self):
        assert change(CAREGIVER, OWN, p.UPDATE_METADATA).allowed
        assert change(CAREGIVER, OWN, p.HIDE_FROM_LEGAL_REPRESENTATIVES).rule == p.DELEGATES_CANNOT_HIDE_FROM_DELEGATES

    def test_legal_representative_of_an_adult_changes_nothing(self):
        assert change(PARENT, OWN, p.DELETE).rule == "legal_representation_of_adult"
        minor = PatientSettings(patient_id="pat", patient_is_minor=True)
        assert change(PARENT, OWN, p.DELETE, minor).allowed


class TestDepositAndList:
    def test_blocked_professional_still_deposits(self):
        blocked = PatientSettings(patient_id="pat", blocked_professional_ids=frozenset({"gp"}))
        assert p.deposit_decision(GP, blocked).allowed

    @pytest.mark.parametrize("flag", ["occupational_medicine", "insurer_doctor"])
    def test_occupational_and_insurer_doctors_neither_deposit_nor_list(self, flag):
        actor = Actor(type=ActorType.PROFESSIONAL, id="x", profession_code="10", **{flag: True})
        assert not p.deposit_decision(actor, SETTINGS).allowed
        assert not p.list_decision(actor, SETTINGS, mode=Mode.NORMAL, justification="").allowed

    def test_break_glass_list_needs_a_justification(self):
        assert p.list_decision(GP, SETTINGS, mode=Mode.BRIS_DE_GLACE, justification=" ").rule == \
            "break_glass_without_justification"
        assert p.list_decision(GP, SETTINGS, mode=Mode.BRIS_DE_GLACE, justification="inconscient").allowed

    def test_support_never_lists(self):
        support = Actor(type=ActorType.SUPPORT, id="s")
        assert p.list_decision(support, SETTINGS, mode=Mode.NORMAL, justification="").rule == \
            "actor_without_document_access"


class TestCatalog:
    def test_every_patient_category_maps_to_a_known_type(self):
        for category in catalog.SELECTABLE_CATEGORIES:
            assert catalog.PATIENT_TYPE_FOR_CATEGORY[category] in catalog.TYPES

    def test_professional_types_get_a_category(self):
        assert catalog.category_for_type("11502-2") == "BIOLOGIE"
        assert catalog.category_for_type("18748-4") == "RADIO_SC"
        assert catalog.category_for_type("47420-5") == "CPT_REND"
        assert catalog.category_for_type("DOCPAT07") == "CERT_MED"

    def test_every_matrix_type_is_in_the_catalog_with_the_same_class(self):
        for code, row in MATRIX.types.items():
            assert catalog.TYPES[code].class_code == row.class_code
