"""Transactional outbox: events written with the change, relayed at least once.

Producers call `add_envelope` (a notice, meskit.events) or `add_audit_record` (meskit.audit) inside
the transaction that makes the change; `add_event` (any type) is for the kit's own tests, services
never call it (tests/unit/rules/test_rules_outbox.py), so that meskit.relay routes every row. A relay
claims pending rows with `FOR UPDATE SKIP LOCKED`, so several replicas never publish the same
row at the same time; a row is marked published only after `publish` returns, so a crash means
a redelivery, never a loss. Receivers are idempotent on the event id.
"""
from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID, insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from meskit.db import Timestamp
from meskit.loop import Loop
from meskit import events
from meskit.audit import AUDIT_RECORD, RESOURCE_VISIBILITY, AuditRecord, ResourceVisibility

log = logging.getLogger("meskit.outbox")


def outbox_columns() -> list[sa.Column]:
    return [
        sa.Column("event_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("aggregate_id", sa.String(64), nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False, server_default=sa.func.now()),
        sa.Column("available_at", Timestamp, nullable=False, server_default=sa.func.now()),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column("published_at", Timestamp),
    ]


def outbox_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table("outbox", metadata, *outbox_columns(),
                    sa.Index("ix_outbox_pending", "available_at",
                             postgresql_where=sa.text("published_at IS NULL")))


@dataclass(frozen=True)
class Event:
    event_id: uuid.UUID
    event_type: str
    aggregate_id: str
    payload: dict
    created_at: datetime


def add_event(session: Session, table: sa.Table, event_type: str, aggregate_id: str, payload: dict) -> uuid.UUID:
    event_id = uuid.uuid4()
    session.execute(table.insert().values(event_id=event_id, event_type=event_type,
                                          aggregate_id=aggregate_id, payload=payload))
    return event_id


def add_envelope(session: Session, table: sa.Table, envelope: events.Envelope, *, once: bool = False) -> bool:
    """An event for notifications (checked by meskit.events.envelope); `once`: nothing if its id is taken."""
    if envelope.event_type not in events.PAYLOADS:
        raise events.unknown_type(envelope.event_type)
    return _insert(session, table, events.outbox_row(envelope), once=once)


def add_audit_record(session: Session, table: sa.Table, record: AuditRecord) -> bool:
    """A change's audit record, relayed to audit at least once: the event id is the record id."""
    return _insert(session, table, {"event_id": uuid.UUID(record.record_id), "event_type": AUDIT_RECORD,
                                    "aggregate_id": record.patient_id or "-", "payload": record.to_payload()},
                   once=True)


def add_resource_visibility(session: Session, table: sa.Table, visibility: ResourceVisibility) -> uuid.UUID:
    """A resource's restriction, relayed to audit's SetResourceVisibility (the newest as_of wins there)."""
    return add_event(session, table, RESOURCE_VISIBILITY, visibility.patient_id, visibility.to_payload())


def delete_relayed(session: Session, table: sa.Table, aggregate_id: str) -> int:
    """A deleted space's events already relayed (audit records, notices): kept for nothing now; how many.
    Those not relayed yet stay, so that nothing owed to audit or notifications is lost."""
    deleted = session.execute(table.delete().where(table.c.aggregate_id == aggregate_id,
                                                   table.c.published_at.is_not(None)).returning(table.c.event_id))
    return len(deleted.all())


def _insert(session: Session, table: sa.Table, row: dict, *, once: bool) -> bool:
    statement = insert(table).values(**row)
    if once:
        statement = statement.on_conflict_do_nothing(index_elements=[table.c.event_id])
    return session.execute(statement.returning(table.c.event_id)).first() is not None


class OutboxRelay:
    def __init__(self, engine: Engine, table: sa.Table, publish: Callable[[Event], None], *,
                 batch_size: int = 100, poll_interval: float = 0.5, max_backoff: float = 300.0,
                 delete_published: bool = False):
        """Relays every row, whatever its type (meskit.relay routes each type; one it cannot route
        backs off like any failure). `delete_published`: drop a row once published (payloads that
        must not stay, e.g. a code)."""
        self._engine, self._table, self._publish = engine, table, publish
        self._delete_published = delete_published
        self._batch_size, self._poll_interval, self._max_backoff = batch_size, poll_interval, max_backoff
        self._loop: Loop | None = None

    def relay_once(self) -> int:
        """Claim one batch, publish each event, record the outcome; return how many were published."""
        t = self._table
        published = 0
        pending = sa.select(t).where(t.c.published_at.is_(None), t.c.available_at <= sa.func.now())
        with self._engine.begin() as connection:
            rows = connection.execute(
                pending.order_by(t.c.created_at).limit(self._batch_size).with_for_update(skip_locked=True)
            ).mappings().all()
            for row in rows:
                event = Event(row["event_id"], row["event_type"], row["aggregate_id"], row["payload"], row["created_at"])
                try:
                    self._publish(event)
                except Exception as exc:
                    delay = min(self._max_backoff, 2 ** row["attempts"]) * (0.5 + random.random() / 2)
                    connection.execute(t.update().where(t.c.event_id == row["event_id"]).values(
                        attempts=t.c.attempts + 1, last_error=type(exc).__name__,
                        available_at=datetime.now(timezone.utc) + timedelta(seconds=delay)))
                    log.warning("outbox publish failed", extra={"event_type": row["event_type"],
                                                                "attempts": row["attempts"] + 1})
                    continue
                mine = t.c.event_id == row["event_id"]
                connection.execute(t.delete().where(mine) if self._delete_published
                                   else t.update().where(mine).values(published_at=sa.func.now()))
                published += 1
        return published

    def start(self) -> None:
        """Relay in the background: a full batch is followed at once by the next one."""
        self._loop = Loop("outbox-relay", self.relay_once, self._poll_interval,
                          more_work=lambda published: published == self._batch_size).start()

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop relaying; True once the current pass has ended within `timeout` seconds."""
        return self._loop is None or self._loop.stop(timeout)
