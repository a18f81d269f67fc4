"""Who is told "Profil clôturé" on a closed space (DOMAIN §4.4), decided outside the pure access decision:
the patient, a token acting for that space and professionals; never a patient or delegate of another
space (they get what they get anywhere else), never a service (the attestations are archived with it)."""
from __future__ import annotations

import pytest

from meskit.auth import DELEGATE, OPERATOR, PATIENT, PROFESSIONAL, SERVICE, Caller

from documents.adapters.matrix_file import load_matrix
from documents.domain import reach
from documents.domain.access import PatientSettings
from documents.domain.actors import AccessContext, Who, actor_for

MATRIX = load_matrix()
CALLERS = {
    "the patient": (Caller(PATIENT, "pat"), True),
    "her former representative": (Caller(DELEGATE, "mum", on_behalf_of="pat", delegation="LEGAL_REPRESENTATION"), True),
    "a professional": (Caller(PROFESSIONAL, "doc", profession_code="10"), True),
    "another patient": (Caller(PATIENT, "other"), False),
    "a delegate of another space": (Caller(DELEGATE, "mum", on_behalf_of="other"), False),
    "a service": (Caller(SERVICE, "documents"), False),
    "an operator": (Caller(OPERATOR, "op"), False),
}


def who(caller: Caller, closed: bool) -> Who:
    context = AccessContext(settings=PatientSettings(patient_id="pat"), space_closed=closed)
    return Who(caller, context, actor_for(caller, context), MATRIX)


@pytest.mark.parametrize("name", list(CALLERS))
def test_who_is_told_the_space_is_closed(name):
    caller, told = CALLERS[name]
    assert (reach.closed_decision(who(caller, closed=True)) == reach.CLOSED) is told
    assert reach.closed_decision(who(caller, closed=False)) is None


def test_the_answer_names_the_reason_in_french():
    error = reach.closed_error()
    assert (error.code, error.reason, error.message) == ("FAILED_PRECONDITION", "PROFILE_CLOSED", "Profil clôturé")


@pytest.mark.parametrize("name", list(CALLERS))
def test_who_is_told_the_person_has_no_space(name):
    """Pending (opt-out feed), opposed or deleted (identity's patient_status): NO_SPACE, even if closed once."""
    caller, told = CALLERS[name]
    context = AccessContext(settings=PatientSettings(patient_id="pat"), space_closed=True, space_absent=True)
    decision = reach.closed_decision(Who(caller, context, actor_for(caller, context), MATRIX))
    assert (decision == reach.ABSENT) is told
    if told:
        error = reach.closed_error(decision)
        assert (error.code, error.reason, error.message) == (
            "FAILED_PRECONDITION", "NO_SPACE", "Ce patient n'a pas de profil Mon espace santé")
