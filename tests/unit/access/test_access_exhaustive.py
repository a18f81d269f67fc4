"""decide() over EVERY combination of the inputs that matter, against an independent statement of the rules.

The expectation below is written from DOMAIN.md (§1-§3, §10.1, §10.2) and the tables of seed.py, not
from decide(): a first-match list of (rule, condition) in the order access/README.md gives. Each
product is counted and its count asserted, so that a dimension silently dropped fails the test.

- professionals: every TRE_G15 code of the reference list (and none) x every type code of the
  shipped matrix (and types without a row) x blocked x in the care team x administrator x masked
  x each emergency consent (ETREAT, BTG, MASKED) x each access mode (break-glass with and
  without a justification, centre 15 by a regulator and by another professional);
- the same professionals as authors, occupational medicine and insurers' doctors;
- the patient and delegates: own / other patient, every delegation type, minor or adult, hidden
  from legal representatives, every embargo state, masked, deleted, every mode, every type;
- support, operators, services.
"""
from __future__ import annotations

import itertools
from collections import Counter
from datetime import timedelta

import pytest

from documents.domain.access import (ALLOWING_RULES, Actor, ActorType, AuthorType, DelegationType, DocumentAttrs,
                                     Mode, PatientSettings, decide)
from documents.domain.access.reference import PROFESSIONS, UNMAPPED_TYPES
from tests.unit.access.builders import MATRIX, NOW, PATIENT_ID
from tests.unit.access.seed import DOMAIN_1_3_CLASSES, SEED_GROUPS, expected_readers

PS_ID, AUTHOR_ID, OTHER_PATIENT = "ps-under-test", "ps-author", "patient-other"
PROFESSION_CODES = sorted(PROFESSIONS) + [""]                               # 29 TRE_G15 codes, and none
MATRIX_TYPES = sorted(DOMAIN_1_3_CLASSES.items())                           # 102, with their class
ROWLESS_TYPES = sorted((code, "10") for code in UNMAPPED_TYPES) + [("NOT-A-TYPE", "10")]
TYPES = MATRIX_TYPES + ROWLESS_TYPES
# (mode, justification, regulator): every emergency path once
MODES = [(Mode.NORMAL, "", False), (Mode.CENTRE_15, "", True), (Mode.CENTRE_15, "", False),
         (Mode.BRIS_DE_GLACE, "Patient inconscient", False), (Mode.BRIS_DE_GLACE, "  ", False)]
BOOLS = (False, True)


# ---- the rules, stated independently -----------------------------------------------------------

def matrix_verdict(profession_code: str, type_code: str, class_code: str, rule: str) -> tuple[bool, str]:
    if type_code not in DOMAIN_1_3_CLASSES:
        return False, "matrix_unknown_type"
    groups = {g for g, codes in SEED_GROUPS.items() if profession_code in codes}
    if not groups:
        return False, "matrix_unknown_profession"
    if class_code != DOMAIN_1_3_CLASSES[type_code]:
        return False, "matrix_class_mismatch"
    # a code in several columns (pharmacists) reads only what every one of its columns reads
    return (True, rule) if groups <= expected_readers(type_code) else (False, "matrix_denied")


def professional_expectation(*, code, type_code, class_code, blocked, in_team, admin, masked, samu, btg,
                             masked_consent, mode, justification, regulator, author=False, occupational=False,
                             insurer=False) -> tuple[bool, str]:
    if occupational:
        return False, "occupational_medicine_never"
    if insurer:
        return False, "insurer_never"
    if author:
        return True, "author"
    if blocked:
        return False, "blocked_professional"
    if mode == Mode.NORMAL:
        if not in_team:
            return False, "not_in_care_team"
        if masked and not admin:
            return False, "masked_document"
        return matrix_verdict(code, type_code, class_code, "administrator_sees_masked" if masked else "matrix_allowed")
    if mode == Mode.CENTRE_15:
        if not regulator:
            return False, "not_a_samu_regulator"
        if not samu:
            return False, "samu_opposed"
        rule = "samu_regulator"
    else:
        if not justification.strip():
            return False, "break_glass_without_justification"
        if not btg:
            return False, "break_glass_opposed"
        rule = "break_glass"
    if masked and not admin:
        if not (masked_consent and (samu or btg)):          # MASKED is forced off when ETREAT and BTG are off
            return False, "masked_in_emergency_opposed"
        rule = "masked_in_emergency"
    return matrix_verdict(code, type_code, class_code, rule)


def document_(type_code: str, class_code: str, **flags) -> DocumentAttrs:
    return DocumentAttrs(document_id="doc", patient_id=PATIENT_ID, type_code=type_code, class_code=class_code,
                         author_type=flags.pop("author_type", AuthorType.PROFESSIONAL), author_id=AUTHOR_ID,
                         deposited_at=NOW - timedelta(days=3), **flags)


