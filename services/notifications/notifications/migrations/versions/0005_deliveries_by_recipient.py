"""Notifications: index of the deliveries by recipient, for operators listing one person's deliveries.

Revision ID: 0005
"""
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.create_index("ix_deliveries_recipient_id_created_at", "deliveries", ["recipient_id", "created_at"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_deliveries_recipient_id_created_at", table_name="deliveries")
