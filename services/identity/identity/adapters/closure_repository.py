"""Queries of a space's closure and deletion (DOMAIN §4.4), mixed into IdentityRepository."""
from __future__ import annotations

import typing
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from identity.adapters.tables import (access_reports, access_settings, accounts, app_connections, app_token_families,
                                      app_tokens, attestations, blocked_professionals, oauth_codes,
                                      care_team_members, closures, credentials, delegations, email_changes,
                                      erasure_reports, erasures, login_challenges, provisional_codes,
                                      refresh_tokens, suspensions, throttles)
from identity.domain.erasure_models import Closure, Erasure


class ClosureQueries:
    session: Session

    # ---- closures ----
    def record_closure(self, account_id: str, closed_at: datetime, erase_on: datetime | None) -> None:
        self.session.execute(insert(closures).values(account_id=account_id, closed_at=closed_at, erase_on=erase_on)
                             .on_conflict_do_update(index_elements=[closures.c.account_id],
                                                    set_={"closed_at": closed_at, "erase_on": erase_on}))

    def get_closure(self, account_id: str) -> Closure | None:
        row = self.session.execute(sa.select(closures).where(closures.c.account_id == account_id)).mappings().first()
        return Closure(**row) if row else None

    def reopen_account(self, account_id: str, status: str) -> None:
        self.session.execute(closures.delete().where(closures.c.account_id == account_id))
        self.session.execute(accounts.update().where(accounts.c.account_id == account_id).values(status=status))

    def claim_due_closures(self, *, erase_by: datetime, closed_by: datetime, limit: int) -> list[Closure]:
        """Closed spaces whose deletion is due (asked for, or the archive's ten years over), not yet
        under erasure; locked, skipping those another replica holds."""
        query = (sa.select(closures).select_from(closures.join(accounts, accounts.c.account_id == closures.c.account_id))
                 .where(accounts.c.status == "CLOSED",
                        sa.or_(closures.c.erase_on <= erase_by, closures.c.closed_at <= closed_by),
                        ~sa.exists().where(erasures.c.account_id == closures.c.account_id))
                 .order_by(closures.c.closed_at, closures.c.account_id).limit(limit)
                 .with_for_update(of=closures, skip_locked=True))
        return [Closure(**row) for row in self.session.execute(query).mappings()]

    def set_status(self, account_id: str, status: str) -> None:
        self.session.execute(accounts.update().where(accounts.c.account_id == account_id).values(status=status))

    # ---- suspensions ----
    def add_suspension(self, account_id: str, previous_status: str, reason: str, now: datetime,
                       closes_on: datetime) -> None:
        self.session.execute(suspensions.insert().values(account_id=account_id, previous_status=previous_status,
                                                         reason=reason, suspended_at=now, closes_on=closes_on))

    def suspension_of(self, account_id: str) -> str | None:
        """The status given back when the suspension is lifted; None when not suspended."""
        return self.session.execute(sa.select(suspensions.c.previous_status)
                                    .where(suspensions.c.account_id == account_id)).scalar()

    def object_to_suspension(self, account_id: str, now: datetime) -> None:
        self.session.execute(suspensions.update().where(suspensions.c.account_id == account_id,
                                                        suspensions.c.objected_at.is_(None)).values(objected_at=now))

    def end_suspension(self, account_id: str) -> None:
        self.session.execute(suspensions.delete().where(suspensions.c.account_id == account_id))

    def claim_unopposed_suspensions(self, now: datetime, limit: int) -> list[str]:
        return list(self.session.execute(
            sa.select(suspensions.c.account_id).where(suspensions.c.closes_on <= now, suspensions.c.objected_at.is_(None))
            .order_by(suspensions.c.closes_on, suspensions.c.account_id).limit(limit)
            .with_for_update(skip_locked=True)).scalars())

    # ---- erasures ----
    def start_erasure(self, erasure_id: str, account_id: str, reason: str, now: datetime) -> None:
        self.session.execute(insert(erasures).values(erasure_id=erasure_id, account_id=account_id, reason=reason,
                                                     started_at=now).on_conflict_do_nothing())

    def get_erasure(self, erasure_id: str, *, for_update: bool = False) -> Erasure | None:
        query = sa.select(erasures).where(erasures.c.erasure_id == erasure_id)
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).mappings().first()
        return self._erasure(row) if row else None

    def erasure_of(self, account_id: str) -> Erasure | None:
        row = self.session.execute(sa.select(erasures).where(erasures.c.account_id == account_id)).mappings().first()
        return self._erasure(row) if row else None

    def erasures_without_report(self, service: str, limit: int) -> list[Erasure]:
        """Open erasures the service has not reported yet, oldest first."""
        reported = sa.exists().where(erasure_reports.c.erasure_id == erasures.c.erasure_id,
                                     erasure_reports.c.service == service)
        rows = self.session.execute(sa.select(erasures).where(erasures.c.completed_at.is_(None), ~reported)
                                    .order_by(erasures.c.started_at, erasures.c.erasure_id).limit(limit)).mappings()
        return [self._erasure(row) for row in rows]

    def claim_open_erasures(self, limit: int) -> list[Erasure]:
        rows = self.session.execute(sa.select(erasures).where(erasures.c.completed_at.is_(None))
                                    .order_by(erasures.c.started_at, erasures.c.erasure_id).limit(limit)
                                    .with_for_update(skip_locked=True)).mappings()
        return [self._erasure(row) for row in rows]

    def add_erasure_report(self, erasure_id: str, service: str, erased: dict[str, int], now: datetime) -> bool:
        """False when the service had already reported (the first report stays)."""
        return bool(self._changed(insert(erasure_reports).values(
            erasure_id=erasure_id, service=service, reported_at=now, erased=erased).on_conflict_do_nothing()))

    def complete_erasure(self, erasure_id: str, now: datetime) -> None:
        self.session.execute(erasures.update().where(erasures.c.erasure_id == erasure_id,
                                                     erasures.c.completed_at.is_(None)).values(completed_at=now))

    def list_erasures(self, *, account_id: str, limit: int) -> list[Erasure]:
        query = sa.select(erasures).order_by(erasures.c.started_at.desc(), erasures.c.erasure_id).limit(limit)
        if account_id:
            query = query.where(erasures.c.account_id == account_id)
        return [self._erasure(row) for row in self.session.execute(query).mappings()]

    def _erasure(self, row) -> Erasure:
        reports = self.session.execute(sa.select(erasure_reports).where(
            erasure_reports.c.erasure_id == row["erasure_id"]).order_by(erasure_reports.c.service)).mappings()
        return Erasure(**row, reports={r["service"]: (r["reported_at"], dict(r["erased"])) for r in reports})

    def erase_identity_data(self, account_id: str) -> dict[str, int]:
        """Everything identity holds of the person but the fact that her NIR's space was deleted
        (the account row: NIR, birth date (the NIR tells its year and month), status DELETED).
        Idempotent: a second run counts zero."""
        changed = self._changed
        login_ids = self.session.execute(sa.select(credentials.c.login_id).where(credentials.c.subject_id == account_id)).scalars().all()
        counts = {
            "login_challenges": changed(login_challenges.delete().where(login_challenges.c.login_id.in_(login_ids))),
            "throttles": changed(throttles.delete().where(throttles.c.key.in_([f"login:{i}" for i in login_ids]))),
            "credentials": changed(credentials.delete().where(credentials.c.subject_id == account_id)),
            "sessions": changed(refresh_tokens.delete().where(refresh_tokens.c.subject_id == account_id)),
            "provisional_codes": changed(provisional_codes.delete().where(provisional_codes.c.account_id == account_id)),
            "email_changes": changed(email_changes.delete().where(email_changes.c.account_id == account_id)),
            "access_settings": changed(access_settings.delete().where(access_settings.c.patient_id == account_id)),
            "blocked_professionals": changed(blocked_professionals.delete().where(
                blocked_professionals.c.patient_id == account_id)),
            "care_team": changed(care_team_members.delete().where(care_team_members.c.patient_id == account_id)),
            "access_reports": changed(access_reports.delete().where(access_reports.c.patient_id == account_id)),
            "attestations": changed(attestations.delete().where(attestations.c.patient_id == account_id)),
            "delegations": changed(delegations.delete().where(sa.or_(
                delegations.c.delegator_id == account_id, delegations.c.delegate_id == account_id))),
            "closures": changed(closures.delete().where(closures.c.account_id == account_id)),
            "suspensions": changed(suspensions.delete().where(suspensions.c.account_id == account_id)),
            **self._erase_app_data(account_id),
        }
        counts["account"] = changed(accounts.update().where(
            accounts.c.account_id == account_id, accounts.c.status != "DELETED").values(
            status="DELETED", vitale_serial="", given_name="", family_name="", sex="", email=None, phone=None,
            postal_address=None, legal_representative_account_id=None, activated_at=None))
        return counts

    def _erase_app_data(self, account_id: str) -> dict[str, int]:
        """Her connections to apps, their codes and tokens (the catalogue's apps themselves stay)."""
        changed = self._changed
        families = sa.select(app_token_families.c.family_id).where(app_token_families.c.patient_id == account_id)
        return {
            "app_tokens": changed(app_tokens.delete().where(app_tokens.c.family_id.in_(families))),
            "app_token_families": changed(app_token_families.delete().where(
                app_token_families.c.patient_id == account_id)),
            "oauth_codes": changed(oauth_codes.delete().where(oauth_codes.c.patient_id == account_id)),
            "app_connections": changed(app_connections.delete().where(app_connections.c.patient_id == account_id)),
        }

    def _changed(self, statement) -> int:
        """How many rows a DELETE, UPDATE or INSERT changed."""
        return typing.cast(sa.CursorResult, self.session.execute(statement)).rowcount
