"""Agenda, calendar part: appointments and reminders (each with its notice's state), the calendar feed's
subscriptions (hashed tokens), the outbox.

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
    op.create_table('appointments',
    sa.Column('appointment_id', sa.String(length=36), nullable=False),
    sa.Column('patient_id', sa.String(length=64), nullable=False),
    sa.Column('type', sa.String(length=24), nullable=False),
    sa.Column('title', sa.String(length=100), server_default='', nullable=False),
    sa.Column('directory_id', sa.String(length=32), server_default='', nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('specialty', sa.String(length=200), server_default='', nullable=False),
    sa.Column('address', sa.String(length=500), server_default='', nullable=False),
    sa.Column('start_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.String(length=1000), server_default='', nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('prevention_item_id', sa.String(length=64), server_default='', nullable=False),
    sa.Column('reminder_time', sa.String(length=5), server_default='', nullable=False),
    sa.Column('author_type', sa.String(length=24), nullable=False),
    sa.Column('author_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sequence', sa.Integer(), server_default='0', nullable=False),
    sa.Column('notice_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notice_state', sa.String(length=8), server_default='none', nullable=False),
    sa.CheckConstraint("notice_state IN ('none', 'pending', 'sent', 'dropped')", name=op.f('ck_appointments_notice_state')),
    sa.CheckConstraint('end_time IS NULL OR end_time >= start_time', name=op.f('ck_appointments_end_after_start')),
    sa.PrimaryKeyConstraint('appointment_id', name=op.f('pk_appointments'))
    )
    op.create_table('reminders',
    sa.Column('reminder_id', sa.String(length=36), nullable=False),
    sa.Column('patient_id', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('remind_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('remind_date', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=1000), server_default='', nullable=False),
    sa.Column('author_type', sa.String(length=24), nullable=False),
    sa.Column('author_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notice_state', sa.String(length=8), server_default='pending', nullable=False),
    sa.CheckConstraint("notice_state IN ('pending', 'sent', 'dropped')", name=op.f('ck_reminders_notice_state')),
    sa.PrimaryKeyConstraint('reminder_id', name=op.f('pk_reminders'))
    )
    op.create_table('calendar_feeds',
    sa.Column('patient_id', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('show_details', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('patient_id', name=op.f('pk_calendar_feeds')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feeds_token_hash'))
    )
    op.create_index('ix_outbox_pending', 'outbox', ['available_at'], unique=False, postgresql_where=sa.text('published_at IS NULL'))
    op.create_index('ix_appointments_due', 'appointments', ['notice_at'], unique=False, postgresql_where=sa.text("notice_state = 'pending'"))
    op.create_index('ix_appointments_patient_start', 'appointments', ['patient_id', 'start_time'], unique=False)
    op.create_index('ix_reminders_due', 'reminders', ['remind_at'], unique=False, postgresql_where=sa.text("notice_state = 'pending'"))
    op.create_index('ix_reminders_patient_date', 'reminders', ['patient_id', 'remind_date'], unique=False)


def downgrade() -> None:
    op.drop_table("calendar_feeds")
    op.drop_table("reminders")
    op.drop_table("appointments")
    op.drop_table("outbox")
