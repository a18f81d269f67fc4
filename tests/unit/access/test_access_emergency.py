"""Emergency access: SAMU - Centre 15 and break-glass (DOMAIN.md §3.2)."""
from __future__ import annotations

import pytest

from documents.domain.access import Mode, decide
from tests.unit.access.builders import MATRIX, NOW, document, professional, settings

REGULATOR = professional("ps-samu", samu_regulator=True)
ER_DOCTOR = professional("ps-er")
MASKED = document(masked_from_professionals=True)


def check(actor, doc=None, *, settings_=None, **kwargs):
    return decide(actor, settings_ or settings(), doc or document(), now=NOW, matrix=MATRIX, **kwargs)


class TestDefaults:
    def test_emergency_consents_are_on_by_default(self):
        s = settings()
        assert (s.samu_access, s.break_glass, s.masked_in_emergency) == (True, True, True)

    @pytest.mark.parametrize("samu, btg, masked, effective", [
        (True, True, True, True), (True, False, True, True), (False, True, True, True),
        (False, False, True, False), (True, True, False, False), (False, False, False, False)])
    def test_masked_is_forced_off_when_samu_and_break_glass_are_both_off(self, samu, btg, masked, effective):
        s = settings(samu_access=samu, break_glass=btg, masked_in_emergency=masked)
        assert s.effective_masked_in_emergency is effective


class TestSamuCentre15:
    def test_regulator_reads_without_justification(self):
        decision = check(REGULATOR, mode=Mode.CENTRE_15)
        assert (decision.allowed, decision.rule) == (True, "samu_regulator")

    def test_only_samu_regulators_use_centre_15(self):
        decision = check(ER_DOCTOR, mode=Mode.CENTRE_15)
        assert (decision.allowed, decision.rule) == (False, "not_a_samu_regulator")

    def test_patient_opposed_samu_access(self):
        decision = check(REGULATOR, settings_=settings(samu_access=False), mode=Mode.CENTRE_15)
        assert (decision.allowed, decision.rule) == (False, "samu_opposed")

    def test_break_glass_opposition_does_not_stop_the_samu(self):
        assert check(REGULATOR, settings_=settings(break_glass=False), mode=Mode.CENTRE_15).allowed

    def test_masked_document_with_the_masked_consent(self):
        decision = check(REGULATOR, MASKED, mode=Mode.CENTRE_15)
        assert (decision.allowed, decision.rule) == (True, "masked_in_emergency")

    def test_masked_document_without_the_masked_consent(self):
        decision = check(REGULATOR, MASKED, settings_=settings(masked_in_emergency=False), mode=Mode.CENTRE_15)
        assert (decision.allowed, decision.rule) == (False, "masked_in_emergency_opposed")

    def test_masked_consent_survives_when_only_break_glass_is_off(self):
        s = settings(break_glass=False, masked_in_emergency=True)
        assert check(REGULATOR, MASKED, settings_=s, mode=Mode.CENTRE_15).rule == "masked_in_emergency"

    def test_samu_stays_within_the_matrix(self):
        nurse_regulator = professional("ps-samu-nurse", "60", samu_regulator=True)
        assert check(REGULATOR, document("28617-9"), mode=Mode.CENTRE_15).rule == "matrix_unknown_type"
        assert check(nurse_regulator, document("47420-5"), mode=Mode.CENTRE_15).allowed
        psychiatric = document("68599-0", class_code="11")
        assert check(nurse_regulator, psychiatric, mode=Mode.CENTRE_15).rule == "matrix_denied"
        assert check(professional("x", "28", samu_regulator=True), mode=Mode.CENTRE_15).rule == "matrix_denied"

    def test_regulator_in_normal_mode_follows_the_normal_rules(self):
        assert check(REGULATOR, MASKED).rule == "masked_document"


class TestBreakGlass:
    def test_any_professional_with_a_written_justification(self):
        decision = check(ER_DOCTOR, mode=Mode.BRIS_DE_GLACE, justification="Patient inconscient aux urgences")
        assert (decision.allowed, decision.rule) == (True, "break_glass")

    @pytest.mark.parametrize("justification", ["", "   ", "\n\t"])
    def test_refused_without_a_justification(self, justification):
        decision = check(ER_DOCTOR, mode=Mode.BRIS_DE_GLACE, justification=justification)
        assert (decision.allowed, decision.rule) == (False, "break_glass_without_justification")

    def test_refused_when_the_patient_opposed(self):
        decision = check(ER_DOCTOR, settings_=settings(break_glass=False), mode=Mode.BRIS_DE_GLACE,
                         justification="Patient inconscient")
        assert (decision.allowed, decision.rule) == (False, "break_glass_opposed")

    def test_samu_opposition_does_not_stop_break_glass(self):
        assert check(ER_DOCTOR, settings_=settings(samu_access=False), mode=Mode.BRIS_DE_GLACE,
                     justification="Détresse respiratoire").allowed

    def test_masked_document_with_the_masked_consent(self):
        decision = check(ER_DOCTOR, MASKED, mode=Mode.BRIS_DE_GLACE, justification="Arrêt cardiaque")
        assert (decision.allowed, decision.rule) == (True, "masked_in_emergency")

    def test_masked_document_without_the_masked_consent(self):
        decision = check(ER_DOCTOR, MASKED, settings_=settings(masked_in_emergency=False),
                         mode=Mode.BRIS_DE_GLACE, justification="Arrêt cardiaque")
        assert (decision.allowed, decision.rule) == (False, "masked_in_emergency_opposed")

    def test_masked_forced_off_means_opposed_even_if_stored_on(self):
        s = settings(samu_access=False, break_glass=False, masked_in_emergency=True)
        assert not s.effective_masked_in_emergency
        assert check(ER_DOCTOR, MASKED, settings_=s, mode=Mode.BRIS_DE_GLACE, justification="x").rule \
            == "break_glass_opposed"

    def test_administrator_sees_masked_in_an_emergency_without_the_masked_consent(self):
        s = settings(masked_in_emergency=False, administrator_ids=frozenset({"ps-er"}))
        decision = check(ER_DOCTOR, MASKED, settings_=s, mode=Mode.BRIS_DE_GLACE, justification="x")
        assert (decision.allowed, decision.rule) == (True, "break_glass")
        assert "administrator" in decision.reason

    def test_break_glass_stays_within_the_matrix(self):
        decision = check(professional("ps-opt", "28"), mode=Mode.BRIS_DE_GLACE, justification="x")
        assert decision.rule == "matrix_denied"

    def test_justification_is_not_needed_in_normal_mode(self):
        assert check(ER_DOCTOR, mode=Mode.NORMAL, justification="").rule == "matrix_allowed"
