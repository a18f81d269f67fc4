"""A professional's declaration that the patient consented, during care, to their access (DOMAIN §10.2).

The professional joins the care team (no role, source DECLARED_BY_PROFESSIONAL): recorded with its
time, audited in the patient's history, and the patient is told (DECLARATION_CONSENTEMENT_PS). A
professional the patient blocked cannot declare; a block removes them from the team, so after an
unblock they declare again. Declaring while already in the team changes nothing and tells nobody.
"""
from __future__ import annotations

from meskit import events
from meskit.auth import PROFESSIONAL, Caller
from meskit.errors import FailedPrecondition, PermissionDenied, Violations

from identity.domain import auditing
from identity.domain.access_settings import NOT_A_CARE_PROFESSIONAL, _patient
from identity.domain.models import DECLARED_BY_PROFESSIONAL, CareTeamMember
from identity.domain.ports import Dependencies

BLOCKED = ("Ce patient a bloqué votre accès à son dossier : vous ne pouvez pas déclarer son consentement. "
           "Seul le patient peut lever ce blocage")


def declare_care_consent(deps: Dependencies, caller: Caller, patient_id: str) -> tuple[CareTeamMember, bool]:
    """The caller's membership, and whether this declaration made it (False: already in the team)."""
    caller.require(PROFESSIONAL)
    v = Violations()
    v.require(patient_id, "patient_id")
    v.max_length(patient_id, "patient_id", 36)
    if patient_id == "me":
        v.add("patient_id", "identifiant du patient attendu")
    v.raise_if_any()
    with deps.unit_of_work() as repo:
        professional = repo.get_professional(caller.subject)
        if professional is None:
            raise PermissionDenied("Professionnel inconnu de l'annuaire")
        # checked before the patient: tells nothing about patients
        if professional.occupational_medicine or professional.insurer_doctor:
            raise FailedPrecondition(NOT_A_CARE_PROFESSIONAL, reason="NOT_A_CARE_PROFESSIONAL")
        _patient(repo, patient_id, changing=True)          # NOT_FOUND, ACCOUNT_CLOSED; serialises the patient's changes
        current = repo.get_access_settings(patient_id)
        if caller.subject in current.blocked_professional_ids:
            raise FailedPrecondition(BLOCKED, reason="PROFESSIONAL_BLOCKED")
        existing = next((m for m in current.care_team if m.professional_id == caller.subject), None)
        if existing is not None:
            return existing, False
        now = deps.now()
        repo.save_care_team_member(patient_id, caller.subject, "", False, now, source=DECLARED_BY_PROFESSIONAL)
        repo.add_audit(auditing.consent_declared(caller, patient_id, professional, now))
        repo.add_notice(events.envelope(events.DECLARATION_CONSENTEMENT_PS, patient_id, events.CareConsentDeclared(
            actor_display=auditing.name_of(professional), professional_id=caller.subject), occurred_at=now))
        member = next(m for m in repo.get_access_settings(patient_id).care_team if m.professional_id == caller.subject)
        return member, True
