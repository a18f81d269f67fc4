"""Delegations (DOMAIN §3.3, §3.4, §10.5): a minor's legal representatives and an adult's caregivers.

- A person invites a caregiver found by name at birth, first name and birth date (an activated
  space); at most 3 caregivers per person, 5 people per caregiver; an invitation not answered in 30
  days reads as EXPIRED. A minor's legal representative invites the second one the same way (at
  most 2 representatives). A caregiver never manages caregivers.
- The invitee answers; either side revokes. Each change: an audit record in the history of the
  person helped, the §8 notice to the other side, and (when who acts for her changes) the person's
  PROFILE_LINKS_CHANGED snapshot for notifications.

Notices carry patient_id = the profile they are shown on: PARTAGE_PROFIL_AIDANT on the invitee's own
profile, ACCORD/REFUS_PARTAGE_PROFIL and REVOCATION_PAR_AIDANT on the helped person's profile (she or
her representatives see it), REVOCATION_PAR_AIDE on the former delegate's own profile.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from meskit import events
from meskit.auth import DELEGATE, PATIENT, Caller
from meskit.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, Violations

from identity.domain import account_events, attestations, auditing, delegate_scope, paging, rules
from identity.domain.models import (ACCEPTED, ACTIVE, BY_REVOCATION, CAREGIVING, LEGAL_REPRESENTATION, PENDING, REFUSED, REVOKED,
                                    Account, Delegation)
from identity.domain.ports import Dependencies

INVITATION_TTL = timedelta(days=30)
MAX_CAREGIVERS, MAX_HELPED, MAX_LEGAL_REPRESENTATIVES = 3, 5, 2
TYPES = (LEGAL_REPRESENTATION, CAREGIVING)
PARIS = ZoneInfo("Europe/Paris")
MAX_END_DATE_YEARS = 10          # a caregiving's end date: at most 10 years ahead


def paris_today(now: datetime) -> date:
    return now.astimezone(PARIS).date()


def end_instant(last_day: date) -> datetime:
    """ends_at of a caregiving in force until `last_day` included: the next day's start in Paris."""
    return datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=PARIS).astimezone(timezone.utc)