def patient_settings(*, blocked=False, in_team=True, admin=False, samu=True, btg=True, masked_consent=True,
                     minor=False, who=PS_ID) -> PatientSettings:
    ids = frozenset({who})
    return PatientSettings(patient_id=PATIENT_ID, blocked_professional_ids=ids if blocked else frozenset(),
                           care_team_ids=ids if in_team else frozenset(), administrator_ids=ids if admin else frozenset(),
                           samu_access=samu, break_glass=btg, masked_in_emergency=masked_consent, patient_is_minor=minor)


def report(name: str, count: int, outcomes: Counter) -> None:
    allowed = sum(n for rule, n in outcomes.items() if rule in ALLOWING_RULES)
    print(f"\n{name}: {count} combinations, {allowed} allowed, {count - allowed} denied; by rule: "
          + ", ".join(f"{rule}={n}" for rule, n in sorted(outcomes.items())))


# ---- professionals -----------------------------------------------------------------------------

SETTINGS_AXES = list(itertools.product(BOOLS, BOOLS, BOOLS, BOOLS, BOOLS, BOOLS))   # blocked, team, admin, samu, btg, masked consent
SETTINGS = {axes: patient_settings(blocked=axes[0], in_team=axes[1], admin=axes[2], samu=axes[3], btg=axes[4],
                                   masked_consent=axes[5]) for axes in SETTINGS_AXES}
PROFESSIONAL_COMBINATIONS = len(PROFESSION_CODES) * len(TYPES) * len(SETTINGS_AXES) * 2 * len(MODES)


def test_every_professional_code_type_setting_and_mode():
    outcomes, count, mismatches = Counter(), 0, []
    actors = {(code, regulator): Actor(type=ActorType.PROFESSIONAL, id=PS_ID, profession_code=code,
                                       samu_regulator=regulator)
              for code in PROFESSION_CODES for regulator in BOOLS}
    for type_code, class_code in TYPES:
        for masked in BOOLS:
            doc = document_(type_code, class_code, masked_from_professionals=masked)
            for code in PROFESSION_CODES:
                for axes, s in SETTINGS.items():
                    blocked, in_team, admin, samu, btg, masked_consent = axes
                    for mode, justification, regulator in MODES:
                        got = decide(actors[code, regulator], s, doc, mode=mode, justification=justification,
                                     now=NOW, matrix=MATRIX)
                        want = professional_expectation(
                            code=code, type_code=type_code, class_code=class_code, blocked=blocked, in_team=in_team,
                            admin=admin, masked=masked, samu=samu, btg=btg, masked_consent=masked_consent, mode=mode,
                            justification=justification, regulator=regulator)
                        count += 1
                        outcomes[got.rule] += 1
                        if (got.allowed, got.rule) != want and len(mismatches) < 20:
                            mismatches.append((code, type_code, axes, masked, mode.value, justification, regulator,
                                               (got.allowed, got.rule), want))
    report("professionals", count, outcomes)
    assert not mismatches, mismatches
    assert count == PROFESSIONAL_COMBINATIONS == 30 * 111 * 64 * 2 * 5


# blocked, team, admin x the three emergency consents all on or all off: what these rules come before
PRECEDENCE_AXES = [(b, t, a, c, c, c) for b, t, a, c in itertools.product(BOOLS, BOOLS, BOOLS, BOOLS)]


@pytest.mark.parametrize("flag, rule", [("author", "author"), ("occupational", "occupational_medicine_never"),
                                        ("insurer", "insurer_never")])
def test_authors_occupational_medicine_and_insurers_whatever_the_settings(flag, rule):
    outcomes, count = Counter(), 0
    for code in PROFESSION_CODES:
        actor = Actor(type=ActorType.PROFESSIONAL, id=AUTHOR_ID if flag == "author" else PS_ID, profession_code=code,
                      samu_regulator=True, occupational_medicine=flag == "occupational", insurer_doctor=flag == "insurer")
        for (type_code, class_code), masked in itertools.product(TYPES, BOOLS):
            doc = document_(type_code, class_code, masked_from_professionals=masked)
            for axes in PRECEDENCE_AXES:
                s = patient_settings(blocked=axes[0], in_team=axes[1], admin=axes[2], samu=axes[3], btg=axes[4],
                                     masked_consent=axes[5], who=actor.id)
                for mode, justification, _ in MODES:
                    got = decide(actor, s, doc, mode=mode, justification=justification, now=NOW, matrix=MATRIX)
                    count += 1
                    outcomes[got.rule] += 1
                    assert (got.allowed, got.rule) == (flag == "author", rule), (code, type_code, axes, mode)
    report(f"professionals who are {flag}", count, outcomes)
    assert count == 30 * 111 * 2 * 16 * 5


def test_a_class_other_than_the_types_class_is_refused_for_every_type():
    count = 0
    actor = Actor(type=ActorType.PROFESSIONAL, id=PS_ID, profession_code="10")
    for type_code, class_code in MATRIX_TYPES:
        for other in sorted(set(DOMAIN_1_3_CLASSES.values()) - {class_code}):
            got = decide(actor, patient_settings(), document_(type_code, other), now=NOW, matrix=MATRIX)
            assert (got.allowed, got.rule) == (False, "matrix_class_mismatch"), (type_code, other)
            count += 1
    print(f"\nclass mismatches: {count} combinations, all denied")
    assert count == 102 * 10


