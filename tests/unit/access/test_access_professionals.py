"""Professionals in normal mode: matrix, masking, administrator, blocks, who never reads (DOMAIN.md §1, §2.4, §3.1, §3.6)."""
from __future__ import annotations

import pytest

from documents.domain.access import ActorType, AuthorType, Mode, decide, initial_masked
from tests.unit.access.builders import (AUTHOR_ID, CONSULTATION, GP_ID, LAB_REPORT, MATRIX, NOW, PATIENT_ID,
                                        STRANGER_ID, document, patient, professional, settings)
from tests.unit.access.seed import SEED_GROUPS, SEED_ROWS

ALL_G15_CODES = sorted({c for codes in SEED_GROUPS.values() for c in codes} | {"31", "32", "86"})


def check(actor, doc=None, *, settings_=None, **kwargs):
    return decide(actor, settings_ or settings(), doc or document(), now=NOW, matrix=MATRIX, **kwargs)


class TestMatrix:
    def test_gp_reads_a_consultation_report(self):
        decision = check(professional())
        assert (decision.allowed, decision.rule) == (True, "matrix_allowed")
        assert "provisional" in decision.reason

    def test_professional_outside_the_care_team_is_refused_in_normal_mode(self):
        decision = check(professional(STRANGER_ID), settings_=settings(care_team_ids=frozenset({GP_ID})))
        assert (decision.allowed, decision.rule) == (False, "not_in_care_team")
        assert "DOMAIN §10.2" in decision.reason

    def test_an_empty_care_team_refuses_every_professional_but_the_author(self):
        nobody = settings(care_team_ids=frozenset())
        assert check(professional(), settings_=nobody).rule == "not_in_care_team"
        assert check(professional(AUTHOR_ID), settings_=nobody).rule == "author"

    def test_the_block_comes_before_the_care_team(self):
        s = settings(care_team_ids=frozenset(), blocked_professional_ids=frozenset({GP_ID}))
        assert check(professional(), settings_=s).rule == "blocked_professional"

    def test_outside_the_care_team_even_a_masked_document_says_not_in_care_team(self):
        s = settings(care_team_ids=frozenset(), administrator_ids=frozenset({GP_ID}))
        assert check(professional(), document(masked_from_professionals=True), settings_=s).rule == "not_in_care_team"

    def test_joining_the_care_team_opens_normal_mode(self):
        s = settings(care_team_ids=frozenset({STRANGER_ID}))
        assert check(professional(STRANGER_ID), settings_=s).rule == "matrix_allowed"

    @pytest.mark.parametrize("mode", [Mode.BRIS_DE_GLACE, Mode.CENTRE_15])
    def test_emergency_modes_do_not_need_the_care_team(self, mode):
        actor = professional(STRANGER_ID, samu_regulator=True)
        decision = check(actor, settings_=settings(care_team_ids=frozenset()), mode=mode, justification="détresse")
        assert decision.allowed and decision.rule in ("break_glass", "samu_regulator")

    def test_pharmacist_reads_a_prescription_and_not_a_psychiatric_synthesis(self):
        pharmacist = professional(profession_code="21")
        prescription = check(pharmacist, document("57833-6", class_code="42"))
        assert (prescription.allowed, prescription.rule) == (True, "matrix_allowed")
        psychiatric = check(pharmacist, document("68599-0", class_code="11"))
        assert (psychiatric.allowed, psychiatric.rule) == (False, "matrix_denied")

    @pytest.mark.parametrize("row", SEED_ROWS, ids=[r["type_code"] for r in SEED_ROWS])
    @pytest.mark.parametrize("code", ALL_G15_CODES)
    def test_every_profession_and_seed_type_case_by_case(self, code, row):
        groups = [g for g, codes in SEED_GROUPS.items() if code in codes]
        decision = check(professional(profession_code=code), document(row["type_code"]))
        if not groups:
            assert (decision.allowed, decision.rule) == (False, "matrix_unknown_profession")
        elif all(row[g] == "1" for g in groups):
            assert (decision.allowed, decision.rule) == (True, "matrix_allowed")
        else:
            assert (decision.allowed, decision.rule) == (False, "matrix_denied")

    # J07 (2026) codes absent from the 2024 DMP map, and codes of no list: no row in the shipped matrix.
    @pytest.mark.parametrize("type_code, class_code", [
        ("28617-9", "11"), ("34120-6", "11"), ("89233-1", "10"), ("PIECE-IDENTITE", "95"), ("EXPORT_DUI", "95"),
        ("NOT-A-TYPE", "10")])
    def test_types_without_a_matrix_row_are_denied_and_the_decision_says_so(self, type_code, class_code):
        decision = check(professional(), document(type_code, class_code=class_code))
        assert (decision.allowed, decision.rule) == (False, "matrix_unknown_type")
        assert type_code in decision.reason and "no matrix row" in decision.reason

    def test_professional_without_a_profession_code_is_denied(self):
        assert check(professional(profession_code="")).rule == "matrix_unknown_profession"

    def test_optician_reads_only_the_functional_assessment(self):
        optician = professional(profession_code="28")
        assert check(optician, document("47420-5")).allowed
        assert check(optician, document(CONSULTATION)).rule == "matrix_denied"

    def test_speech_therapist_does_not_read_lab_reports(self):
        assert check(professional(profession_code="91"), document(LAB_REPORT)).rule == "matrix_denied"

    def test_pharmacist_reads_when_both_pharmacist_columns_grant(self):
        assert check(professional(profession_code="21"), document(LAB_REPORT)).allowed

    def test_class_code_inconsistent_with_the_type_is_denied(self):
        decision = check(professional(), document(CONSULTATION, class_code="11"))
        assert (decision.allowed, decision.rule) == (False, "matrix_class_mismatch")


