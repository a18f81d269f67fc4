"""The patient's identity typed for an emergency access: required where, compared how, recorded how."""
from __future__ import annotations

import pytest

from documents.domain.access import Mode, PatientSettings
from documents.domain.actors import AccessContext, PatientIdentity, Who, actor_for
from documents.domain.emergency_identity import (PATIENT_IDENTITY_MISMATCH, TypedIdentity, recorded_justification,
                                                 refusal, validate)
from meskit.auth import PATIENT, PROFESSIONAL, Caller
from meskit.errors import InvalidArgument

ACCOUNT = PatientIdentity(family_name="Lefèvre-Dupont", given_name="Hélène Marie", birth_date="1946-08-01")
RIGHT = TypedIdentity("Lefèvre-Dupont", "Hélène Marie", "1946-08-01")


def who(caller: Caller, identity: PatientIdentity | None = ACCOUNT) -> Who:
    context = AccessContext(settings=PatientSettings(patient_id="pat-1"), patient_identity=identity)
    return Who(caller, context, actor_for(caller, context), None)   # type: ignore[arg-type]


ER = Caller(PROFESSIONAL, "pro-1", profession_code="10")


class TestValidate:
    def test_break_glass_names_every_missing_field(self):
        with pytest.raises(InvalidArgument) as caught:
            validate(Mode.BRIS_DE_GLACE, TypedIdentity(" ", "", ""))
        assert [v.field for v in caught.value.violations] == [
            "access.patient_family_name", "access.patient_given_name", "access.patient_birth_date"]

    @pytest.mark.parametrize("birth", ["01/08/1946", "1946-8-1", "1946-02-30", "19460801"])
    def test_a_birth_date_that_is_not_iso(self, birth):
        with pytest.raises(InvalidArgument) as caught:
            validate(Mode.BRIS_DE_GLACE, TypedIdentity("A", "B", birth))
        assert [v.field for v in caught.value.violations] == ["access.patient_birth_date"]

    def test_centre_15_and_normal_need_nothing_but_centre_15_checks_what_is_typed(self):
        validate(Mode.CENTRE_15, TypedIdentity())
        validate(Mode.NORMAL, TypedIdentity("x", "", ""))
        with pytest.raises(InvalidArgument):
            validate(Mode.CENTRE_15, TypedIdentity("Lefèvre", "", ""))


class TestRefusal:
    @pytest.mark.parametrize("typed", [RIGHT, TypedIdentity("  LEFEVRE-dupont ", "helene   marie", " 1946-08-01 "),
                                       TypedIdentity("lefèvre-dupont", "HÉLÈNE MARIE", "1946-08-01")])
    def test_case_accents_and_spaces_do_not_matter(self, typed):
        assert refusal(who(ER), Mode.BRIS_DE_GLACE, typed) is None

    @pytest.mark.parametrize("typed", [TypedIdentity("Lefèvre", "Hélène Marie", "1946-08-01"),
                                       TypedIdentity("Lefèvre-Dupont", "Hélène", "1946-08-01"),
                                       TypedIdentity("Lefèvre-Dupont", "Hélène Marie", "1946-08-02")])
    def test_another_name_or_birth_date_is_refused(self, typed):
        decision = refusal(who(ER), Mode.BRIS_DE_GLACE, typed)
        assert decision is not None and not decision.allowed and decision.rule == PATIENT_IDENTITY_MISMATCH

    def test_without_the_account_s_identity_nothing_matches(self):
        assert refusal(who(ER, identity=None), Mode.BRIS_DE_GLACE, RIGHT) is not None

    def test_only_professionals_in_a_checked_mode(self):
        wrong = TypedIdentity("X", "Y", "2000-01-01")
        assert refusal(who(ER), Mode.NORMAL, wrong) is None
        assert refusal(who(ER), Mode.CENTRE_15, TypedIdentity()) is None
        assert refusal(who(Caller(PATIENT, "pat-1")), Mode.BRIS_DE_GLACE, wrong) is None   # decide refuses her


class TestRecorded:
    def test_the_typed_identity_comes_first_then_the_justification(self):
        assert recorded_justification(Mode.BRIS_DE_GLACE, RIGHT, "Inconsciente") == (
            "Identité saisie : Lefèvre-Dupont / Hélène Marie / 1946-08-01. Inconsciente")
        assert recorded_justification(Mode.CENTRE_15, RIGHT, "") == (
            "Identité saisie : Lefèvre-Dupont / Hélène Marie / 1946-08-01")
        assert recorded_justification(Mode.CENTRE_15, TypedIdentity(), "") == ""
        assert recorded_justification(Mode.NORMAL, RIGHT, "") == ""
