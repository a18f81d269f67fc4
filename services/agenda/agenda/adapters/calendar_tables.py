"""The calendar's tables: appointments and reminders, each with the state of its notice; the feed's
subscriptions."""
from __future__ import annotations

import sqlalchemy as sa

from meskit.db import Timestamp


def define(metadata: sa.MetaData) -> tuple[sa.Table, sa.Table, sa.Table]:
    appointments = sa.Table(
        "appointments", metadata,
        sa.Column("appointment_id", sa.String(36), primary_key=True),
        sa.Column("patient_id", sa.String(64), nullable=False),
        sa.Column("type", sa.String(24), nullable=False),
        sa.Column("title", sa.String(100), nullable=False, server_default=""),
        sa.Column("directory_id", sa.String(32), nullable=False, server_default=""),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("specialty", sa.String(200), nullable=False, server_default=""),
        sa.Column("address", sa.String(500), nullable=False, server_default=""),
        sa.Column("start_time", Timestamp, nullable=False),
        sa.Column("end_time", Timestamp),
        sa.Column("note", sa.String(1000), nullable=False, server_default=""),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("prevention_item_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("reminder_time", sa.String(5), nullable=False, server_default=""),
        sa.Column("author_type", sa.String(24), nullable=False),
        sa.Column("author_id", sa.String(64), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False, server_default="0"),
        sa.Column("notice_at", Timestamp),
        sa.Column("notice_state", sa.String(8), nullable=False, server_default="none"),
        sa.CheckConstraint("end_time IS NULL OR end_time >= start_time", name="end_after_start"),
        sa.CheckConstraint("notice_state IN ('none', 'pending', 'sent', 'dropped')", name="notice_state"),
        sa.Index("ix_appointments_patient_start", "patient_id", "start_time"),
        sa.Index("ix_appointments_due", "notice_at", postgresql_where=sa.text("notice_state = 'pending'")),
    )
    reminders = sa.Table(
        "reminders", metadata,
        sa.Column("reminder_id", sa.String(36), primary_key=True),
        sa.Column("patient_id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("remind_at", Timestamp, nullable=False),
        sa.Column("remind_date", sa.Date, nullable=False),
        sa.Column("note", sa.String(1000), nullable=False, server_default=""),
        sa.Column("author_type", sa.String(24), nullable=False),
        sa.Column("author_id", sa.String(64), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.Column("notified_at", Timestamp),
        sa.Column("notice_state", sa.String(8), nullable=False, server_default="pending"),
        sa.CheckConstraint("notice_state IN ('pending', 'sent', 'dropped')", name="notice_state"),
        sa.Index("ix_reminders_patient_date", "patient_id", "remind_date"),
        sa.Index("ix_reminders_due", "remind_at", postgresql_where=sa.text("notice_state = 'pending'")),
    )
    # one subscription per profile: the hash of its secret token (the token itself is never stored)
    feeds = sa.Table(
        "calendar_feeds", metadata,
        sa.Column("patient_id", sa.String(64), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("show_details", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
    )
    return appointments, reminders, feeds
