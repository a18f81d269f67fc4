"""The profile's tables (SQLAlchemy Core). Only this service reads or writes them: health data, in a
database of its own."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from meskit import db
from meskit.db import Timestamp
from meskit.outbox import outbox_table

metadata = db.metadata()
outbox = outbox_table(metadata)

# One row per profile that was ever written: the lock that serialises its single values and limits.
profiles = sa.Table(
    "profiles", metadata,
    sa.Column("patient_id", sa.String(64), primary_key=True),
    sa.Column("blood_group", sa.String(3), nullable=False, server_default=""),
    sa.Column("blood_group_author_type", sa.String(16), nullable=False, server_default=""),
    sa.Column("blood_group_author_id", sa.String(64), nullable=False, server_default=""),
    sa.Column("blood_group_updated_at", Timestamp),
    sa.Column("advance_directives", sa.Text, nullable=False, server_default=""),
    sa.Column("informed_about_organ_donation", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("wishes_updated_at", Timestamp),
)
entries = sa.Table(
    "entries", metadata,
    sa.Column("entry_id", sa.String(36), primary_key=True),
    sa.Column("patient_id", sa.String(64), nullable=False, index=True),
    sa.Column("section", sa.String(32), nullable=False),
    sa.Column("fields", JSONB, nullable=False),
    sa.Column("author_type", sa.String(16), nullable=False),
    sa.Column("author_id", sa.String(64), nullable=False),
    sa.Column("confirmed_by_professional", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
)
declarations = sa.Table(
    "not_concerned", metadata,
    sa.Column("patient_id", sa.String(64), primary_key=True),
    sa.Column("section", sa.String(32), primary_key=True),
    sa.Column("declared_at", Timestamp, nullable=False),
)
measurements = sa.Table(
    "measurements", metadata,
    sa.Column("measurement_id", sa.String(36), primary_key=True),
    sa.Column("patient_id", sa.String(64), nullable=False),
    sa.Column("code", sa.String(32), nullable=False),
    sa.Column("effective_time", Timestamp, nullable=False),
    sa.Column("metrics", JSONB, nullable=False),
    sa.Column("comment", sa.String(1000), nullable=False, server_default=""),
    sa.Column("context", sa.String(16), nullable=False, server_default=""),
    sa.Column("number_of_days", sa.Integer, nullable=False, server_default="0"),
    sa.Column("author_type", sa.String(16), nullable=False),
    sa.Column("author_id", sa.String(64), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("derived_from", JSONB, nullable=False, server_default="[]"),
    sa.Column("author_name", sa.String(200), nullable=False, server_default=""),
    sa.Column("source", sa.String(500), nullable=False, server_default=""),
    sa.Column("identifier_system", sa.String(500), nullable=False, server_default=""),
    sa.Column("identifier_value", sa.String(200), nullable=False, server_default=""),
    sa.Index("ix_measurements_history", "patient_id", "code", "effective_time"),
    # an app's Observation.identifier, once per space (idempotent resend, 409 on other content)
    sa.Index("uq_measurements_app_identifier", "patient_id", "author_id", "identifier_system", "identifier_value",
             unique=True, postgresql_where=sa.text("identifier_value <> ''")),
)
