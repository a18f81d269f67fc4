"""Properties of decide() over generated inputs (hypothesis): what must hold whatever the case."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from documents.domain.access import (ALLOWING_RULES, RULES, Actor, ActorType, AuthorType, DelegationType,
                                     DocumentAttrs, Mode, PatientSettings, decide, embargo_lifted_at)
from tests.unit.access.builders import MATRIX

PATIENTS = ["patient-a", "patient-b"]
PROFESSIONALS = ["ps-1", "ps-2", "ps-3", "ps-4"]
PEOPLE = PATIENTS + PROFESSIONALS + ["delegate-1", "svc"]
CODES = ["10", "21", "26", "28", "40", "50", "60", "69", "70", "80", "91", "92", "98", "31", "86", ""]
TYPES = [(code, row.class_code) for code, row in MATRIX.types.items()] + [
    ("28617-9", "11"), ("NOT-A-TYPE", "10"), ("REMB", "10"), ("11488-4", "11")]
BASE = datetime(2026, 1, 1, tzinfo=timezone.utc)
MODES = list(Mode)

moments = st.integers(min_value=0, max_value=120 * 24).map(lambda hours: BASE + timedelta(hours=hours))
# Few draws per example keep hypothesis fast: sets of professionals are bit masks.
id_sets = st.integers(0, 2 ** len(PROFESSIONALS) - 1).map(
    lambda mask: frozenset(p for i, p in enumerate(PROFESSIONALS) if mask >> i & 1))

actors = st.builds(
    Actor, type=st.sampled_from(list(ActorType)), id=st.sampled_from(PEOPLE),
    profession_code=st.sampled_from(CODES), samu_regulator=st.booleans(),
    occupational_medicine=st.booleans(), insurer_doctor=st.booleans(),
    on_behalf_of=st.sampled_from(PATIENTS + [""]),
    delegation_type=st.sampled_from([DelegationType.LEGAL_REPRESENTATION, DelegationType.CAREGIVING, None]))

patient_settings = st.builds(
    PatientSettings, patient_id=st.just("patient-a"), blocked_professional_ids=id_sets, care_team_ids=id_sets,
    administrator_ids=id_sets, samu_access=st.booleans(), break_glass=st.booleans(),
    masked_in_emergency=st.booleans(), mask_new_documents_by_default=st.booleans(),
    patient_is_minor=st.booleans())


@st.composite
def documents(draw) -> DocumentAttrs:
    type_code, class_code = draw(st.sampled_from(TYPES))
    deposited = draw(moments)
    until = draw(st.none() | st.integers(min_value=0, max_value=60 * 24).map(lambda h: deposited + timedelta(hours=h)))
    return DocumentAttrs(
        document_id="doc", patient_id=draw(st.sampled_from(["patient-a", "patient-a", "patient-b"])),
        type_code=type_code, class_code=class_code, author_type=draw(st.sampled_from(list(AuthorType))),
        author_id=draw(st.sampled_from(PEOPLE)), deposited_at=deposited,
        masked_from_professionals=draw(st.booleans()), invisible_to_patient_until=until,
        invisible_to_legal_representatives=draw(st.booleans()), deleted=draw(st.integers(0, 9)) == 0)


cases = st.fixed_dictionaries({
    "actor": actors, "settings": patient_settings, "document": documents(), "mode": st.sampled_from(MODES),
    "justification": st.sampled_from(["", "  ", "Patient inconscient"]), "now": moments})

# No example database: nothing is written into the work tree (.hypothesis/).
FAST = hsettings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def run(case: dict, **changes):
    case = {**case, **changes}
    return decide(case["actor"], case["settings"], case["document"], mode=case["mode"],
                  justification=case["justification"], now=case["now"], matrix=MATRIX)


def is_own_deposit(actor: Actor, document: DocumentAttrs) -> bool:
    return document.author_type == AuthorType.PROFESSIONAL and document.author_id == actor.id


class TestEveryDecision:
    @FAST
    @given(cases)
    def test_names_a_known_rule_and_allows_only_through_an_allowing_rule(self, case):
        decision = run(case)
        assert decision.rule in RULES and decision.reason
        assert decision.allowed == (decision.rule in ALLOWING_RULES)

    @FAST
    @given(cases)
    def test_is_deterministic(self, case):
        assert run(case) == run(case)


class TestNeverAllowed:
    @FAST
    @given(cases)
    def test_no_rule_ever_lets_occupational_medicine_or_insurers_read(self, case):
        actor = replace(case["actor"], type=ActorType.PROFESSIONAL)
        assert not run(case, actor=replace(actor, occupational_medicine=True)).allowed
        assert not run(case, actor=replace(actor, insurer_doctor=True)).allowed

    @FAST
    @given(cases)
    def test_support_operators_and_services_never_read(self, case):
        for actor_type in (ActorType.SUPPORT, ActorType.OPERATOR, ActorType.SERVICE):
            assert not run(case, actor=replace(case["actor"], type=actor_type)).allowed

    @FAST
    @given(cases)
    def test_deleted_documents_are_never_read(self, case):
        assert not run(case, document=replace(case["document"], deleted=True)).allowed

    @FAST
    @given(cases)
    def test_a_blocked_professional_never_reads_a_document_it_did_not_file(self, case):
        actor = replace(case["actor"], type=ActorType.PROFESSIONAL)
        blocked = replace(case["settings"], blocked_professional_ids=frozenset({actor.id}))
        if not is_own_deposit(actor, case["document"]):
            assert not run(case, actor=actor, settings=blocked).allowed

    @FAST
    @given(cases)
    def test_nobody_reads_another_patients_document_through_these_settings(self, case):
        other = replace(case["document"], patient_id="patient-b")
        assert not run(case, document=other).allowed


class TestWhenAllowed:
    @FAST
    @given(cases)
    def test_a_professional_other_than_the_author_reads_only_within_the_matrix(self, case):
        actor, document = case["actor"], case["document"]
        if run(case).allowed and actor.type == ActorType.PROFESSIONAL and not is_own_deposit(actor, document):
            assert MATRIX.lookup(actor.profession_code, document.type_code).allowed

    @FAST
    @given(cases)
    def test_a_normal_mode_read_by_a_professional_other_than_the_author_needs_the_care_team(self, case):
        actor, document = case["actor"], case["document"]
        if (run(case).allowed and actor.type == ActorType.PROFESSIONAL and case["mode"] == Mode.NORMAL
                and not is_own_deposit(actor, document)):
            assert actor.id in case["settings"].care_team_ids

    @FAST
    @given(cases)
    def test_a_masked_document_reaches_only_author_patient_administrator_or_consented_emergency(self, case):
        actor, document, s = case["actor"], case["document"], case["settings"]
        if run(case).allowed and document.masked_from_professionals and actor.type == ActorType.PROFESSIONAL:
            assert (is_own_deposit(actor, document) or actor.id in s.administrator_ids
                    or (case["mode"] != Mode.NORMAL and s.effective_masked_in_emergency))

    @FAST
    @given(cases)
    def test_the_patient_and_delegates_never_see_an_embargoed_document_early(self, case):
        actor, document = case["actor"], case["document"]
        lifted = embargo_lifted_at(document)
        if run(case).allowed and actor.type in (ActorType.PATIENT, ActorType.DELEGATE) and lifted:
            assert case["now"] >= lifted
            assert lifted <= document.deposited_at + timedelta(days=31)

    @FAST
    @given(cases)
    def test_a_delegate_reads_only_for_its_patient_and_never_what_is_hidden_from_representatives(self, case):
        actor, document = case["actor"], case["document"]
        if run(case).allowed and actor.type == ActorType.DELEGATE:
            assert actor.on_behalf_of == document.patient_id
            assert not document.invisible_to_legal_representatives

    @FAST
    @given(cases)
    def test_emergency_modes_are_used_only_by_professionals(self, case):
        if run(case).allowed and case["mode"] != Mode.NORMAL:
            assert case["actor"].type == ActorType.PROFESSIONAL


class TestPatientChoicesOnlyRestrict:
    """Turning a consent off, blocking or masking never turns a denial into an access."""

    @FAST
    @given(cases, st.sampled_from(["samu_access", "break_glass", "masked_in_emergency"]))
    def test_turning_a_consent_off_never_grants(self, case, consent):
        off = replace(case["settings"], **{consent: False})
        on = replace(case["settings"], **{consent: True})
        if run(case, settings=off).allowed:
            assert run(case, settings=on).allowed

    @FAST
    @given(cases, st.sampled_from(PROFESSIONALS))
    def test_blocking_never_grants(self, case, professional_id):
        s = case["settings"]
        more = replace(s, blocked_professional_ids=s.blocked_professional_ids | {professional_id})
        if run(case, settings=more).allowed:
            assert run(case, settings=replace(s, blocked_professional_ids=s.blocked_professional_ids - {professional_id})).allowed

    @FAST
    @given(cases)
    def test_masking_never_grants(self, case):
        document = case["document"]
        if run(case, document=replace(document, masked_from_professionals=True)).allowed:
            assert run(case, document=replace(document, masked_from_professionals=False)).allowed