class TestAuthor:
    def test_author_reads_own_deposit_even_outside_the_matrix(self):
        doc = document("REMB", class_code="60", author_id=GP_ID)
        assert check(professional(), doc).rule == "author"

    def test_same_id_but_not_a_professional_author_is_not_the_author(self):
        doc = document(author_type=AuthorType.PATIENT, author_id=GP_ID, masked_from_professionals=True)
        assert check(professional(), doc).rule == "masked_document"


class TestMasking:
    """A masked document stays visible to its author and the patient (and administrators) only."""

    def test_masked_document_is_hidden_from_other_professionals(self):
        decision = check(professional(), document(masked_from_professionals=True))
        assert (decision.allowed, decision.rule) == (False, "masked_document")

    def test_masked_document_stays_visible_to_its_author(self):
        assert check(professional(AUTHOR_ID), document(masked_from_professionals=True)).rule == "author"

    def test_masked_document_stays_visible_to_the_patient(self):
        assert check(patient(), document(masked_from_professionals=True)).allowed

    def test_care_team_membership_does_not_open_masked_documents(self):
        in_team = settings(care_team_ids=frozenset({GP_ID}))
        assert check(professional(), document(masked_from_professionals=True), settings_=in_team).rule == "masked_document"

    def test_administrator_sees_masked_documents(self):
        admin = settings(care_team_ids=frozenset({GP_ID}), administrator_ids=frozenset({GP_ID}))
        decision = check(professional(), document(masked_from_professionals=True), settings_=admin)
        assert (decision.allowed, decision.rule) == (True, "administrator_sees_masked")

    def test_administrator_stays_within_the_matrix(self):
        admin = settings(administrator_ids=frozenset({"ps-optician"}))
        doc = document(CONSULTATION, masked_from_professionals=True)
        assert check(professional("ps-optician", "28"), doc, settings_=admin).rule == "matrix_denied"

    def test_administrator_reads_unmasked_documents_by_the_matrix(self):
        admin = settings(administrator_ids=frozenset({GP_ID}))
        assert check(professional(), settings_=admin).rule == "matrix_allowed"

    def test_mask_one_hides_only_that_document(self):
        masked, other = document(masked_from_professionals=True), document()
        assert [check(professional(), d).allowed for d in (masked, other)] == [False, True]

    def test_mask_all_hides_every_document_but_the_authors_own(self):
        documents = [document(t, masked_from_professionals=True, author_id=a)
                     for t in ("11488-4", "11502-2", "34112-3") for a in (AUTHOR_ID, "ps-other")]
        readers = {(d.type_code, d.author_id) for d in documents if check(professional(AUTHOR_ID), d).allowed}
        assert readers == {(t, AUTHOR_ID) for t in ("11488-4", "11502-2", "34112-3")}
        assert not any(check(professional(GP_ID), d).allowed for d in documents)
        assert all(check(patient(), d).allowed for d in documents)


