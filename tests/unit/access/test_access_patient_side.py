"""The patient, their delegates, the embargo, other actors (DOMAIN.md §2.4, §3.3, §3.4, §3.6)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from documents.domain.access import (ActorType, Actor, AuthorType, DelegationType, Mode, add_one_month, decide,
                                     embargo_lifted_at)
from tests.unit.access.builders import (MATRIX, NOW, OTHER_PATIENT_ID, PATIENT_ID, delegate, document, patient,
                                        professional, settings)

LEGAL = DelegationType.LEGAL_REPRESENTATION
CAREGIVING = DelegationType.CAREGIVING


def check(actor, doc=None, *, settings_=None, now=NOW, **kwargs):
    return decide(actor, settings_ or settings(), doc or document(), now=now, matrix=MATRIX, **kwargs)


class TestPatientOwner:
    def test_patient_reads_own_document(self):
        decision = check(patient())
        assert (decision.allowed, decision.rule) == (True, "patient_owner")

    def test_patient_reads_own_masked_document(self):
        assert check(patient(), document(masked_from_professionals=True)).rule == "patient_owner"

    def test_patient_reads_types_the_matrix_does_not_know(self):
        assert check(patient(), document("REMB", class_code="60", author_type=AuthorType.ORGANISATION)).allowed

    def test_patient_reads_own_uploads(self):
        doc = document("DOCPAT03", author_type=AuthorType.PATIENT, author_id=PATIENT_ID)
        assert check(patient(), doc).rule == "patient_owner"

    def test_minor_patient_reads_document_hidden_from_legal_representatives(self):
        doc = document(invisible_to_legal_representatives=True)
        assert check(patient(), doc, settings_=settings(patient_is_minor=True)).allowed

    def test_patient_cannot_read_another_patients_document(self):
        decision = check(patient(OTHER_PATIENT_ID))
        assert (decision.allowed, decision.rule) == (False, "not_the_patient")

    def test_patient_blocking_settings_do_not_apply_to_the_patient(self):
        assert check(patient(), settings_=settings(samu_access=False, break_glass=False,
                                                   blocked_professional_ids=frozenset({PATIENT_ID}))).allowed


class TestEmbargo:
    """INVISIBLE_PATIENT: hidden until the announcement visit, visible one month after deposit at the latest."""

    def test_hidden_from_patient_until_the_announcement_visit(self):
        doc = document(invisible_to_patient_until=NOW + timedelta(days=2))
        decision = check(patient(), doc)
        assert (decision.allowed, decision.rule) == (False, "embargo_until_announcement")

    def test_visible_from_the_announcement_time_on(self):
        until = NOW + timedelta(days=2)
        doc = document(invisible_to_patient_until=until)
        assert check(patient(), doc, now=until).rule == "patient_owner"
        assert not check(patient(), doc, now=until - timedelta(seconds=1)).allowed

    def test_visible_automatically_one_month_after_deposit(self):
        deposited = datetime(2026, 1, 10, 9, 0, tzinfo=timezone.utc)
        doc = document(deposited_at=deposited, invisible_to_patient_until=deposited + timedelta(days=365))
        assert embargo_lifted_at(doc) == datetime(2026, 2, 10, 9, 0, tzinfo=timezone.utc)
        assert not check(patient(), doc, now=datetime(2026, 2, 10, 8, 59, tzinfo=timezone.utc)).allowed
        assert check(patient(), doc, now=datetime(2026, 2, 10, 9, 0, tzinfo=timezone.utc)).allowed

    @pytest.mark.parametrize("deposited, lifted", [
        ((2026, 1, 31), (2026, 2, 28)), ((2028, 1, 31), (2028, 2, 29)), ((2026, 12, 15), (2027, 1, 15)),
        ((2026, 3, 31), (2026, 4, 30)), ((2026, 2, 28), (2026, 3, 28))])
    def test_one_calendar_month(self, deposited, lifted):
        assert add_one_month(datetime(*deposited, 12, tzinfo=timezone.utc)) == datetime(*lifted, 12, tzinfo=timezone.utc)

    def test_no_embargo_no_lift_date(self):
        assert embargo_lifted_at(document()) is None

    def test_embargo_in_the_past_is_over(self):
        assert check(patient(), document(invisible_to_patient_until=NOW - timedelta(minutes=1))).allowed

    def test_professionals_are_not_affected(self):
        doc = document(invisible_to_patient_until=NOW + timedelta(days=5))
        assert check(professional(), doc).rule == "matrix_allowed"

    @pytest.mark.parametrize("kind", [LEGAL, CAREGIVING])
    def test_delegates_are_embargoed_like_the_patient(self, kind):
        doc = document(invisible_to_patient_until=NOW + timedelta(days=5))
        decision = check(delegate(kind), doc, settings_=settings(patient_is_minor=True))
        assert decision.rule == "embargo_until_announcement"


class TestCaregivers:
    def test_caregiver_sees_what_the_patient_sees(self):
        decision = check(delegate(CAREGIVING))
        assert (decision.allowed, decision.rule) == (True, "caregiver")

    def test_caregiver_sees_masked_documents_like_the_patient(self):
        assert check(delegate(CAREGIVING), document(masked_from_professionals=True)).allowed

    def test_caregiver_sees_types_outside_the_matrix(self):
        assert check(delegate(CAREGIVING), document("DOCPAT09", class_code="95")).allowed

    def test_caregiver_of_another_patient_is_denied(self):
        decision = check(delegate(CAREGIVING, on_behalf_of=OTHER_PATIENT_ID))
        assert (decision.allowed, decision.rule) == (False, "not_the_patients_delegate")

    def test_delegate_acting_for_nobody_is_denied(self):
        assert check(delegate(CAREGIVING, on_behalf_of="")).rule == "not_the_patients_delegate"

    def test_delegate_without_a_delegation_type_is_denied(self):
        assert check(delegate(None)).rule == "unknown_delegation_type"

    def test_caregiver_of_a_minor_does_not_see_what_is_hidden_from_legal_representatives(self):
        doc = document(invisible_to_legal_representatives=True)
        assert check(delegate(CAREGIVING), doc, settings_=settings(patient_is_minor=True)).rule \
            == "hidden_from_legal_representatives"


class TestLegalRepresentatives:
    def test_legal_representative_of_a_minor_reads(self):
        decision = check(delegate(LEGAL), settings_=settings(patient_is_minor=True))
        assert (decision.allowed, decision.rule) == (True, "legal_representative")

    def test_minors_document_hidden_from_legal_representatives(self):
        doc = document(invisible_to_legal_representatives=True)
        decision = check(delegate(LEGAL), doc, settings_=settings(patient_is_minor=True))
        assert (decision.allowed, decision.rule) == (False, "hidden_from_legal_representatives")

    def test_other_documents_of_the_minor_stay_visible(self):
        hidden = document(invisible_to_legal_representatives=True)
        visible = document(invisible_to_legal_representatives=False)
        minor = settings(patient_is_minor=True)
        assert [check(delegate(LEGAL), d, settings_=minor).allowed for d in (hidden, visible)] == [False, True]

    def test_legal_representation_ends_at_majority(self):
        decision = check(delegate(LEGAL), settings_=settings(patient_is_minor=False))
        assert (decision.allowed, decision.rule) == (False, "legal_representation_of_adult")

    def test_legal_representative_of_another_child_is_denied(self):
        decision = check(delegate(LEGAL, on_behalf_of=OTHER_PATIENT_ID), settings_=settings(patient_is_minor=True))
        assert decision.rule == "not_the_patients_delegate"


class TestActorsWithoutDocumentAccess:
    @pytest.mark.parametrize("actor_type", [ActorType.SUPPORT, ActorType.OPERATOR, ActorType.SERVICE])
    def test_support_operator_and_services_never_read_content(self, actor_type):
        decision = check(Actor(type=actor_type, id="someone"))
        assert (decision.allowed, decision.rule) == (False, "actor_without_document_access")

    def test_unknown_actor_type_is_denied(self):
        assert not check(Actor(type="robot", id="r2")).allowed  # type: ignore[arg-type]

    def test_service_named_after_the_patient_is_still_denied(self):
        assert not check(Actor(type=ActorType.SERVICE, id=PATIENT_ID, on_behalf_of=PATIENT_ID)).allowed

    @pytest.mark.parametrize("mode", [Mode.BRIS_DE_GLACE, Mode.CENTRE_15])
    @pytest.mark.parametrize("actor", [patient(), delegate(CAREGIVING), Actor(type=ActorType.SUPPORT, id="s")],
                             ids=["patient", "caregiver", "support"])
    def test_emergency_modes_are_for_professionals_only(self, actor, mode):
        decision = check(actor, mode=mode, justification="urgence")
        assert (decision.allowed, decision.rule) == (False, "emergency_mode_professionals_only")


class TestDocumentAndInputs:
    @pytest.mark.parametrize("actor", [patient(), delegate(CAREGIVING), professional("ps-author")],
                             ids=["patient", "caregiver", "author"])
    def test_deleted_documents_are_denied_to_everyone(self, actor):
        assert check(actor, document(deleted=True)).rule == "document_deleted"

    def test_settings_of_another_patient_are_refused(self):
        decision = check(patient(), settings_=settings(patient_id=OTHER_PATIENT_ID))
        assert (decision.allowed, decision.rule) == (False, "inconsistent_inputs")

    def test_naive_now_is_a_programming_error(self):
        with pytest.raises(ValueError, match="timezone-aware"):
            check(patient(), now=datetime(2026, 1, 1))

    def test_naive_document_dates_are_a_programming_error(self):
        with pytest.raises(ValueError, match="deposited_at"):
            document(deposited_at=datetime(2026, 1, 1))
        with pytest.raises(ValueError, match="invisible_to_patient_until"):
            document(invisible_to_patient_until=datetime(2026, 1, 1))

    def test_unknown_mode_is_a_programming_error(self):
        with pytest.raises(ValueError):
            check(patient(), mode="panic")

    def test_modes_are_accepted_as_their_cisis_codes(self):
        assert check(professional(), mode="bris_de_glace", justification="x").rule == "break_glass"

    def test_inputs_are_frozen(self):
        with pytest.raises(AttributeError):
            patient().id = "other"  # type: ignore[misc]
