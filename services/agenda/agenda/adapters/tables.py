"""Agenda's tables (SQLAlchemy Core). Only this service reads or writes them."""
from __future__ import annotations

import sqlalchemy as sa

from meskit import db
from meskit.db import Timestamp
from meskit.outbox import outbox_table

metadata = db.metadata()
outbox = outbox_table(metadata)

# ---- calendar (appointments, reminders, the feed's subscriptions) ----
from agenda.adapters.calendar_tables import define as _define_calendar  # noqa: E402

appointments, reminders, calendar_feeds = _define_calendar(metadata)

# ---- prevention: the person's marks; the items are computed, never stored ----
prevention_marks = sa.Table(
    "prevention_marks", metadata,
    sa.Column("patient_id", sa.String(64), primary_key=True),
    sa.Column("item_id", sa.String(80), primary_key=True),      # "<rule id>.<occurrence>", stable
    sa.Column("done", sa.Boolean, nullable=False),
    sa.Column("execution_date", sa.Date),
    sa.Column("marked_at", Timestamp, nullable=False),
    sa.Column("marked_by", sa.String(64), nullable=False),      # the account: the patient's or a delegate's
)

# ---- prevention reminders ----
# The people the reminders' pass checks (those whose calendar was asked for), and when next.
prevention_people = sa.Table(
    "prevention_people", metadata,
    sa.Column("patient_id", sa.String(64), primary_key=True),
    sa.Column("next_check_on", sa.Date, nullable=False, index=True),
)
# What was told: at most once per person, occurrence and moment ("opening", "before_overdue").
prevention_reminders_sent = sa.Table(
    "prevention_reminders_sent", metadata,
    sa.Column("patient_id", sa.String(64), primary_key=True),
    sa.Column("item_id", sa.String(80), primary_key=True),
    sa.Column("moment", sa.String(16), primary_key=True),
    sa.Column("sent_at", Timestamp, nullable=False),
)
