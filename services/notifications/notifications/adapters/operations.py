"""Queries for operators: delivery status, dead letters, campaigns. Never commits."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from notifications.adapters.queue import add_campaign_deliveries
from notifications.adapters.tables import campaigns, deliveries
from notifications.domain import models
from notifications.domain.models import Campaign, DeliveryRecord


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _keyset(stamp_column, after: tuple[datetime, str]):
    """The (time, delivery id) a page starts after, typed like the columns it is compared with."""
    return sa.tuple_(sa.literal(after[0], stamp_column.type), sa.literal(after[1], deliveries.c.delivery_id.type))


class OperationsRepository:
    def __init__(self, session: Session):
        self.session = session

    def statuses(self, event_id: str) -> list[DeliveryRecord]:
        rows = self.session.execute(sa.select(deliveries).where(deliveries.c.event_id == event_id)
                                    .order_by(deliveries.c.recipient_id, deliveries.c.channel,
                                              deliveries.c.created_at)).mappings()
        return [_record(r) for r in rows]

    def dead_letters(self, channel: str | None, limit: int, after: tuple[datetime, str] | None) -> list[DeliveryRecord]:
        d = deliveries.c
        query = sa.select(deliveries).where(d.state == models.DEAD)
        if channel:
            query = query.where(d.channel == channel)
        if after:
            query = query.where(sa.tuple_(d.updated_at, d.delivery_id) > _keyset(d.updated_at, after))
        return [_record(r) for r in self.session.execute(query.order_by(d.updated_at, d.delivery_id).limit(limit)).mappings()]

    def recipient_deliveries(self, recipient_id: str, event_type: str | None, limit: int,
                             after: tuple[datetime, str] | None) -> list[DeliveryRecord]:
        d = deliveries.c
        query = sa.select(deliveries).where(d.recipient_id == recipient_id)
        if event_type:
            query = query.where(d.event_type == event_type)
        if after:
            query = query.where(sa.tuple_(d.created_at, d.delivery_id) > _keyset(d.created_at, after))
        return [_record(r) for r in self.session.execute(query.order_by(d.created_at, d.delivery_id).limit(limit)).mappings()]

    def replay(self, delivery_id: str) -> DeliveryRecord | None:
        """A dead letter back in the queue, due now, with a fresh count of attempts."""
        if not _is_uuid(delivery_id):
            return None
        row = self.session.execute(deliveries.update().where(
            deliveries.c.delivery_id == delivery_id, deliveries.c.state == models.DEAD)
            .values(state=models.PENDING, attempts=0, available_at=sa.func.now(), lease_until=None, claimed_by=None,
                    updated_at=sa.func.now()).returning(*deliveries.c)).mappings().first()
        return _record(row) if row else None

    def delivery(self, delivery_id: str) -> DeliveryRecord | None:
        if not _is_uuid(delivery_id):
            return None
        row = self.session.execute(sa.select(deliveries).where(deliveries.c.delivery_id == delivery_id)).mappings().first()
        return _record(row) if row else None

    # ---- campaigns ----
    def add_campaign(self, *, name: str, template: str, audience: str, rate_per_day: int, created_by: str,
                     people: list[str]) -> str:
        campaign_id = str(uuid.uuid4())
        self.session.execute(campaigns.insert().values(
            campaign_id=campaign_id, name=name, template=template, audience=audience, state=models.RUNNING,
            rate_per_day=rate_per_day, audience_complete=audience == models.EXPLICIT, created_by=created_by))
        for start in range(0, len(people), 5000):
            add_campaign_deliveries(self.session.connection(), campaign_id, template, people[start:start + 5000])
        return campaign_id

    def campaign(self, campaign_id: str, *, for_update: bool = False) -> Campaign | None:
        if not _is_uuid(campaign_id):
            return None
        query = sa.select(campaigns).where(campaigns.c.campaign_id == campaign_id)
        row = self.session.execute(query.with_for_update() if for_update else query).mappings().first()
        if row is None:
            return None
        counts: dict[str, int] = dict(self.session.execute(sa.select(deliveries.c.state, sa.func.count()).where(
            deliveries.c.campaign_id == campaign_id).group_by(deliveries.c.state)).all())
        return Campaign(campaign_id=str(row["campaign_id"]), name=row["name"], template=row["template"],
                        audience=row["audience"], state=row["state"], rate_per_day=row["rate_per_day"],
                        audience_complete=row["audience_complete"], created_at=row["created_at"],
                        finished_at=row["finished_at"], counts=counts)

    def set_campaign_state(self, campaign_id: str, state: str) -> None:
        values: dict[str, Any] = {"state": state}
        if state == models.RUNNING:       # no budget accrues while paused
            values.update(tokens=0, tokens_at=sa.func.now())
        self.session.execute(campaigns.update().where(campaigns.c.campaign_id == campaign_id).values(**values))


def _record(row) -> DeliveryRecord:
    return DeliveryRecord(
        delivery_id=str(row["delivery_id"]), notification_id=str(row["notification_id"]), event_id=row["event_id"],
        campaign_id=str(row["campaign_id"]) if row["campaign_id"] else None, recipient_id=row["recipient_id"],
        channel=row["channel"], target=row["target"], event_type=row["event_type"], state=row["state"],
        attempts=row["attempts"], last_error=row["last_error"], available_at=row["available_at"],
        updated_at=row["updated_at"], message_id=row["message_id"],
        letter_id=str(row["letter_id"]) if row["letter_id"] else None, created_at=row["created_at"])