# ---- the patient, delegates and the others -----------------------------------------------------

# (invisible_to_patient_until, now): no embargo, before the date, on the date, month elapsed before the date
EMBARGOES = [(None, NOW), (NOW + timedelta(days=2), NOW), (NOW + timedelta(days=2), NOW + timedelta(days=2)),
             (NOW + timedelta(days=60), NOW + timedelta(days=40))]
DELEGATIONS = [DelegationType.LEGAL_REPRESENTATION, DelegationType.CAREGIVING, None]


def patient_side_expectation(*, actor_type, own, delegation, minor, hidden_from_lr, embargoed, deleted,
                             mode) -> tuple[bool, str]:
    if deleted:
        return False, "document_deleted"
    if mode != Mode.NORMAL:
        return False, "emergency_mode_professionals_only"
    if actor_type == ActorType.PATIENT:
        if not own:
            return False, "not_the_patient"
        return (False, "embargo_until_announcement") if embargoed else (True, "patient_owner")
    if actor_type != ActorType.DELEGATE:
        return False, "actor_without_document_access"
    if not own:
        return False, "not_the_patients_delegate"
    if delegation is None:
        return False, "unknown_delegation_type"
    legal = delegation == DelegationType.LEGAL_REPRESENTATION
    if legal and not minor:
        return False, "legal_representation_of_adult"      # representation ends at majority (§3.3, §10.5)
    if hidden_from_lr:
        return False, "hidden_from_legal_representatives"  # every delegate (§2.4, §10.4)
    if embargoed:
        return False, "embargo_until_announcement"
    return True, "legal_representative" if legal else "caregiver"


def test_every_patient_delegate_and_other_actor_case():
    outcomes, count = Counter(), 0
    actors = [(ActorType.PATIENT, own, None) for own in BOOLS]
    actors += [(ActorType.DELEGATE, own, d) for own in BOOLS for d in DELEGATIONS]
    actors += [(t, True, None) for t in (ActorType.SUPPORT, ActorType.OPERATOR, ActorType.SERVICE)]
    modes = [(Mode.NORMAL, ""), (Mode.CENTRE_15, ""), (Mode.BRIS_DE_GLACE, "Patient inconscient")]
    for (actor_type, own, delegation), (type_code, class_code) in itertools.product(actors, TYPES):
        target = PATIENT_ID if own else OTHER_PATIENT
        actor = (Actor(type=actor_type, id=target) if actor_type == ActorType.PATIENT else
                 Actor(type=actor_type, id="delegate-1", on_behalf_of=target, delegation_type=delegation)
                 if actor_type == ActorType.DELEGATE else Actor(type=actor_type, id="someone"))
        for minor, hidden, (until, now), masked, deleted, (mode, justification) in itertools.product(
                BOOLS, BOOLS, EMBARGOES, BOOLS, BOOLS, modes):
            doc = document_(type_code, class_code, masked_from_professionals=masked, deleted=deleted,
                            invisible_to_patient_until=until, invisible_to_legal_representatives=hidden)
            s = patient_settings(minor=minor, in_team=False, blocked=True, who=actor.id)   # professional settings never matter here
            got = decide(actor, s, doc, mode=mode, justification=justification, now=now, matrix=MATRIX)
            embargoed = until is not None and now < min(until, doc.deposited_at + timedelta(days=31))
            want = patient_side_expectation(actor_type=actor_type, own=own, delegation=delegation, minor=minor,
                                            hidden_from_lr=hidden, embargoed=embargoed, deleted=deleted, mode=mode)
            count += 1
            outcomes[got.rule] += 1
            assert (got.allowed, got.rule) == want, (actor, type_code, minor, hidden, until, now, masked, deleted, mode)
    report("patient, delegates, others", count, outcomes)
    assert count == 11 * 111 * 2 * 2 * 4 * 2 * 2 * 3


def test_settings_of_another_patient_are_never_used():
    actor = Actor(type=ActorType.PROFESSIONAL, id=PS_ID, profession_code="10")
    other = PatientSettings(patient_id=OTHER_PATIENT, care_team_ids=frozenset({PS_ID}))
    assert decide(actor, other, document_("11488-4", "10"), now=NOW, matrix=MATRIX).rule == "inconsistent_inputs"


def test_the_acceptance_pharmacist_case():
    pharmacist = Actor(type=ActorType.PROFESSIONAL, id=PS_ID, profession_code="21")
    prescription = decide(pharmacist, patient_settings(), document_("57833-6", "42"), now=NOW, matrix=MATRIX)
    psychiatric = decide(pharmacist, patient_settings(), document_("68599-0", "11"), now=NOW, matrix=MATRIX)
    assert (prescription.allowed, prescription.rule) == (True, "matrix_allowed")
    assert (psychiatric.allowed, psychiatric.rule) == (False, "matrix_denied")
