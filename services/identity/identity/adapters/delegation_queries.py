"""Queries on delegations and the delegation jobs' claims, mixed into IdentityRepository."""
from __future__ import annotations

import dataclasses
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from identity.adapters.tables import accounts, delegations
from identity.domain.models import ACCEPTED, CAREGIVING, LEGAL_REPRESENTATION, PENDING, Delegation


class DelegationQueries:
    session: Session

    # ---- delegations ----
    def add_delegation(self, d: Delegation) -> None:
        self.session.execute(delegations.insert().values(**dataclasses.asdict(d)))

    def get_delegation(self, delegation_id: str, *, for_update: bool = False) -> Delegation | None:
        query = sa.select(delegations).where(delegations.c.delegation_id == delegation_id)
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).mappings().first()
        return Delegation(**row) if row else None

    def update_delegation(self, delegation_id: str, **values) -> None:
        self.session.execute(delegations.update().where(delegations.c.delegation_id == delegation_id).values(**values))

    def delegations_of(self, *, delegator_id: str = "", delegate_id: str = "", either_id: str = "",
                       type_: str = "") -> list[Delegation]:
        """Oldest first; `either_id` matches both sides."""
        query = sa.select(delegations)
        if delegator_id:
            query = query.where(delegations.c.delegator_id == delegator_id)
        if delegate_id:
            query = query.where(delegations.c.delegate_id == delegate_id)
        if either_id:
            query = query.where(sa.or_(delegations.c.delegator_id == either_id, delegations.c.delegate_id == either_id))
        if type_:
            query = query.where(delegations.c.type == type_)
        rows = self.session.execute(query.order_by(delegations.c.created_at, delegations.c.delegation_id)).mappings()
        return [Delegation(**r) for r in rows]

    # ---- the delegation jobs (domain/delegation_jobs): claimed rows, conditional updates ----
    def claim_young_adults(self, born_by: date, limit: int) -> list[str]:
        """Accounts born on or before `born_by` that still have a legal representation open,
        locked for this transaction (another replica skips them)."""
        d = delegations.c
        still_represented = sa.exists().where(d.delegator_id == accounts.c.account_id, d.type == LEGAL_REPRESENTATION,
                                              d.state.in_((ACCEPTED, PENDING)))
        return list(self.session.execute(
            sa.select(accounts.c.account_id).where(accounts.c.birth_date <= born_by, still_represented)
            .order_by(accounts.c.birth_date, accounts.c.account_id).limit(limit)
            .with_for_update(of=accounts, skip_locked=True)).scalars())

    def claim_caregivings(self, *, limit: int, ending_by: datetime | None = None,
                          reminder_window: tuple[datetime, datetime] | None = None,
                          unused_since: datetime | None = None, now: datetime | None = None) -> list[Delegation]:
        """Accepted caregivings locked for this transaction (another replica skips them): those whose
        end is due by `ending_by`; or not yet reminded and ending within `reminder_window`
        (after, up to); or last used (else accepted) on or before `unused_since` with no end past `now`."""
        d = delegations.c
        query = sa.select(delegations).where(d.type == CAREGIVING, d.state == ACCEPTED)
        if ending_by is not None:
            query = query.where(d.ends_at <= ending_by)
        if reminder_window is not None:
            after, up_to = reminder_window
            query = query.where(d.end_reminded_at.is_(None), d.ends_at > after, d.ends_at <= up_to)
        if unused_since is not None:
            query = query.where(sa.func.coalesce(d.last_used_at, d.answered_at, d.created_at) <= unused_since,
                                sa.or_(d.ends_at.is_(None), d.ends_at > now))
        rows = self.session.execute(query.order_by(d.created_at, d.delegation_id).limit(limit)
                                    .with_for_update(skip_locked=True)).mappings()
        return [Delegation(**r) for r in rows]

    def change_delegations(self, delegation_ids: list[str], *, from_states: tuple[str, ...],
                           not_reminded: bool = False, ended_at_end_date: bool = False, **values) -> list[Delegation]:
        """UPDATE ... WHERE state IN from_states (and, `not_reminded`, not yet reminded): the rows this
        call changed, none when another pass or a person changed them first. `ended_at_end_date`:
        ended_at = each row's ends_at."""
        if not delegation_ids:
            return []
        d = delegations.c
        statement = delegations.update().where(d.delegation_id.in_(delegation_ids), d.state.in_(from_states))
        if not_reminded:
            statement = statement.where(d.end_reminded_at.is_(None))
        if ended_at_end_date:
            values["ended_at"] = d.ends_at
        rows = self.session.execute(statement.values(**values).returning(*delegations.c)).mappings()
        return sorted((Delegation(**r) for r in rows), key=lambda x: (x.created_at, x.delegation_id))
