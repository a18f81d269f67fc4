"""Notifications: the events and deliveries about a person found without a scan (her space's erasure).

Revision ID: 0007
"""
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.create_index("ix_events_patient_id", "events", ["patient_id"])
    op.create_index("ix_deliveries_profile_id", "deliveries", ["profile_id"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_profile_id", table_name="deliveries")
    op.drop_index("ix_events_patient_id", table_name="events")
