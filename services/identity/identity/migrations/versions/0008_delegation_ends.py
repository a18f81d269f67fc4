"""Identity: how a delegation ended (ended_reason), when its delegate last switched to it (for the
five-year rule) and when both sides were reminded of its end date.

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("delegations", sa.Column("ended_reason", sa.String(16)))
    op.add_column("delegations", sa.Column("last_used_at", TS))
    op.add_column("delegations", sa.Column("end_reminded_at", TS))
    op.execute("UPDATE delegations SET ended_reason = 'REVOKED' WHERE state = 'REVOKED'")


def downgrade() -> None:
    for column in ("end_reminded_at", "last_used_at", "ended_reason"):
        op.drop_column("delegations", column)
