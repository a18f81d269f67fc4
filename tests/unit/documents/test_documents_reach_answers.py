"""The answer to a refused or missing document (issue 10, point 8), over actors, settings and documents:
what depends on the document is never told; what depends on the space is told as the trail records it."""
from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from meskit.auth import Caller
from meskit.errors import NotFound, PermissionDenied

from documents.adapters.matrix_file import load_matrix
from documents.domain import reach
from documents.domain.access import (DENYING_RULES, Actor, ActorType, AuthorType, DelegationType, DocumentAttrs, Mode,
                                     PatientSettings, decide)
from documents.domain.access.decide import (
    DOCUMENT_DELETED, EMBARGO_UNTIL_ANNOUNCEMENT, HIDDEN_FROM_LEGAL_REPRESENTATIVES, INCONSISTENT_INPUTS,
    MASKED_DOCUMENT, MASKED_IN_EMERGENCY_OPPOSED, MATRIX_CLASS_MISMATCH, MATRIX_DENIED, MATRIX_UNKNOWN_PROFESSION,
    MATRIX_UNKNOWN_TYPE)
from documents.domain.actors import AccessContext, Who

MATRIX = load_matrix()
NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)
BASE = PatientSettings(patient_id="pat", care_team_ids=frozenset({"doc", "opt", "blocked"}))
ACTORS = {
    "patient": Actor(type=ActorType.PATIENT, id="pat"),
    "another patient": Actor(type=ActorType.PATIENT, id="other"),
    "parent": Actor(type=ActorType.DELEGATE, id="mum", on_behalf_of="pat",
                    delegation_type=DelegationType.LEGAL_REPRESENTATION),
    "stranger delegate": Actor(type=ActorType.DELEGATE, id="x", on_behalf_of="pat"),
    "doctor": Actor(type=ActorType.PROFESSIONAL, id="doc", profession_code="10"),
    "optician": Actor(type=ActorType.PROFESSIONAL, id="opt", profession_code="28"),
    "blocked": Actor(type=ActorType.PROFESSIONAL, id="blocked", profession_code="10"),
    "outsider": Actor(type=ActorType.PROFESSIONAL, id="out", profession_code="10"),
    "occupational": Actor(type=ActorType.PROFESSIONAL, id="occ", profession_code="10", occupational_medicine=True),
    "support": Actor(type=ActorType.SUPPORT, id="sup"),
}
SETTINGS = {"default": replace(BASE, blocked_professional_ids=frozenset({"blocked"}), patient_is_minor=True),
            "emergency opposed": replace(BASE, blocked_professional_ids=frozenset({"blocked"}), samu_access=False,
                                         break_glass=False)}
PLAIN = DocumentAttrs(document_id="d", patient_id="pat", type_code="15508-5", class_code="10",
                      author_type=AuthorType.ORGANISATION, author_id="hospital", deposited_at=NOW - timedelta(days=1))
DOCUMENTS = {
    "plain": PLAIN, "masked": replace(PLAIN, masked_from_professionals=True),
    "embargoed": replace(PLAIN, invisible_to_patient_until=NOW + timedelta(days=7)),
    "hidden from parents": replace(PLAIN, invisible_to_legal_representatives=True),
    "deleted": replace(PLAIN, deleted=True), "unknown type": replace(PLAIN, type_code="X-1"),
}
MODES = {"normal": (Mode.NORMAL, ""), "break-glass": (Mode.BRIS_DE_GLACE, "inconsciente"),
         "break-glass without reason": (Mode.BRIS_DE_GLACE, "")}
DOCUMENT_RULES = {MASKED_DOCUMENT, MASKED_IN_EMERGENCY_OPPOSED, EMBARGO_UNTIL_ANNOUNCEMENT,
                  HIDDEN_FROM_LEGAL_REPRESENTATIVES, DOCUMENT_DELETED, MATRIX_DENIED, MATRIX_UNKNOWN_TYPE,
                  MATRIX_CLASS_MISMATCH, MATRIX_UNKNOWN_PROFESSION, INCONSISTENT_INPUTS}


def who(actor: Actor, settings: PatientSettings) -> Who:
    return Who(Caller(str(actor.type), actor.id), AccessContext(settings=settings), actor, MATRIX)


def told(error) -> tuple[str, str, str]:
    return type(error).__name__, error.message, error.reason


def test_the_rules_of_the_document_are_never_told():
    assert not DOCUMENT_RULES & reach.SPACE_RULES
    assert reach.SPACE_RULES - {"not_in_care_team"} <= DENYING_RULES


def test_every_refusal_is_told_as_missing_or_as_what_the_space_says():
    cases = told_as_missing = 0
    for (a, actor), (s, settings), (m, (mode, why)) in itertools.product(ACTORS.items(), SETTINGS.items(),
                                                                         MODES.items()):
        w = who(actor, settings)
        answer = told(reach.refusal(w, NOW, "Accès refusé à ce document", mode, why))
        for d, attrs in DOCUMENTS.items():
            decision = decide(actor, settings, attrs, mode=mode, justification=why, now=NOW, matrix=MATRIX)
            if decision.allowed:
                continue
            cases += 1
            if answer[0] == NotFound.__name__:
                told_as_missing += 1
                assert answer == ("NotFound", "Document introuvable", ""), (a, s, m, d)
                assert decision.rule not in reach.SPACE_RULES or decision.rule == DOCUMENT_DELETED, (a, s, m, d)
            else:
                assert answer[0] == PermissionDenied.__name__
                # what the caller is told is what the space decides, never a rule of this document
                assert answer[2].lower() in reach.SPACE_RULES, (a, s, m, d)
                assert decision.rule in (answer[2].lower(), DOCUMENT_DELETED), (a, s, m, d, decision.rule)
    assert cases > 200 and 0 < told_as_missing < cases


def test_examples():
    def answer(actor: str, document: str, settings: str = "default", mode: str = "normal"):
        return told(reach.refusal(who(ACTORS[actor], SETTINGS[settings]), NOW, "refusé", *MODES[mode]))
    missing = ("NotFound", "Document introuvable", "")
    assert answer("optician", "plain") == missing                 # the matrix
    assert answer("doctor", "masked") == missing
    assert answer("patient", "embargoed") == missing
    assert answer("parent", "hidden from parents") == missing
    assert answer("another patient", "plain") == ("PermissionDenied", "refusé", "NOT_THE_PATIENT")
    assert answer("stranger delegate", "plain")[2] == "UNKNOWN_DELEGATION_TYPE"
    assert answer("blocked", "plain")[2] == "BLOCKED_PROFESSIONAL"
    assert answer("occupational", "plain")[2] == "OCCUPATIONAL_MEDICINE_NEVER"
    assert answer("outsider", "plain", "emergency opposed", "break-glass")[2] == "BREAK_GLASS_OPPOSED"
    assert answer("outsider", "plain", mode="break-glass without reason")[2] == "BREAK_GLASS_WITHOUT_JUSTIFICATION"
    assert answer("support", "plain")[2] == "ACTOR_WITHOUT_DOCUMENT_ACCESS"
