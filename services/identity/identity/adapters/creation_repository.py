"""Queries of the opt-out creation (DOMAIN §4.1): the feed, oppositions, the six-week job. Mixed
into IdentityRepository."""
from __future__ import annotations

import dataclasses
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from identity.adapters.tables import accounts, oppositions, provisional_codes
from identity.domain.models import Opposition


class CreationQueries:
    session: Session

    def account_id_by_nir(self, nir: str, *, for_update: bool = False) -> str | None:
        query = sa.select(accounts.c.account_id).where(accounts.c.nir == nir)
        return self.session.execute(query.with_for_update() if for_update else query).scalar_one_or_none()

    def lock_nir(self, nir: str) -> None:
        """Until the transaction ends, whether the NIR has an account or not."""
        self.session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext("nir:" + nir))))

    def change_status(self, account_id: str, *, from_statuses: tuple[str, ...], to: str) -> bool:
        """Conditional: only the transaction that changes the row gets True (several replicas, retries)."""
        return self.session.execute(accounts.update().where(
            accounts.c.account_id == account_id, accounts.c.status.in_(from_statuses)).values(status=to)
            .returning(accounts.c.account_id)).first() is not None

    def claim_due_creations(self, now: datetime, limit: int) -> list[str]:
        return list(self.session.execute(
            sa.select(accounts.c.account_id)
            .where(accounts.c.status == "PENDING", accounts.c.creation_due_at <= now)
            .order_by(accounts.c.creation_due_at, accounts.c.account_id).limit(limit)
            .with_for_update(skip_locked=True)).scalars())

    def use_provisional_codes_of(self, account_id: str, now: datetime) -> None:
        self.session.execute(provisional_codes.update().where(
            provisional_codes.c.account_id == account_id, provisional_codes.c.used_at.is_(None)).values(used_at=now))

    def add_opposition(self, o: Opposition) -> None:
        self.session.execute(oppositions.insert().values(**dataclasses.asdict(o)))

    def get_opposition(self, account_id: str) -> Opposition | None:
        row = self.session.execute(sa.select(oppositions).where(
            oppositions.c.account_id == account_id)).mappings().first()
        return Opposition(**row) if row else None
