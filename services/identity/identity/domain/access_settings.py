"""The patient's access settings: emergency consents, mask by default, blocked PSs, care team (DOMAIN §2.4, §3.1, §3.2).

The patient (or a delegate acting for them) changes their own settings; an administrator
professional may block another professional. Every change writes its audit record (the patient's
activity history, domain.auditing) to the outbox in the same transaction; a request that changes
nothing (blocking a PS already blocked...) writes none and answers the current settings.
"""
from __future__ import annotations

from contextlib import nullcontext
from dataclasses import asdict
from datetime import datetime

from meskit.auth import PROFESSIONAL, SERVICE, Caller
from meskit.errors import FailedPrecondition, FieldViolation, InvalidArgument, NotFound, PermissionDenied, Violations

from identity.domain import auditing, connections, context_versions, delegations, rules
from identity.domain.accounts import acts_for, resolve_me
from identity.domain.context_versions import Unchanged
from identity.domain.models import (CAREGIVING, CLOSED, LEGAL_REPRESENTATION, OPPOSED, CARE_TEAM_ROLE_PROFESSIONS,
                                    MEDECIN_TRAITANT, AccessContext,
                                    AccessSettings, Account, EmergencySettings, GeneralPractitionerContact)
from identity.domain.ports import Dependencies, Repository

NOT_YOURS = "Vous ne pouvez pas consulter ou modifier les paramètres d'accès de ce profil"
NO_SUCH_PATIENT = "Profil introuvable"
NO_SUCH_PROFESSIONAL = "Professionnel introuvable"
NOT_A_CARE_PROFESSIONAL = "La médecine du travail et les médecins des assurances n'ont pas accès au dossier"


def _require_self(caller: Caller, patient_id: str) -> None:
    if not acts_for(caller, patient_id):
        raise PermissionDenied(NOT_YOURS)


def _require_account(account: Account | None, *, changing: bool) -> Account:
    if account is None:
        raise NotFound(NO_SUCH_PATIENT)
    if changing and account.status in (CLOSED, OPPOSED):
        raise FailedPrecondition("Ce profil est fermé", reason="ACCOUNT_CLOSED")
    return account


def _patient(repo, patient_id: str, *, changing: bool) -> Account:
    """The patient's account; locked for a change so that the changes of one patient are serialised."""
    return _require_account(repo.get_account(patient_id, for_update=changing), changing=changing)


def _professional(repo, professional_id: str):
    professional = repo.get_professional(professional_id)
    if professional is None:
        raise NotFound(NO_SUCH_PROFESSIONAL)
    return professional


def _require_professional_id(professional_id: str) -> None:
    v = Violations()
    v.require(professional_id, "professional_id")
    v.max_length(professional_id, "professional_id", 36)
    v.raise_if_any()


def get_access_settings(deps: Dependencies, caller: Caller, patient_id: str) -> AccessSettings:
    patient_id = resolve_me(caller, patient_id)
    _require_self(caller, patient_id)
    with deps.unit_of_work() as repo:
        _patient(repo, patient_id, changing=False)
        return repo.get_access_settings(patient_id)


def update_emergency_settings(deps: Dependencies, caller: Caller, patient_id: str,
                              emergency: EmergencySettings | None) -> AccessSettings:
    patient_id = resolve_me(caller, patient_id)
    _require_self(caller, patient_id)
    if emergency is None:
        raise InvalidArgument("Requête invalide", violations=[FieldViolation("emergency", "champ obligatoire")])
    wanted = emergency.normalised()
    with deps.unit_of_work() as repo:
        _patient(repo, patient_id, changing=True)
        before = repo.get_access_settings(patient_id).emergency
        if wanted != before:
            repo.save_access_settings(patient_id, deps.now(), **asdict(wanted))
            repo.add_audit(auditing.emergency_changed(
                caller, patient_id, before, wanted, deps.now(),
                masked_forced_off=wanted.masked_in_emergency != emergency.masked_in_emergency))
        return repo.get_access_settings(patient_id)


def set_mask_new_documents_by_default(deps: Dependencies, caller: Caller, patient_id: str,
                                      mask: bool) -> AccessSettings:
    patient_id = resolve_me(caller, patient_id)
    _require_self(caller, patient_id)
    with deps.unit_of_work() as repo:
        _patient(repo, patient_id, changing=True)
        if repo.get_access_settings(patient_id).mask_new_documents_by_default != mask:
            repo.save_access_settings(patient_id, deps.now(), mask_new_documents_by_default=mask)
            repo.add_audit(auditing.mask_by_default_changed(caller, patient_id, mask, deps.now()))
        return repo.get_access_settings(patient_id)


