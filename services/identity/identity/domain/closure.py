"""Closing a space (DOMAIN §3.3, §3.4, §4.4): by its holder, or a minor's by one of her legal
representatives in force, always with the caller's own password; never by a caregiver.

The password is checked like at login (same lockout, a wrong one counted and audited). Then, in one
transaction: the account becomes CLOSED, its sessions end, and every delegation she is part of (as the
person represented or helped, and as the delegate) ends with reason ACCOUNT_CLOSED, so the other
representatives and her caregivers lose access at their next request (the access context). The
closure is in her history; each ended delegation is in the history of the person it was for; those who
lost access are told on their own profile (CLOTURE_PROFIL) and the people she helped on theirs
(REVOCATION_PAR_AIDANT); notifications gets ACCOUNT_CLOSED and PROFILE_LINKS_CHANGED snapshots.
With delete_data, the data are erased DELETION_DELAY_DAYS later (erasures.py) unless she reopens the
space before (reopening.py); without, they are archived ten years and then erased. Either way she is
told (CONFIRMATION_CLOTURE, with the deletion date when there is one).
"""
from __future__ import annotations

from meskit.auth import DELEGATE, PATIENT, Caller
from meskit import events
from meskit.errors import FailedPrecondition, NotFound, PermissionDenied, Violations
from meskit.events import ACCOUNT_CLOSED as ACCOUNT_CLOSED_EVENT

from identity.domain import account_events, attestations, auditing, delegate_scope, rules, throttle
from identity.domain.accounts import resolve_me
from identity.domain.delegations import _name, _notice, is_legal_representative
from identity.domain.models import ACCEPTED, ACCOUNT_CLOSED, CAREGIVING, CLOSED, ENDED, OPPOSED, Account
from identity.domain.ports import Dependencies

WRONG_PASSWORD_MESSAGE = "Mot de passe incorrect"
CLOTURE_PROFIL = "CLOTURE_PROFIL"       # to those who lost access, on their own profile
DELETED = "DELETED"
ALREADY_DELETED = "Les données de ce profil ont déjà été supprimées"


def close_account(deps: Dependencies, caller: Caller, account_id: str, password: str, delete_data: bool) -> Account:
    delegate_scope.refuse_caregiver(deps, caller, delegate_scope.CLOSURE)
    if caller.actor_type not in (PATIENT, DELEGATE) or not caller.subject:
        raise PermissionDenied("Seul le titulaire du profil ou un représentant légal le clôture", reason="NOT_HOLDER")
    target = resolve_me(caller, account_id)
    v = Violations()
    v.require(password, "password")
    v.max_length(password, "password", rules.PASSWORD_MAX)
    v.max_length(target, "account_id", 36)
    v.raise_if_any()
    person = caller.subject          # whose password: the caller's own (a delegate's is hers, not the minor's)
    now = deps.now()
    with deps.unit_of_work() as repo:
        account = repo.get_account(target)
        representative = _representative(repo, caller, person, account, now)
        own = repo.get_account(person)
        credential = repo.get_credential(own.login_id) if own and own.login_id else None
    if account is None:
        raise NotFound("Profil introuvable")
    _refuse_closed(account)
    if credential is None:
        raise FailedPrecondition("Votre profil doit être activé", reason="NOT_ACTIVATED")
    _check_password(deps, caller, credential, password, target, now)
    with deps.unit_of_work() as repo:
        account = repo.get_account(target, for_update=True)
        assert account is not None, "read above; accounts are never deleted"
        _refuse_closed(account)
        if representative and not is_legal_representative(repo, person, target, now):
            raise PermissionDenied("Vous n'êtes plus représentant légal de ce profil", reason="NOT_HOLDER")
        repo.close_account(target)
        repo.end_sessions(target, now)
        if account.login_id:
            repo.consume_open_challenges(account.login_id, now)
        _end_delegations(repo, caller, person, account, now)
        closed = repo.get_account(target)
        assert closed is not None
        erase_on = now + deps.policy.deletion_delay if delete_data else None
        repo.add_audit(auditing.account_closed(caller, target, now, erase_on=erase_on,
                                               representative_name=_name(own) if representative else ""))
        repo.record_closure(target, now, erase_on)
        repo.add_notice(events.envelope(events.CONFIRMATION_CLOTURE, target, events.SpaceClosed(erase_on=erase_on),
                                        occurred_at=now))
        repo.add_notice(account_events.changed(ACCOUNT_CLOSED_EVENT, closed, now))
    return closed


