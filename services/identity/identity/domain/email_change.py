"""The holder changes their email (DOMAIN.md §4.3): their password first (counted like a login
attempt, same lockout), then a 6-digit code sent to the new address proves it is theirs. The new
address then receives the login codes and, through CONTACT_CHANGED, the notices."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from meskit.auth import PATIENT, Caller
from meskit.errors import FailedPrecondition, NotFound, PermissionDenied, Violations

from identity.domain import account_events, auditing, delegate_scope, rules, throttle
from identity.domain.accounts import resolve_me
from identity.domain.login import BAD_CODE, is_uuid
from identity.domain.models import ACTIVE, Account
from identity.domain.ports import CONTACT_CHANGE, Dependencies
from identity.domain.secrets import digest, new_login_code, same


@dataclass(frozen=True)
class EmailChangeStarted:
    change_id: str
    code_sent_to: str
    expires_at: datetime


def _holder(caller: Caller, account_id: str) -> str:
    account_id = resolve_me(caller, account_id)
    if caller.actor_type != PATIENT or caller.subject != account_id:
        raise PermissionDenied("Seul le titulaire du profil peut changer son adresse e-mail")
    return account_id


def start_email_change(deps: Dependencies, caller: Caller, account_id: str, new_email: str,
                       password: str) -> EmailChangeStarted:
    delegate_scope.refuse_caregiver(deps, caller, delegate_scope.EMAIL)
    account_id = _holder(caller, account_id)
    v = Violations()
    rules.check_email(v, new_email, "new_email", required=True)
    v.require(password, "password")
    v.max_length(password, "password", rules.PASSWORD_MAX)
    v.raise_if_any()
    now = deps.now()
    with deps.unit_of_work() as repo:
        account = repo.get_account(account_id)
        credential = repo.get_credential(account.login_id) if account and account.login_id else None
    if account is None:
        raise NotFound("Profil introuvable")
    if account.status != ACTIVE or credential is None:
        raise FailedPrecondition("Le profil doit être activé", reason="NOT_ACTIVATED")
    key = throttle.login_key(credential.login_id)
    throttle.guard_login(deps, key, now)
    if not deps.hasher.verify(credential.password_hash, password):
        def records(locked: bool):
            return [auditing.email_change(caller, account_id, now, step="start", refused=r)
                    for r in (auditing.WRONG_PASSWORD, auditing.LOCKED_OUT)[:1 + locked]]
        if throttle.record_login_failure(deps, key, now, records):
            raise throttle.locked_error(deps)
        raise PermissionDenied("Mot de passe incorrect", reason="INVALID_PASSWORD")
    if new_email.lower() == (account.email or "").lower():
        same_address = Violations()
        same_address.add("new_email", "c'est déjà l'adresse de ce profil")
        same_address.raise_if_any()
    code, change_id = new_login_code(), str(uuid.uuid4())
    expires_at = now + deps.policy.login_code_ttl
    with deps.unit_of_work() as repo:
        repo.add_email_change(change_id, account_id, new_email, digest(code, change_id), expires_at, now)
        repo.add_audit(auditing.email_change(caller, account_id, now, step="start", new_email=new_email))
    deps.code_sender.send_code(email=new_email, code=code, expires_at=expires_at, given_name=account.given_name,
                               purpose=CONTACT_CHANGE)
    return EmailChangeStarted(change_id, rules.mask_email(new_email), expires_at)


def confirm_email_change(deps: Dependencies, caller: Caller, account_id: str, change_id: str, code: str) -> Account:
    delegate_scope.refuse_caregiver(deps, caller, delegate_scope.EMAIL)
    account_id = _holder(caller, account_id)
    v = Violations()
    v.require(change_id, "change_id")
    if not (len(code) == 6 and code.isdigit()):
        v.add("code", "le code comporte 6 chiffres")
    v.raise_if_any()
    now = deps.now()
    with deps.unit_of_work() as repo:
        change = repo.get_email_change(change_id, account_id) if is_uuid(change_id) else None
        usable = (change is not None and change["consumed_at"] is None and change["expires_at"] > now
                  and change["failed_attempts"] < deps.policy.max_failures)
        correct = change is not None and usable and same(change["code_hash"], digest(code, change_id))
        if correct:
            assert change is not None
            repo.consume_email_change(change_id, now)
            repo.set_email(account_id, change["new_email"])
            found = repo.get_account(account_id)
            assert found is not None, "updated in this transaction"
            updated = found
            repo.add_notice(account_events.changed(account_events.CONTACT_CHANGED, updated, now))
            repo.add_audit(auditing.email_change(caller, account_id, now, step="confirm", new_email=change["new_email"]))
        elif usable:
            repo.record_email_change_failure(change_id)
            repo.add_audit(auditing.email_change(caller, account_id, now, step="confirm", refused=auditing.WRONG_CODE))
    if not correct:
        raise PermissionDenied(BAD_CODE, reason="INVALID_CODE")
    return updated
