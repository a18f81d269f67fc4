"""Login: password, then a one-time code by email, every time; then tokens.

Access tokens are short-lived JWTs. Refresh tokens are opaque, stored hashed, and rotate on
each use; presenting an already rotated token revokes its whole family (it was stolen).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from meskit.auth import PATIENT, PROFESSIONAL, Caller
from meskit.errors import FailedPrecondition, Unauthenticated, Violations

from identity.domain import auditing, reopening, rules, throttle
from identity.domain.auditing import LOCKED_OUT, PASSWORD_AND_CODE, WRONG_CODE, WRONG_PASSWORD
from identity.domain.models import ACTIVE, CLOSED, Credential, Professional
from identity.domain.ports import Dependencies
from identity.domain.secrets import digest, new_login_code, new_refresh_token, same

BAD_CREDENTIALS = "Identifiant ou mot de passe incorrect"
BAD_CODE = "Code incorrect ou expiré"
BAD_SESSION = "Session expirée : veuillez vous reconnecter"
CLOSED_ACCOUNT = "Ce profil Mon espace santé a été clôturé : la connexion n'est plus possible"

# Verifying against this keeps the time of an unknown login id close to that of a known one.
_DUMMY_HASH_SOURCE = "timing-equaliser-Aa1!"


@dataclass(frozen=True)
class LoginStarted:
    challenge_id: str
    code_sent_to: str
    expires_at: datetime


@dataclass(frozen=True)
class Tokens:
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    subject_id: str


class Login:
    def __init__(self, deps: Dependencies):
        self.deps = deps
        self._dummy_hash = deps.hasher.hash(_DUMMY_HASH_SOURCE)

    def start(self, login_id: str, password: str, client: str, reopen: bool = False) -> LoginStarted:
        v = Violations()
        v.require(login_id, "login_id")
        v.require(password, "password")
        if len(login_id) > 64:
            v.add("login_id", "64 caractères au plus")
        if len(password) > rules.PASSWORD_MAX:
            v.add("password", f"{rules.PASSWORD_MAX} caractères au plus")
        v.raise_if_any()
        deps, now = self.deps, self.deps.now()
        key, client_key = throttle.login_key(login_id), throttle.client_key("login", client)
        throttle.guard_client(deps, client_key, now)
        throttle.guard_login(deps, key, now)
        with deps.unit_of_work() as repo:
            credential = repo.get_credential(login_id)
            subject_active = credential is not None and self._subject_active(repo, credential)
            subject = self._subject(repo, credential) if credential is not None and subject_active else None
            closed = credential is not None and self._subject_closed(repo, credential)
        password_ok = deps.hasher.verify(credential.password_hash if credential else self._dummy_hash, password)
        if closed and password_ok:      # told only to whoever holds the password
            if not reopen:
                raise FailedPrecondition(CLOSED_ACCOUNT, reason="ACCOUNT_CLOSED")
            assert credential is not None
            with deps.unit_of_work() as repo:
                reopening.refuse_if_erasing(repo, credential.subject_id)
        if not (credential and (subject_active or (closed and reopen)) and password_ok):
            self._fail(key, client_key, now, subject, WRONG_PASSWORD)
            raise Unauthenticated(BAD_CREDENTIALS, reason="INVALID_CREDENTIALS")
        if deps.hasher.needs_rehash(credential.password_hash):
            with deps.unit_of_work() as repo:
                repo.update_password_hash(login_id, deps.hasher.hash(password))
        code = new_login_code()
        challenge_id = str(uuid.uuid4())
        expires_at = now + deps.policy.login_code_ttl
        with deps.unit_of_work() as repo:
            repo.consume_open_challenges(login_id, now)
            repo.add_challenge(challenge_id, login_id, digest(code, challenge_id), expires_at)
            given_name = self._given_name(repo, credential)
        deps.code_sender.send_code(email=credential.email, code=code, expires_at=expires_at,
                                         given_name=given_name)
        return LoginStarted(challenge_id, rules.mask_email(credential.email), expires_at)

    def complete(self, challenge_id: str, code: str, client: str, reopen: bool = False) -> Tokens:
        credential = self.verify_code(challenge_id, code, client, reopen)
        return self._issue(credential.subject_type, credential.subject_id, family_id=str(uuid.uuid4()),
                           now=self.deps.now(), login=True)

    def verify_code(self, challenge_id: str, code: str, client: str, reopen: bool = False) -> Credential:
        """The one-time code's check (throttled, single use): whose login it completes. The caller
        issues what the login is for (a session, or an app's pairing) and audits it."""
        v = Violations()
        v.require(challenge_id, "challenge_id")
        if not (len(code) == 6 and code.isdigit()):
            v.add("code", "le code comporte 6 chiffres")
        v.raise_if_any()
        deps, now = self.deps, self.deps.now()
        client_key = throttle.client_key("login", client)
        throttle.guard_client(deps, client_key, now)
        with deps.unit_of_work() as repo:
            challenge = repo.get_challenge(challenge_id) if is_uuid(challenge_id) else None
            if challenge is not None:
                throttle.guard_login(deps, throttle.login_key(challenge.login_id), now)
            usable = challenge is not None and challenge.consumed_at is None and challenge.expires_at > now
            correct = challenge is not None and usable and same(challenge.code_hash, digest(code, challenge_id))
            if correct:
                assert challenge is not None
                repo.consume_challenge(challenge_id, now)
                credential = repo.get_credential(challenge.login_id)
                if self._subject_closed(repo, credential):     # closed between the password and the code
                    if not reopen:
                        raise FailedPrecondition(CLOSED_ACCOUNT, reason="ACCOUNT_CLOSED")
                    assert credential is not None
                    reopening.reopen(repo, credential.subject_id, now)
                if not self._subject_active(repo, credential):
                    raise Unauthenticated(BAD_CREDENTIALS, reason="INVALID_CREDENTIALS")
            elif usable:
                repo.record_challenge_failure(challenge_id)
            owner = repo.get_credential(challenge.login_id) if challenge is not None and not correct else None
            subject = self._subject(repo, owner) if owner is not None else None
        if not correct:
            self._fail(throttle.login_key(challenge.login_id) if challenge else None, client_key, now,
                       subject, WRONG_CODE)
            raise Unauthenticated(BAD_CODE, reason="INVALID_CODE")
        assert credential is not None, "a correct code is a known subject's"
        throttle.clear(deps, throttle.login_key(credential.login_id))
        return credential

    def refresh(self, refresh_token: str) -> Tokens:
        if not refresh_token or len(refresh_token) > 200:
            raise Unauthenticated(BAD_SESSION, reason="INVALID_REFRESH_TOKEN")
        deps, now = self.deps, self.deps.now()
        token_hash = digest(refresh_token)
        with deps.unit_of_work() as repo:
            stored = repo.get_refresh_token(token_hash)
            if stored is None or stored.revoked_at is not None or stored.expires_at <= now:
                reuse = False
            elif stored.rotated_at is not None:
                repo.revoke_family(stored.family_id, now)   # committed: the family is dead
                repo.add_audit(auditing.session_ended(Caller(stored.subject_type, stored.subject_id), now, reused=True))
                reuse = True
            elif stored.subject_type == PATIENT and not self._account_active(repo, stored.subject_id):
                reuse = False       # a closed space's sessions ended with it
            else:
                repo.rotate_refresh_token(token_hash, now)
                return self._issue(stored.subject_type, stored.subject_id, family_id=stored.family_id,
                                   now=now, repo=repo)
        raise Unauthenticated(BAD_SESSION, reason="REFRESH_TOKEN_REUSED" if reuse else "INVALID_REFRESH_TOKEN")

    def logout(self, refresh_token: str) -> None:
        deps, now = self.deps, self.deps.now()
        with deps.unit_of_work() as repo:
            stored = repo.get_refresh_token(digest(refresh_token)) if refresh_token else None
            if stored is not None and stored.revoked_at is None:
                repo.revoke_family(stored.family_id, now)
                repo.add_audit(auditing.session_ended(Caller(stored.subject_type, stored.subject_id), now,
                                                      reused=False))

    def _fail(self, key: str | None, client_key: str, now: datetime,
              subject: tuple[Caller, Professional | None] | None = None, rule: str = "") -> None:
        """Count the failure; a known account's (`subject`) is audited, and so is the lock it causes."""
        throttle.record_client_failure(self.deps, client_key, now)
        if key is None:
            return

        def records(locked: bool):
            if subject is None:
                return []
            return [auditing.login(subject[0], now, r, subject[1]) for r in (rule, LOCKED_OUT)[:1 + locked]]
        if throttle.record_login_failure(self.deps, key, now, records):
            with self.deps.unit_of_work() as repo:
                repo.consume_open_challenges(key.removeprefix("login:"), now)
            raise throttle.locked_error(self.deps)

    def _issue(self, subject_type: str, subject_id: str, *, family_id: str, now: datetime, repo=None,
               login: bool = False) -> Tokens:
        """`login`: a completed login, audited with the new session."""
        deps = self.deps
        if repo is None:
            with deps.unit_of_work() as repo:
                return self._issue(subject_type, subject_id, family_id=family_id, now=now, repo=repo, login=login)
        professional = repo.get_professional(subject_id) if subject_type == PROFESSIONAL else None
        if professional is not None:
            caller = Caller(PROFESSIONAL, subject_id, profession_code=professional.profession_code,
                            rpps=professional.rpps)
        else:
            caller = Caller(PATIENT, subject_id)
        if login:
            repo.add_audit(auditing.login(caller, now, PASSWORD_AND_CODE, professional))
        access, access_expires = deps.signer.sign(caller, ttl_seconds=int(deps.policy.access_token_ttl.total_seconds()),
                                                  now=now.timestamp())
        refresh = new_refresh_token()
        refresh_expires = now + deps.policy.refresh_token_ttl
        repo.add_refresh_token(digest(refresh), family_id, subject_type, subject_id, refresh_expires)
        return Tokens(access, datetime.fromtimestamp(access_expires, now.tzinfo), refresh, refresh_expires, subject_id)

    @staticmethod
    def _subject_active(repo, credential) -> bool:
        if credential.subject_type == PROFESSIONAL:
            return repo.get_professional(credential.subject_id) is not None
        account = repo.get_account(credential.subject_id)
        return account is not None and account.status == ACTIVE

    @staticmethod
    def _subject_closed(repo, credential) -> bool:
        if credential.subject_type == PROFESSIONAL:
            return False
        account = repo.get_account(credential.subject_id)
        return account is not None and account.status == CLOSED

    @staticmethod
    def _account_active(repo, account_id: str) -> bool:
        account = repo.get_account(account_id)
        return account is not None and account.status == ACTIVE

    @staticmethod
    def _subject(repo, credential: Credential) -> tuple[Caller, Professional | None]:
        """Who a credential logs in, for the audit records of their logins."""
        if credential.subject_type == PROFESSIONAL:
            professional = repo.get_professional(credential.subject_id)
            return Caller(PROFESSIONAL, credential.subject_id, profession_code=professional.profession_code,
                          rpps=professional.rpps), professional
        return Caller(PATIENT, credential.subject_id), None

    @staticmethod
    def _given_name(repo, credential) -> str:
        if credential.subject_type == PROFESSIONAL:
            return repo.get_professional(credential.subject_id).given_name
        return repo.get_account(credential.subject_id).given_name


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
