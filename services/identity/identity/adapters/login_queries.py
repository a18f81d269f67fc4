"""Queries on the secrets of a login: credentials, changes of email, throttles, login challenges and
refresh tokens, mixed into IdentityRepository."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from identity.adapters.tables import accounts, credentials, email_changes, login_challenges, refresh_tokens, throttles
from identity.domain.models import Challenge, Credential, RefreshToken, Throttle


class LoginQueries:
    session: Session

    # ---- credentials ----
    def login_id_taken(self, login_id: str) -> bool:
        return self.session.execute(sa.select(sa.literal(1)).where(
            credentials.c.login_id == login_id.lower())).first() is not None

    def add_credential(self, login_id: str, subject_type: str, subject_id: str, password_hash: str, email: str) -> None:
        self.session.execute(credentials.insert().values(
            login_id=login_id.lower(), display_login_id=login_id, subject_type=subject_type,
            subject_id=subject_id, password_hash=password_hash, email=email))

    def get_credential(self, login_id: str) -> Credential | None:
        row = self.session.execute(sa.select(credentials).where(credentials.c.login_id == login_id.lower())).mappings().first()
        if row is None:
            return None
        values = dict(row)
        values.pop("updated_at")
        return Credential(**values)

    def set_email(self, account_id: str, email: str) -> None:
        """The holder's email: where login codes (the credential) and notices (the account) go."""
        self.session.execute(accounts.update().where(accounts.c.account_id == account_id).values(email=email))
        self.session.execute(credentials.update().where(credentials.c.subject_id == account_id)
                             .values(email=email, updated_at=sa.func.now()))

    # ---- changes of email ----
    def add_email_change(self, change_id: str, account_id: str, new_email: str, code_hash: str,
                         expires_at: datetime, now: datetime) -> None:
        """A new change replaces any pending one of the account."""
        self.session.execute(email_changes.update().where(email_changes.c.account_id == account_id,
                                                          email_changes.c.consumed_at.is_(None))
                             .values(consumed_at=now))
        self.session.execute(email_changes.insert().values(change_id=change_id, account_id=account_id,
                                                           new_email=new_email, code_hash=code_hash,
                                                           expires_at=expires_at))

    def get_email_change(self, change_id: str, account_id: str):
        return self.session.execute(sa.select(email_changes).where(
            email_changes.c.change_id == change_id, email_changes.c.account_id == account_id)
            .with_for_update()).mappings().first()

    def record_email_change_failure(self, change_id: str) -> None:
        self.session.execute(email_changes.update().where(email_changes.c.change_id == change_id)
                             .values(failed_attempts=email_changes.c.failed_attempts + 1))

    def consume_email_change(self, change_id: str, now: datetime) -> None:
        self.session.execute(email_changes.update().where(email_changes.c.change_id == change_id)
                             .values(consumed_at=now))

    def update_password_hash(self, login_id: str, password_hash: str) -> None:
        self.session.execute(credentials.update().where(credentials.c.login_id == login_id.lower())
                             .values(password_hash=password_hash, updated_at=sa.func.now()))

    # ---- throttles ----
    def get_throttle(self, key: str) -> Throttle | None:
        row = self.session.execute(sa.select(throttles.c.failures, throttles.c.locked_until)
                                   .where(throttles.c.key == key)).first()
        return Throttle(row.failures, row.locked_until) if row else None

    def add_failure(self, key: str, now: datetime, window: timedelta, limit: int, lock_for: timedelta) -> Throttle:
        """Count one failure atomically; lock the key once `limit` failures fall in one window."""
        fresh = throttles.c.window_started_at < now - window
        statement = insert(throttles).values(key=key, failures=1, window_started_at=now)
        failures = sa.case((fresh, 1), else_=throttles.c.failures + 1)
        statement = statement.on_conflict_do_update(
            index_elements=[throttles.c.key],
            set_={"failures": failures,
                  "window_started_at": sa.case((fresh, now), else_=throttles.c.window_started_at),
                  "locked_until": sa.case((failures >= limit, now + lock_for), else_=throttles.c.locked_until)})
        row = self.session.execute(statement.returning(throttles.c.failures, throttles.c.locked_until)).one()
        return Throttle(row.failures, row.locked_until)

    def clear_throttle(self, key: str) -> None:
        self.session.execute(throttles.delete().where(throttles.c.key == key))

    # ---- login challenges ----
    def add_challenge(self, challenge_id: str, login_id: str, code_hash: str, expires_at: datetime) -> None:
        self.session.execute(login_challenges.insert().values(
            challenge_id=challenge_id, login_id=login_id.lower(), code_hash=code_hash, expires_at=expires_at))

    def get_challenge(self, challenge_id: str) -> Challenge | None:
        row = self.session.execute(sa.select(login_challenges).where(
            login_challenges.c.challenge_id == challenge_id).with_for_update()).mappings().first()
        return Challenge(**row) if row else None

    def record_challenge_failure(self, challenge_id: str) -> None:
        self.session.execute(login_challenges.update().where(login_challenges.c.challenge_id == challenge_id)
                             .values(failed_attempts=login_challenges.c.failed_attempts + 1))

    def consume_challenge(self, challenge_id: str, now: datetime) -> None:
        self.session.execute(login_challenges.update().where(login_challenges.c.challenge_id == challenge_id)
                             .values(consumed_at=now))

    def consume_open_challenges(self, login_id: str, now: datetime) -> None:
        self.session.execute(login_challenges.update().where(
            login_challenges.c.login_id == login_id.lower(), login_challenges.c.consumed_at.is_(None))
            .values(consumed_at=now))

    # ---- refresh tokens ----
    def add_refresh_token(self, token_hash: str, family_id: str, subject_type: str, subject_id: str,
                          expires_at: datetime) -> None:
        self.session.execute(refresh_tokens.insert().values(
            token_hash=token_hash, family_id=family_id, subject_type=subject_type,
            subject_id=subject_id, expires_at=expires_at))

    def get_refresh_token(self, token_hash: str) -> RefreshToken | None:
        row = self.session.execute(sa.select(refresh_tokens).where(
            refresh_tokens.c.token_hash == token_hash).with_for_update()).mappings().first()
        if row is None:
            return None
        values = dict(row)
        values.pop("created_at")
        return RefreshToken(**values)

    def rotate_refresh_token(self, token_hash: str, now: datetime) -> None:
        self.session.execute(refresh_tokens.update().where(refresh_tokens.c.token_hash == token_hash)
                             .values(rotated_at=now))

    def revoke_family(self, family_id: str, now: datetime) -> None:
        self.session.execute(refresh_tokens.update().where(
            refresh_tokens.c.family_id == family_id, refresh_tokens.c.revoked_at.is_(None)).values(revoked_at=now))
