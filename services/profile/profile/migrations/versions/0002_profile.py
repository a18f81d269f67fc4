"""Profile: its sections' entries, the "not concerned" declarations, the single values (blood group,
wishes), the measurements and their history, the outbox (audit records of delegates' and professionals'
changes).

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table('entries',
    sa.Column('entry_id', sa.String(length=36), nullable=False),
    sa.Column('patient_id', sa.String(length=64), nullable=False),
    sa.Column('section', sa.String(length=32), nullable=False),
    sa.Column('fields', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('author_type', sa.String(length=16), nullable=False),
    sa.Column('author_id', sa.String(length=64), nullable=False),
    sa.Column('confirmed_by_professional', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_entries'))
    )
    op.create_table('measurements',
    sa.Column('measurement_id', sa.String(length=36), nullable=False),
    sa.Column('patient_id', sa.String(length=64), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('effective_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('metrics', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('comment', sa.String(length=1000), server_default='', nullable=False),
    sa.Column('context', sa.String(length=16), server_default='', nullable=False),
    sa.Column('number_of_days', sa.Integer(), server_default='0', nullable=False),
    sa.Column('author_type', sa.String(length=16), nullable=False),
    sa.Column('author_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('derived_from', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.PrimaryKeyConstraint('measurement_id', name=op.f('pk_measurements'))
    )
    op.create_table('not_concerned',
    sa.Column('patient_id', sa.String(length=64), nullable=False),
    sa.Column('section', sa.String(length=32), nullable=False),
    sa.Column('declared_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('patient_id', 'section', name=op.f('pk_not_concerned'))
    )
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
    op.create_table('profiles',
    sa.Column('patient_id', sa.String(length=64), nullable=False),
    sa.Column('blood_group', sa.String(length=3), server_default='', nullable=False),
    sa.Column('blood_group_author_type', sa.String(length=16), server_default='', nullable=False),
    sa.Column('blood_group_author_id', sa.String(length=64), server_default='', nullable=False),
    sa.Column('blood_group_updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('advance_directives', sa.Text(), server_default='', nullable=False),
    sa.Column('informed_about_organ_donation', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('wishes_updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('patient_id', name=op.f('pk_profiles'))
    )
    op.create_index(op.f('ix_entries_patient_id'), 'entries', ['patient_id'], unique=False)
    op.create_index('ix_measurements_history', 'measurements', ['patient_id', 'code', 'effective_time'], unique=False)
    op.create_index('ix_outbox_pending', 'outbox', ['available_at'], unique=False, postgresql_where=sa.text('published_at IS NULL'))


def downgrade() -> None:
    for table in ("measurements", "not_concerned", "entries", "profiles", "outbox"):
        op.drop_table(table)
