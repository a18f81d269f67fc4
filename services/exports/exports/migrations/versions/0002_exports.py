"""Exports: the exports asked for (state, build lease, the archive's key) and the outbox.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table('outbox',
    sa.Column('event_id', sa.UUID(), nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('aggregate_id', sa.String(length=64), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('available_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_outbox'))
    )
    op.create_index('ix_outbox_pending', 'outbox', ['available_at'], unique=False,
                    postgresql_where=sa.text('published_at IS NULL'))
    op.create_table('exports',
    sa.Column('export_id', sa.String(length=36), nullable=False),
    sa.Column('patient_id', sa.String(length=64), nullable=False),
    sa.Column('requested_by', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_error', sa.String(length=200), server_default='', nullable=False),
    sa.Column('object_key', sa.String(length=64), server_default='', nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('sha256', sa.String(length=64), server_default='', nullable=False),
    sa.Column('ready_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('running', 'ready', 'failed', 'expired')", name=op.f('ck_exports_state')),
    sa.PrimaryKeyConstraint('export_id', name=op.f('pk_exports'))
    )
    op.create_index(op.f('ix_exports_patient_id'), 'exports', ['patient_id'], unique=False)
    op.create_index('uq_exports_running', 'exports', ['patient_id'], unique=True,
                    postgresql_where=sa.text("state = 'running'"))
    op.create_index('ix_exports_ready', 'exports', ['expires_at'], unique=False,
                    postgresql_where=sa.text("state = 'ready'"))


def downgrade() -> None:
    op.drop_table("exports")
    op.drop_table("outbox")
