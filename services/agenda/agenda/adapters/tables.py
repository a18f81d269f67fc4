"""Agenda's tables (SQLAlchemy Core). Only this service reads or writes them."""
from __future__ import annotations

from meskit import db
from meskit.outbox import outbox_table

metadata = db.metadata()
outbox = outbox_table(metadata)

# ---- calendar (appointments, reminders) ----
from agenda.adapters.calendar_tables import define as _define_calendar  # noqa: E402

appointments, reminders, calendar_feeds = _define_calendar(metadata)
