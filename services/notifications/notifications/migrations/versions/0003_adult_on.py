"""Notifications: the day a minor comes of age (recipients.adult_on), sent by identity.

Revision ID: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.add_column("recipients", sa.Column("adult_on", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("recipients", "adult_on")
