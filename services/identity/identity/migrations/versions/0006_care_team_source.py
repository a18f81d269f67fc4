"""Identity: how each care-team member joined (added by the patient, or declared by the professional).

Revision ID: 0006
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0003"


def upgrade() -> None:
    op.add_column('care_team_members', sa.Column('source', sa.String(length=32),
                                                 server_default='ADDED_BY_PATIENT', nullable=False))


def downgrade() -> None:
    op.drop_column('care_team_members', 'source')
