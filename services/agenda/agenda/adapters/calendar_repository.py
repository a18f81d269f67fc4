"""The calendar's queries. Works inside the session it is given and never commits."""
from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from agenda.adapters.tables import appointments, calendar_feeds, reminders
from agenda.domain.calendar_models import PENDING, Appointment, Reminder

APPOINTMENT_COLUMNS = tuple(f.name for f in dataclasses.fields(Appointment))
REMINDER_COLUMNS = tuple(f.name for f in dataclasses.fields(Reminder))
NULLABLE = frozenset({"end_time", "notice_at", "notified_at"})


def _appointment(row) -> Appointment:
    return Appointment(**{c: getattr(row, c) for c in APPOINTMENT_COLUMNS})


def _reminder(row) -> Reminder:
    return Reminder(**{c: getattr(row, c) for c in REMINDER_COLUMNS})


class CalendarQueries:
    _session: Session

    def lock_profile(self, patient_id: str) -> None:
        """Serialises the changes of one profile's calendar (the per-date reminder limit)."""
        self._session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext("agenda:" + patient_id))))

    # ---- appointments ----
    def add_appointment(self, a: Appointment) -> None:
        self._session.execute(appointments.insert().values(**dataclasses.asdict(a)))

    def get_appointment(self, patient_id: str, appointment_id: str, *, for_update: bool = False) -> Appointment | None:
        query = sa.select(appointments).where(appointments.c.appointment_id == appointment_id,
                                              appointments.c.patient_id == patient_id)
        row = self._session.execute(query.with_for_update() if for_update else query).first()
        return _appointment(row) if row else None

    def update_appointment(self, appointment_id: str, **values: Any) -> None:
        self._session.execute(appointments.update().where(appointments.c.appointment_id == appointment_id)
                              .values(**values))

    def delete_appointment(self, appointment_id: str) -> None:
        self._session.execute(appointments.delete().where(appointments.c.appointment_id == appointment_id))

    def list_appointments(self, patient_id: str, *, start: datetime | None, end: datetime | None,
                          statuses: list[str], newest_first: bool, offset: int, limit: int) -> list[Appointment]:
        query = sa.select(appointments).where(appointments.c.patient_id == patient_id)
        if start is not None:
            query = query.where(appointments.c.start_time >= start)
        if end is not None:
            query = query.where(appointments.c.start_time < end)
        if statuses:
            query = query.where(appointments.c.status.in_(statuses))
        order = (appointments.c.start_time.desc(), appointments.c.appointment_id.desc()) if newest_first else (
            appointments.c.start_time, appointments.c.appointment_id)
        rows = self._session.execute(query.order_by(*order).offset(offset).limit(limit))
        return [_appointment(r) for r in rows]

    # ---- reminders ----
    def add_reminder(self, r: Reminder) -> None:
        self._session.execute(reminders.insert().values(**dataclasses.asdict(r)))

    def get_reminder(self, patient_id: str, reminder_id: str, *, for_update: bool = False) -> Reminder | None:
        query = sa.select(reminders).where(reminders.c.reminder_id == reminder_id,
                                           reminders.c.patient_id == patient_id)
        row = self._session.execute(query.with_for_update() if for_update else query).first()
        return _reminder(row) if row else None

    def update_reminder(self, reminder_id: str, **values: Any) -> None:
        self._session.execute(reminders.update().where(reminders.c.reminder_id == reminder_id).values(**values))

    def delete_reminder(self, reminder_id: str) -> None:
        self._session.execute(reminders.delete().where(reminders.c.reminder_id == reminder_id))

    def list_reminders(self, patient_id: str, *, start: datetime | None, end: datetime | None,
                       offset: int, limit: int) -> list[Reminder]:
        query = sa.select(reminders).where(reminders.c.patient_id == patient_id)
        if start is not None:
            query = query.where(reminders.c.remind_at >= start)
        if end is not None:
            query = query.where(reminders.c.remind_at < end)
        rows = self._session.execute(query.order_by(reminders.c.remind_at, reminders.c.reminder_id)
                                     .offset(offset).limit(limit))
        return [_reminder(r) for r in rows]

    def count_reminders_on(self, patient_id: str, day: date, *, besides: str = "") -> int:
        query = sa.select(sa.func.count()).select_from(reminders).where(
            reminders.c.patient_id == patient_id, reminders.c.remind_date == day)
        if besides:
            query = query.where(reminders.c.reminder_id != besides)
        return self._session.execute(query).scalar_one()

    # ---- the scheduler: due rows, each held by one replica until its transaction ends ----
    def claim_due_appointments(self, now: datetime, limit: int) -> list[Appointment]:
        rows = self._session.execute(
            sa.select(appointments).where(appointments.c.notice_state == PENDING, appointments.c.notice_at <= now)
            .order_by(appointments.c.notice_at).limit(limit).with_for_update(skip_locked=True))
        return [_appointment(r) for r in rows]

    def claim_due_reminders(self, now: datetime, limit: int) -> list[Reminder]:
        rows = self._session.execute(
            sa.select(reminders).where(reminders.c.notice_state == PENDING, reminders.c.remind_at <= now)
            .order_by(reminders.c.remind_at).limit(limit).with_for_update(skip_locked=True))
        return [_reminder(r) for r in rows]

    # ---- the feed ----
    def appointments_since(self, patient_id: str, since: datetime, limit: int) -> list[Appointment]:
        rows = self._session.execute(sa.select(appointments).where(
            appointments.c.patient_id == patient_id, appointments.c.start_time >= since)
            .order_by(appointments.c.start_time, appointments.c.appointment_id).limit(limit))
        return [_appointment(r) for r in rows]

    def replace_feed(self, patient_id: str, *, token_hash: str, show_details: bool, created_by: str,
                     created_at: datetime) -> None:
        values = {"token_hash": token_hash, "show_details": show_details, "created_by": created_by,
                  "created_at": created_at}
        self._session.execute(insert(calendar_feeds).values(patient_id=patient_id, **values)
                              .on_conflict_do_update(index_elements=[calendar_feeds.c.patient_id], set_=values))

    def feed_by_hash(self, token_hash: str) -> tuple[str, bool, str] | None:
        """(patient id, show_details, who made it) of the subscription holding this token's hash."""
        row = self._session.execute(sa.select(calendar_feeds.c.patient_id, calendar_feeds.c.show_details,
                                              calendar_feeds.c.created_by)
                                    .where(calendar_feeds.c.token_hash == token_hash)).first()
        return (row.patient_id, row.show_details, row.created_by) if row else None
