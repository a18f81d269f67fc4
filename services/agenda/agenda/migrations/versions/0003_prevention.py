"""Agenda: the person's marks on prevention items (done / not done, the date), the people the
prevention reminders' pass checks and what it told them (the outbox is 0002's).

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table('prevention_marks',
    sa.Column('patient_id', sa.String(length=64), nullable=False),
    sa.Column('item_id', sa.String(length=80), nullable=False),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.Column('execution_date', sa.Date(), nullable=True),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('marked_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('patient_id', 'item_id', name=op.f('pk_prevention_marks'))
    )
    op.create_table('prevention_people',
    sa.Column('patient_id', sa.String(length=64), nullable=False),
    sa.Column('next_check_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('patient_id', name=op.f('pk_prevention_people'))
    )
    op.create_index(op.f('ix_prevention_people_next_check_on'), 'prevention_people', ['next_check_on'], unique=False)
    op.create_table('prevention_reminders_sent',
    sa.Column('patient_id', sa.String(length=64), nullable=False),
    sa.Column('item_id', sa.String(length=80), nullable=False),
    sa.Column('moment', sa.String(length=16), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('patient_id', 'item_id', 'moment', name=op.f('pk_prevention_reminders_sent'))
    )


def downgrade() -> None:
    op.drop_table('prevention_reminders_sent')
    op.drop_index(op.f('ix_prevention_people_next_check_on'), table_name='prevention_people')
    op.drop_table('prevention_people')
    op.drop_table('prevention_marks')