def _refuse_closed(account: Account) -> None:
    if account.status == DELETED:
        raise FailedPrecondition(ALREADY_DELETED, reason="ACCOUNT_DELETED")
    if account.status in (CLOSED, OPPOSED):
        raise FailedPrecondition("Ce profil est déjà clôturé", reason="ACCOUNT_CLOSED")


def _representative(repo, caller: Caller, person: str, account: Account | None, now) -> bool:
    """True for a minor's legal representative in force; False for the holder; refused otherwise."""
    if account is None:
        raise NotFound("Profil introuvable")
    if caller.actor_type == PATIENT and person == account.account_id:
        return False
    acting_for_her = caller.actor_type == PATIENT or caller.on_behalf_of == account.account_id
    if (acting_for_her and rules.age_on(account.birth_date, now.date()) < 18
            and is_legal_representative(repo, person, account.account_id, now)):
        return True
    raise PermissionDenied("Seul le titulaire du profil ou un représentant légal du mineur le clôture",
                           reason="NOT_HOLDER")


def _check_password(deps: Dependencies, caller: Caller, credential, password: str, target: str, now) -> None:
    """Like at login: locked out refuses at once; a wrong one counts towards the lockout and is audited."""
    key = throttle.login_key(credential.login_id)
    throttle.guard_login(deps, key, now)
    if deps.hasher.verify(credential.password_hash, password):
        return

    def records(locked: bool):
        return [auditing.closure_refused(caller, target, now, r)
                for r in (auditing.WRONG_PASSWORD, auditing.LOCKED_OUT)[:1 + locked]]
    if throttle.record_login_failure(deps, key, now, records):
        raise throttle.locked_error(deps)
    raise PermissionDenied(WRONG_PASSWORD_MESSAGE, reason="INVALID_CREDENTIALS")


def _end_delegations(repo, caller: Caller, person: str, account: Account, now) -> None:
    """Every open delegation of the account, on either side, ends; who lost access is told."""
    target = account.account_id
    others_changed: set[str] = set()
    for d in repo.delegations_of(either_id=target):
        if not d.open_on(now):
            continue
        in_force = d.state_on(now) == ACCEPTED
        repo.update_delegation(d.delegation_id, state=ENDED, ended_at=now, ended_by_id=person,
                               ended_reason=ACCOUNT_CLOSED)
        delegate = repo.get_account(d.delegate_id)
        repo.add_audit(auditing.delegation_ended_by_closure(caller, d, now, delegate_name=_name(delegate)))
        if not in_force:
            continue
        if d.type == CAREGIVING:
            attestations.record(repo, repo.get_delegation(d.delegation_id), attestations.ENDED, now)
        if d.delegator_id == target and d.delegate_id != person:
            # a representative or caregiver of the closed space: told on her own profile
            repo.add_notice(_notice(CLOTURE_PROFIL, d.delegate_id, _name(account), now))
        elif d.delegate_id == target:
            others_changed.add(d.delegator_id)
            if d.type == CAREGIVING:
                repo.add_notice(_notice("REVOCATION_PAR_AIDANT", d.delegator_id, _name(account), now))
    for other in sorted(others_changed):
        helped = repo.get_account(other)
        if helped is not None:
            repo.add_notice(account_events.links_changed(helped, now))