def block_professional(deps: Dependencies, caller: Caller, patient_id: str, professional_id: str, *,
                       within: Repository | None = None) -> AccessSettings:
    """The patient blocks a PS, or an administrator PS blocks another (non-administrator) PS (DOMAIN §3.1).

    A blocked PS leaves the care team: after an unblock it must be authorised again. `within`: the
    transaction of a larger change the block is one step of (a suspicious-access report).
    """
    by_administrator = caller.actor_type == PROFESSIONAL
    if by_administrator and patient_id in ("", "me"):
        raise PermissionDenied(NOT_YOURS)
    patient_id = resolve_me(caller, patient_id)
    if not by_administrator:
        _require_self(caller, patient_id)
    _require_professional_id(professional_id)
    with nullcontext(within) if within is not None else deps.unit_of_work() as repo:
        account = repo.get_account(patient_id, for_update=True)
        if by_administrator:   # checked first: a PS learns nothing about patients it does not administer
            _require_administrator_may_block(caller, repo.get_access_settings(patient_id), professional_id)
        _require_account(account, changing=True)
        target = _professional(repo, professional_id)
        if repo.block_professional(patient_id, professional_id, caller.actor_type, caller.subject, deps.now()):
            removed = repo.remove_care_team_member(patient_id, professional_id)
            repo.add_audit(auditing.blocked(
                caller, patient_id, target, deps.now(),
                acting=repo.get_professional(caller.subject) if by_administrator else None,
                removed_from_care_team=removed is not None, was_administrator=bool(removed and removed.administrator)))
        return repo.get_access_settings(patient_id)


def _require_administrator_may_block(caller: Caller, current: AccessSettings, professional_id: str) -> None:
    administrators = current.administrator_ids()
    if (caller.subject not in administrators or caller.subject in current.blocked_professional_ids
            or professional_id == caller.subject):
        raise PermissionDenied(NOT_YOURS)
    if professional_id in administrators:
        raise PermissionDenied("Seul le patient peut bloquer un professionnel administrateur")


def unblock_professional(deps: Dependencies, caller: Caller, patient_id: str, professional_id: str) -> AccessSettings:
    patient_id = resolve_me(caller, patient_id)
    _require_self(caller, patient_id)
    _require_professional_id(professional_id)
    with deps.unit_of_work() as repo:
        _patient(repo, patient_id, changing=True)
        if repo.unblock_professional(patient_id, professional_id):
            repo.add_audit(auditing.unblocked(caller, patient_id, repo.get_professional(professional_id),
                                              professional_id, deps.now()))
        return repo.get_access_settings(patient_id)


def add_care_team_member(deps: Dependencies, caller: Caller, patient_id: str, professional_id: str,
                         role: str | None, administrator: bool) -> AccessSettings:
    """Add a PS to the care team, or change its role or administrator flag. `role` None: unknown value."""
    patient_id = resolve_me(caller, patient_id)
    _require_self(caller, patient_id)
    v = Violations()
    v.require(professional_id, "professional_id")
    v.max_length(professional_id, "professional_id", 36)
    if role is None:
        v.add("role", "rôle inconnu")
    v.raise_if_any()
    assert role is not None
    with deps.unit_of_work() as repo:
        _patient(repo, patient_id, changing=True)
        professional = _professional(repo, professional_id)
        needed = CARE_TEAM_ROLE_PROFESSIONS.get(role)
        if needed and professional.profession_code != needed:
            v.add("role", f"ce rôle est réservé à la profession {needed} (nomenclature TRE_G15)")
            v.raise_if_any()
        if professional.occupational_medicine or professional.insurer_doctor:
            raise FailedPrecondition(NOT_A_CARE_PROFESSIONAL, reason="NOT_A_CARE_PROFESSIONAL")
        current = repo.get_access_settings(patient_id)
        if professional_id in current.blocked_professional_ids:
            raise FailedPrecondition("Ce professionnel est bloqué : débloquez-le d'abord",
                                     reason="PROFESSIONAL_BLOCKED")
        existing = next((m for m in current.care_team if m.professional_id == professional_id), None)
        if existing is None or (existing.role, existing.administrator) != (role, administrator):
            repo.save_care_team_member(patient_id, professional_id, role, administrator, deps.now())
            repo.add_audit(auditing.care_team_saved(caller, patient_id, professional, deps.now(), role=role,
                                                    administrator=administrator, new=existing is None))
        return repo.get_access_settings(patient_id)


