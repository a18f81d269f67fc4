"""Who reaches a profile, decided from the token and identity's access context alone."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from meskit.auth import DELEGATE, PATIENT, PROFESSIONAL, SUPPORT, Caller
from meskit.errors import FailedPrecondition, PermissionDenied
from profile.domain.access import AccessContext, who

HER = "patient-1"


def _deps(**context):
    return SimpleNamespace(contexts=SimpleNamespace(get=lambda patient_id, professional_id="": AccessContext(
        patient_id=patient_id, **context)))


@pytest.mark.parametrize("status, reason", [("PENDING", "NO_SPACE"), ("OPPOSED", "NO_SPACE"), ("DELETED", "NO_SPACE"),
                                            ("CLOSED", "PROFILE_CLOSED"), ("SUSPENDED", "PROFILE_CLOSED")])
def test_only_created_and_active_spaces_exist(status, reason):
    with pytest.raises(FailedPrecondition) as caught:
        who(_deps(status=status), Caller(PATIENT, HER), "me")
    assert caught.value.reason == reason
    assert who(_deps(status="ACTIVE"), Caller(PATIENT, HER), "me").patient_id == HER


@pytest.mark.parametrize("context, reason", [
    ({}, "NOT_IN_CARE_TEAM"),
    ({"care_team_ids": frozenset({"pro-1"}), "blocked_professional_ids": frozenset({"pro-1"})}, "PROFESSIONAL_BLOCKED"),
    ({"care_team_ids": frozenset({"pro-1"}), "professional_excluded": True}, "PROFESSIONAL_EXCLUDED"),
])
def test_a_professional_needs_the_care_team(context, reason):
    with pytest.raises(PermissionDenied) as caught:
        who(_deps(**context), Caller(PROFESSIONAL, "pro-1"), HER)
    assert caught.value.reason == reason
    w = who(_deps(care_team_ids=frozenset({"pro-1"})), Caller(PROFESSIONAL, "pro-1"), HER)
    assert w.may_read("VACCINATIONS") and w.may_read("ENTOURAGE") and not w.may_read("ALLERGIES")


def test_nobody_else():
    with pytest.raises(PermissionDenied):
        who(_deps(), Caller(SUPPORT, "support-1"), HER)
    with pytest.raises(PermissionDenied):
        who(_deps(legal_representative_ids=frozenset({"parent"})), Caller(DELEGATE, "parent", on_behalf_of="other",
                                                                            scopes=("health_data",)), HER)
