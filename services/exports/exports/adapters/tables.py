"""Exports' tables (SQLAlchemy Core). The archives' bytes are in the object store under `object_key`."""
from __future__ import annotations

import sqlalchemy as sa

from meskit import db
from meskit.db import Timestamp
from meskit.outbox import outbox_table

metadata = db.metadata()

exports = sa.Table(
    "exports", metadata,
    sa.Column("export_id", sa.String(36), primary_key=True),
    sa.Column("patient_id", sa.String(64), nullable=False, index=True),
    sa.Column("requested_by", sa.String(64), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("requested_at", Timestamp, nullable=False),
    # the build: a replica holds it until `lease_until`; a crashed one's lease runs out and another resumes
    sa.Column("lease_until", Timestamp),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.String(200), nullable=False, server_default=""),
    # the archive
    sa.Column("object_key", sa.String(64), nullable=False, server_default=""),
    sa.Column("size_bytes", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("sha256", sa.String(64), nullable=False, server_default=""),
    sa.Column("ready_at", Timestamp),
    sa.Column("expires_at", Timestamp),
    sa.CheckConstraint("state IN ('running', 'ready', 'failed', 'expired')", name="state"),
    # one running export per person: a second request meets this index (EXPORT_RUNNING)
    sa.Index("uq_exports_running", "patient_id", unique=True, postgresql_where=sa.text("state = 'running'")),
    sa.Index("ix_exports_ready", "expires_at", postgresql_where=sa.text("state = 'ready'")),
)

outbox = outbox_table(metadata)