class TestMaskByDefault:
    """The flag a new document starts with: `initial_masked`, applied by documents at deposit."""

    @pytest.mark.parametrize("default, requested, expected", [
        (False, None, False), (True, None, True), (True, False, False), (False, True, True), (True, True, True)])
    def test_the_patients_own_choice_wins_else_the_default(self, default, requested, expected):
        s = settings(mask_new_documents_by_default=default)
        assert initial_masked(s, depositor=ActorType.PATIENT, requested=requested) is expected
        assert initial_masked(s, depositor=ActorType.DELEGATE, requested=requested) is expected

    @pytest.mark.parametrize("depositor", [ActorType.PROFESSIONAL, ActorType.SERVICE, "professional"])
    @pytest.mark.parametrize("default, requested, expected", [
        (False, None, False), (True, None, True), (True, False, True), (False, True, True), (False, False, False)])
    def test_others_cannot_unmask_against_the_default(self, depositor, default, requested, expected):
        s = settings(mask_new_documents_by_default=default)
        assert initial_masked(s, depositor=depositor, requested=requested) is expected

    def test_a_document_deposited_under_mask_by_default_is_hidden_from_professionals(self):
        s = settings(mask_new_documents_by_default=True)
        doc = document(masked_from_professionals=initial_masked(s, depositor=ActorType.PROFESSIONAL))
        assert check(professional(), doc, settings_=s).rule == "masked_document"
        assert check(professional(AUTHOR_ID), doc, settings_=s).rule == "author"


class TestBlockedProfessional:
    blocked = settings(blocked_professional_ids=frozenset({GP_ID}))

    def test_blocked_professional_is_denied(self):
        decision = check(professional(), settings_=self.blocked)
        assert (decision.allowed, decision.rule) == (False, "blocked_professional")

    def test_blocked_professional_still_reads_own_deposit(self):
        assert check(professional(), document(author_id=GP_ID), settings_=self.blocked).rule == "author"

    def test_blocked_administrator_loses_masked_documents_too(self):
        s = settings(blocked_professional_ids=frozenset({GP_ID}), administrator_ids=frozenset({GP_ID}))
        assert check(professional(), document(masked_from_professionals=True), settings_=s).rule == "blocked_professional"

    @pytest.mark.parametrize("mode", [Mode.BRIS_DE_GLACE, Mode.CENTRE_15])
    def test_blocked_wins_in_an_emergency(self, mode):
        actor = professional(samu_regulator=True)
        assert check(actor, settings_=self.blocked, mode=mode, justification="détresse").rule == "blocked_professional"

    def test_blocking_one_professional_leaves_the_others(self):
        assert check(professional("ps-other"), settings_=self.blocked).allowed

    def test_unblocked_professional_reads_again(self):
        assert check(professional(), settings_=settings(blocked_professional_ids=frozenset())).allowed


class TestNeverReads:
    @pytest.mark.parametrize("flag, rule", [("occupational_medicine", "occupational_medicine_never"),
                                            ("insurer_doctor", "insurer_never")])
    @pytest.mark.parametrize("mode", list(Mode))
    def test_never_in_any_mode(self, flag, rule, mode):
        actor = professional(samu_regulator=True, **{flag: True})
        admin = settings(administrator_ids=frozenset({GP_ID}), care_team_ids=frozenset({GP_ID}))
        decision = check(actor, settings_=admin, mode=mode, justification="urgence vitale")
        assert (decision.allowed, decision.rule) == (False, rule)

    @pytest.mark.parametrize("flag", ["occupational_medicine", "insurer_doctor"])
    def test_never_even_their_own_deposit(self, flag):
        assert not check(professional(**{flag: True}), document(author_id=GP_ID)).allowed

    def test_the_patient_id_is_never_a_professional_id(self):
        # a professional whose id happens to equal the patient's gets nothing from it
        doc = document(masked_from_professionals=True)
        assert check(professional(PATIENT_ID), doc).rule == "not_in_care_team"
        in_team = settings(care_team_ids=frozenset({PATIENT_ID}))
        assert check(professional(PATIENT_ID), doc, settings_=in_team).rule == "masked_document"
