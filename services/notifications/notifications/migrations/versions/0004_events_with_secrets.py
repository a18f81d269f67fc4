"""Notifications: index of the events still holding a secret of the person (the provisional code).

Revision ID: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_index("ix_events_with_secrets", "events", ["received_at"], unique=False,
                    postgresql_where=sa.text("payload ? 'provisional_code'"))


def downgrade() -> None:
    op.drop_index("ix_events_with_secrets", table_name="events",
                  postgresql_where=sa.text("payload ? 'provisional_code'"))