def last_day_of(ends_at: datetime) -> date:
    return ends_at.astimezone(PARIS).date() - timedelta(days=1)


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier (28 February for a 29 February of a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return date(day.year - years, 2, 28)


def parse_ends_on(v: Violations, value: str, now: datetime, field: str = "ends_on") -> datetime | None:
    """The ends_at of a last day given in ISO 8601: after today, at most 10 years ahead (Paris)."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        v.add(field, "date AAAA-MM-JJ attendue")
        return None
    today = paris_today(now)
    if day <= today:
        v.add(field, "le dernier jour de l'accès doit être après aujourd'hui")
    elif day > years_before(today, -MAX_END_DATE_YEARS):
        v.add(field, f"{MAX_END_DATE_YEARS} ans au plus à partir d'aujourd'hui")
    return end_instant(day)


def _name(account: Account | None) -> str:
    return f"{account.given_name} {account.family_name}".strip() if account else ""


def _person(caller: Caller) -> str:
    """The person behind the call: a patient, or the delegate herself (never the person she acts for)."""
    if caller.actor_type in (PATIENT, DELEGATE) and caller.subject:
        return caller.subject
    raise PermissionDenied("Réservé aux titulaires d'un profil")


def is_legal_representative(repo, person_id: str, minor_id: str, now) -> bool:
    return any(d.in_force(now) and d.delegate_id == person_id
               for d in repo.delegations_of(delegator_id=minor_id, type_=LEGAL_REPRESENTATION))


@dataclass(frozen=True)
class Invitation:
    patient_id: str
    type: str
    family_name: str
    given_name: str
    birth_date: str
    ends_on: str = ""          # CAREGIVING only: the last day in force


def create_delegation(deps: Dependencies, caller: Caller, invitation: Invitation) -> Delegation:
    person = _person(caller)
    v = Violations()
    if invitation.type not in TYPES:
        v.add("type", "LEGAL_REPRESENTATION ou CAREGIVING attendu")
    v.require(invitation.family_name, "delegate_family_name")
    v.require(invitation.given_name, "delegate_given_name")
    v.max_length(invitation.family_name, "delegate_family_name", 100)
    v.max_length(invitation.given_name, "delegate_given_name", 100)
    v.max_length(invitation.patient_id, "patient_id", 36)
    birth = rules.parse_birth_date(v, invitation.birth_date, "delegate_birth_date")
    now = deps.now()
    ends_at = None
    if invitation.ends_on and invitation.type != CAREGIVING:
        v.add("ends_on", "une date de fin ne vaut que pour un aidant (CAREGIVING)")
    elif invitation.ends_on:
        ends_at = parse_ends_on(v, invitation.ends_on, now)
    v.raise_if_any()
    patient_id = invitation.patient_id if invitation.patient_id not in ("", "me") else (
        caller.on_behalf_of if caller.actor_type == DELEGATE else person)
    if invitation.type == CAREGIVING and caller.actor_type == DELEGATE:
        # only the person herself chooses her caregivers: never a delegate acting for her
        raise delegate_scope.refused(deps, caller, delegate_scope.CAREGIVERS)
    with deps.unit_of_work() as repo:
        if invitation.type == CAREGIVING:
            if caller.actor_type != PATIENT or patient_id != person:
                raise PermissionDenied("Seule la personne aidée gère ses aidants", reason="NOT_HOLDER")
        elif not is_legal_representative(repo, person, patient_id, now):
            raise PermissionDenied("Seul un représentant légal du mineur invite le second", reason="NOT_LEGAL_REPRESENTATIVE")
        patient = repo.get_account(patient_id)
        if patient is None:
            raise NotFound("Profil introuvable")
        if invitation.type == LEGAL_REPRESENTATION and rules.age_on(patient.birth_date, paris_today(now)) >= 18:
            raise FailedPrecondition("Ce profil n'est plus celui d'un mineur", reason="NOT_A_MINOR")
        found = repo.find_accounts(invitation.family_name.strip(), invitation.given_name.strip(), birth)
        if not found:
            raise NotFound("Aucun profil ne correspond à ce nom de naissance, ce prénom et cette date de naissance",
                           reason="DELEGATE_NOT_FOUND")
        if len(found) > 1:
            raise FailedPrecondition("Plusieurs profils correspondent à ces informations : invitation impossible, "
                                     "contactez le support", reason="DELEGATE_AMBIGUOUS")
        [invitee] = found
        if invitee.account_id in (person, patient_id):
            raise InvalidArgument("Vous ne pouvez pas vous inviter vous-même", reason="SELF_INVITATION")
        if invitee.status != ACTIVE:
            raise FailedPrecondition("La personne invitée doit avoir activé son profil Mon espace santé",
                                     reason="DELEGATE_NOT_ACTIVATED")
        repo.lock_people(patient_id, invitee.account_id)
        mine = [d for d in repo.delegations_of(delegator_id=patient_id, type_=invitation.type) if d.open_on(now)]
        if any(d.delegate_id == invitee.account_id for d in mine):
            raise AlreadyExists("Une invitation en attente ou un accès existe déjà pour cette personne",
                                reason="DELEGATION_EXISTS")
        if invitation.type == CAREGIVING:
            if len(mine) >= MAX_CAREGIVERS:
                raise FailedPrecondition(f"Vous avez déjà {MAX_CAREGIVERS} aidants (invitations en attente comprises) : "
                                         f"{MAX_CAREGIVERS} au maximum", reason="CAREGIVER_LIMIT")
            helped = [d for d in repo.delegations_of(delegate_id=invitee.account_id, type_=CAREGIVING)
                      if d.open_on(now)]
            if len(helped) >= MAX_HELPED:
                raise FailedPrecondition(f"Cette personne aide déjà {MAX_HELPED} personnes : "
                                         f"{MAX_HELPED} au maximum", reason="HELPED_LIMIT")
        elif len(mine) >= MAX_LEGAL_REPRESENTATIVES:
            raise FailedPrecondition(f"Ce mineur a déjà {MAX_LEGAL_REPRESENTATIVES} représentants légaux : "
                                     f"{MAX_LEGAL_REPRESENTATIVES} au maximum", reason="LEGAL_REPRESENTATIVE_LIMIT")
        delegation = Delegation(delegation_id=str(uuid.uuid4()), type=invitation.type, delegator_id=patient_id,
                                delegate_id=invitee.account_id, state=PENDING, created_at=now, invited_by_id=person,
                                expires_at=now + INVITATION_TTL, ends_at=ends_at)
        repo.add_delegation(delegation)
        inviter = repo.get_account(person)
        repo.add_audit(auditing.delegation_changed(caller, delegation, now, what="invited",
                                                   delegate_name=_name(invitee)))
        repo.add_notice(_notice("PARTAGE_PROFIL_AIDANT", invitee.account_id, _name(inviter) or _name(patient), now))
    return delegation


def respond(deps: Dependencies, caller: Caller, delegation_id: str, accept: bool) -> Delegation:
    person = _person(caller)
    now = deps.now()
    with deps.unit_of_work() as repo:
        found = _delegation(repo, delegation_id)
        if found.delegate_id != person or caller.actor_type != PATIENT:
            raise PermissionDenied("Seule la personne invitée répond à cette invitation", reason="NOT_INVITEE")
        repo.lock_people(found.delegator_id, found.delegate_id)
        found = _delegation(repo, delegation_id, for_update=True)
        state = found.state_on(now)
        if state != PENDING:
            raise FailedPrecondition(f"Cette invitation n'attend plus de réponse ({state})", reason=state)
        if accept and found.type == CAREGIVING:
            helped = [d for d in repo.delegations_of(delegate_id=person, type_=CAREGIVING) if d.in_force(now)]
            if len(helped) >= MAX_HELPED:
                raise FailedPrecondition(f"Vous aidez déjà {MAX_HELPED} personnes : {MAX_HELPED} au maximum",
                                         reason="HELPED_LIMIT")
        repo.update_delegation(delegation_id, state=ACCEPTED if accept else REFUSED, answered_at=now)
        updated = _delegation(repo, delegation_id)
        delegate = repo.get_account(person)
        repo.add_audit(auditing.delegation_changed(caller, updated, now, what="accepted" if accept else "refused",
                                                   delegate_name=_name(delegate)))
        repo.add_notice(_notice("ACCORD_PARTAGE_PROFIL" if accept else "REFUS_PARTAGE_PROFIL",
                                found.delegator_id, _name(delegate), now))
        if accept:
            _links_changed(repo, found.delegator_id, now)
            attestations.record(repo, updated, attestations.ACCEPTED, now)
    return updated


def revoke(deps: Dependencies, caller: Caller, delegation_id: str) -> Delegation:
    """By the delegate (her own access), the person helped herself, or for a minor another of her
    legal representatives; never by a caregiver for someone else's delegation."""
    person = _person(caller)
    now = deps.now()
    with deps.unit_of_work() as repo:
        found = _delegation(repo, delegation_id, for_update=True)
        by_delegate = person == found.delegate_id
        by_holder = caller.actor_type == PATIENT and person == found.delegator_id
        by_representative = (found.type == LEGAL_REPRESENTATION and not by_delegate
                             and is_legal_representative(repo, person, found.delegator_id, now))
        if not (by_delegate or by_holder or by_representative):
            if delegate_scope.is_caregiver(caller):
                raise delegate_scope.refused(deps, caller, delegate_scope.DELEGATIONS, reason="NOT_A_PARTY")
            raise PermissionDenied("Vous ne pouvez pas mettre fin à cet accès", reason="NOT_A_PARTY")
        state = found.state_on(now)
        if state not in (PENDING, ACCEPTED):
            raise FailedPrecondition(f"Cet accès a déjà pris fin ({state})", reason=state)
        repo.update_delegation(delegation_id, state=REVOKED, ended_at=now, ended_by_id=person,
                               ended_reason=BY_REVOCATION)
        updated = _delegation(repo, delegation_id)
        delegate = repo.get_account(found.delegate_id)
        repo.add_audit(auditing.delegation_changed(caller, updated, now, what="revoked", delegate_name=_name(delegate)))
        if by_delegate:
            repo.add_notice(_notice("REVOCATION_PAR_AIDANT", found.delegator_id, _name(delegate), now))
        else:
            repo.add_notice(_notice("REVOCATION_PAR_AIDE", found.delegate_id,
                                    _name(repo.get_account(found.delegator_id)), now))
        if state == ACCEPTED:
            _links_changed(repo, found.delegator_id, now)
            attestations.record(repo, updated, attestations.ENDED, now)   # a withdrawn invitation gets none
    return updated


def set_end_date(deps: Dependencies, caller: Caller, delegation_id: str, ends_on: str) -> Delegation:
    """The person helped (her own token) or her caregiver sets, changes or (empty) removes an
    accepted caregiving's last day; the reminder is due again; the other side is told."""
    person = _person(caller)
    v = Violations()
    v.max_length(delegation_id, "delegation_id", 36)
    now = deps.now()
    ends_at = parse_ends_on(v, ends_on, now) if ends_on else None
    v.raise_if_any()
    with deps.unit_of_work() as repo:
        found = _delegation(repo, delegation_id, for_update=True)
        by_holder = caller.actor_type == PATIENT and person == found.delegator_id
        by_delegate = person == found.delegate_id
        if not (by_holder or by_delegate):
            raise PermissionDenied("Vous ne pouvez pas modifier cet accès", reason="NOT_A_PARTY")
        if found.type != CAREGIVING:
            raise FailedPrecondition("Seul un accès d'aidant a une date de fin", reason="NOT_CAREGIVING")
        state = found.state_on(now)
        if state != ACCEPTED:
            raise FailedPrecondition(f"Cet accès n'est pas en cours ({state})", reason=state)
        if found.ends_at == ends_at:
            return found
        repo.update_delegation(delegation_id, ends_at=ends_at, end_reminded_at=None)
        updated = _delegation(repo, delegation_id)
        helped, delegate = repo.get_account(found.delegator_id), repo.get_account(found.delegate_id)
        repo.add_audit(auditing.delegation_end_date_set(
            caller, updated, now, delegate_name=_name(delegate),
            last_day=last_day_of(ends_at).strftime("%d/%m/%Y") if ends_at else ""))
        if by_delegate:
            repo.add_notice(_notice("DATE_FIN_PARTAGE_PROFIL", found.delegator_id, _name(delegate), now))
        else:
            repo.add_notice(_notice("DATE_FIN_PARTAGE_PROFIL", found.delegate_id, _name(helped), now))
    return updated


def list_delegations(deps: Dependencies, caller: Caller, patient_id: str, page_size: int,
                     page_token: str) -> tuple[list[tuple[Delegation, str]], str, dict[str, str]]:
    """"me": the caller's delegations on both sides (she as delegate and as delegator); a minor's id:
    that minor's delegations, for one of her legal representatives. Each with its state as of now;
    and the names of the people on the page (account id -> given and family name)."""
    person = _person(caller)
    v = Violations()
    size = paging.page_size(page_size, default=50, maximum=200, violations=v)
    v.raise_if_any()
    now = deps.now()
    own = patient_id in ("", "me", person) and caller.actor_type == PATIENT
    target = person if own else (caller.on_behalf_of if patient_id in ("", "me") else patient_id)
    search = paging.fingerprint({"patient": target, "own": own})
    offset = int(paging.decode(page_token, search, 1)[0]) if page_token else 0
    with deps.unit_of_work() as repo:
        if own:
            rows = repo.delegations_of(either_id=person)
        elif is_legal_representative(repo, person, target, now) or (
                caller.actor_type == DELEGATE and caller.on_behalf_of == target and any(
                    d.in_force(now) and d.delegate_id == person for d in repo.delegations_of(delegator_id=target))):
            # a caregiver sees only her own delegation for the person helped
            rows = [d for d in repo.delegations_of(delegator_id=target)
                    if is_legal_representative(repo, person, target, now) or d.delegate_id == person]
        else:
            raise PermissionDenied("Vous n'avez pas accès à ce profil")
        page = rows[offset:offset + size]
        people = {i for d in page for i in (d.delegator_id, d.delegate_id)}
        names = {i: _name(repo.get_account(i)) for i in sorted(people)}
    token = paging.encode([str(offset + size)], search) if offset + size < len(rows) else ""
    return [(d, d.state_on(now)) for d in page], token, names


def _delegation(repo, delegation_id: str, *, for_update: bool = False) -> Delegation:
    found = repo.get_delegation(delegation_id, for_update=for_update) if delegation_id else None
    if found is None:
        raise NotFound("Délégation introuvable")
    return found


def _notice(code: str, shown_on: str, actor_display: str, now) -> events.Envelope:
    return events.envelope(code, shown_on, events.ActorNotice(actor_display=actor_display), occurred_at=now)


def _links_changed(repo, account_id: str, now) -> None:
    account = repo.get_account(account_id)
    if account is not None:
        repo.add_notice(account_events.links_changed(account, now))


def in_force_for(repo, patient_id: str, now) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(legal representatives, caregivers) acting for the patient now."""
    rows = [d for d in repo.delegations_of(delegator_id=patient_id) if d.in_force(now)]
    return (tuple(d.delegate_id for d in rows if d.type == LEGAL_REPRESENTATION),
            tuple(d.delegate_id for d in rows if d.type == CAREGIVING))


# What a delegate token allows (its act.scope). A caregiver never manages caregivers, contact
# details, login, closure, deletion or export (DOMAIN §3.4): services check those by actor type and
# the access context; the scopes name the delegation's reach for clients and audit.
SCOPES = {CAREGIVING: ("documents", "health_data", "messages"),
          LEGAL_REPRESENTATION: ("documents", "health_data", "messages", "settings", "delegations")}


@dataclass(frozen=True)
class DelegateToken:
    access_token: str
    expires_at: datetime
    patient_id: str
    delegate_id: str
    type: str
    scopes: tuple[str, ...]


def switch_profile(deps: Dependencies, caller: Caller, patient_id: str) -> DelegateToken:
    """An act-on-behalf token (RFC 8693 shape) for a person with a delegation in force; not
    refreshable (she switches again), and checked again at every request by the access context."""
    if caller.actor_type != PATIENT:
        raise PermissionDenied("Changez de profil depuis votre propre session", reason="NOT_HOLDER")
    v = Violations()
    v.require(patient_id, "patient_id")
    v.max_length(patient_id, "patient_id", 36)
    v.raise_if_any()
    now = deps.now()
    with deps.unit_of_work() as repo:
        patient = repo.get_account(patient_id)
        in_force = [d for d in repo.delegations_of(delegator_id=patient_id, delegate_id=caller.subject)
                    if d.in_force(now)] if patient is not None else []
        if patient is not None and rules.age_on(patient.birth_date, paris_today(now)) >= 18:
            in_force = [d for d in in_force if d.type != LEGAL_REPRESENTATION]
        if not in_force or patient_id == caller.subject:
            raise PermissionDenied("Vous n'avez pas de délégation en cours pour ce profil", reason="NO_DELEGATION")
        kind = in_force[0].type
        # a caregiving unused for 5 years ends (delegation_jobs): this is its use
        repo.update_delegation(in_force[0].delegation_id, last_used_at=now)
        acting = Caller(DELEGATE, caller.subject, on_behalf_of=patient_id, delegation=kind, scopes=SCOPES[kind])
        token, expires = deps.signer.sign(acting, ttl_seconds=int(deps.policy.access_token_ttl.total_seconds()))
        delegate = repo.get_account(caller.subject)
        repo.add_audit(auditing.profile_switched(acting, patient_id, now, delegate_name=_name(delegate), kind=kind))
    return DelegateToken(token, datetime.fromtimestamp(expires, timezone.utc), patient_id, caller.subject, kind,
                         SCOPES[kind])