def remove_care_team_member(deps: Dependencies, caller: Caller, patient_id: str,
                            professional_id: str) -> AccessSettings:
    patient_id = resolve_me(caller, patient_id)
    _require_self(caller, patient_id)
    _require_professional_id(professional_id)
    with deps.unit_of_work() as repo:
        _patient(repo, patient_id, changing=True)
        removed = repo.remove_care_team_member(patient_id, professional_id)
        if removed is not None:
            repo.add_audit(auditing.care_team_removed(caller, patient_id, repo.get_professional(professional_id),
                                                      professional_id, deps.now(),
                                                      was_administrator=removed.administrator))
        return repo.get_access_settings(patient_id)


def get_access_context(deps: Dependencies, caller: Caller, patient_id: str, professional_id: str,
                       app_id: str = "", app_token_id: str = "", known_version: str = "") -> AccessContext | Unchanged:
    """For services (documents, messaging) only: the inputs of the access decision in one call.
    `app_id`, `app_token_id`: a connected app's request forwarded, whose grant is checked (app_grant)
    at every request. `known_version`: the version of the context the service holds (context_versions):
    Unchanged while it is current."""
    caller.require(SERVICE)
    v = Violations()
    v.require(patient_id, "patient_id")
    v.max_length(patient_id, "patient_id", 36)
    v.max_length(professional_id, "professional_id", 36)
    v.max_length(known_version, "known_version", context_versions.MAX_LENGTH)
    if app_id:
        v.require(app_token_id, "app_token_id")
        v.max_length(app_id, "app_id", 36)
        v.max_length(app_token_id, "app_token_id", 64)
    v.raise_if_any()
    now = deps.now()
    versioned = not app_id
    if versioned and known_version:
        with deps.reader() as repo:
            if context_versions.still_current(repo, known_version, patient_id, professional_id, now):
                return Unchanged(known_version)
    today = delegations.paris_today(now)     # birthdays are French ones
    with deps.unit_of_work() as repo:
        if versioned:
            repo.read_one_snapshot()         # the versions read last are those of the rows read here
        account = _patient(repo, patient_id, changing=False)
        professional = _professional(repo, professional_id) if professional_id else None
        settings = repo.get_access_settings(patient_id)
        general_practitioners = tuple(
            _general_practitioner(repo, m.professional_id) for m in settings.care_team if m.role == MEDECIN_TRAITANT)
        in_force = [d for d in repo.delegations_of(delegator_id=patient_id) if d.in_force(now)]
        representatives = tuple(d.delegate_id for d in in_force if d.type == LEGAL_REPRESENTATION)
        caregivers = tuple(d.delegate_id for d in in_force if d.type == CAREGIVING)
        minor = rules.age_on(account.birth_date, today) < 18
        closed = account.status in (CLOSED, "SUSPENDED", "DELETED")   # nobody acts for it (nor reads it)
        if not minor or closed:
            representatives = ()
        if closed:
            caregivers = ()
        names = {d: a.full_name for d in (*representatives, *caregivers) if (a := repo.get_account(d)) is not None}
        app_grant = connections.grant(repo, patient_id, app_id, app_token_id, now) if app_id else None
        version = context_versions.read(
            repo, patient_id, professional_id,
            [i for i in (patient_id, professional_id, *(g.professional_id for g in general_practitioners), *names) if i],
            _changes_by_itself(in_force, minor, today)).token() if versioned else ""
    return AccessContext(settings=settings, professional=professional, patient_is_minor=minor,
                         legal_representative_account_ids=representatives, caregiver_account_ids=caregivers,
                         patient=account, general_practitioners=general_practitioners, delegate_display_names=names,
                         patient_space_closed=closed, app_grant=app_grant, version=version)


def _changes_by_itself(in_force, minor: bool, today) -> datetime | None:
    """When the context changes with no write: the first end of a delegation in force; a minor's
    next day (her 18th birthday is one)."""
    instants = [d.ends_at for d in in_force if d.ends_at is not None]
    if minor:
        instants.append(delegations.end_instant(today))
    return min(instants, default=None)


def _general_practitioner(repo, professional_id: str) -> GeneralPractitionerContact:
    found = repo.get_professional(professional_id)
    address = (found.mssante_address or found.email or "") if found else ""
    return GeneralPractitionerContact(professional_id, address)

